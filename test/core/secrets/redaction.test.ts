// Secrets are removed before text is defused or cut: a cut that runs first leaves the start of a
// secret behind, which the runner's masker (whole values only) does not catch.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/core/config.ts';
import { parseHost } from '../../../src/core/databricks/host.ts';
import { SecretRegistry } from '../../../src/core/secrets/registry.ts';

// '+' and '/' make it invalid for every input, as a base64 secret is.
const SECRET = 'dapi0123456789+abcdef/0123456789abcdef==';

/** Every 9-character piece of a secret: none may appear in anything printed. */
function pieces(secret: string): string[] {
  return Array.from({ length: secret.length - 8 }, (_, i) => secret.slice(i, i + 9));
}

function expectNoPiece(text: string, secret: string): void {
  for (const piece of pieces(secret)) expect(text).not.toContain(piece);
}

function errorOf(attempt: () => unknown): string {
  try {
    attempt();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error('did not throw');
}

describe('SecretRegistry.sanitise', () => {
  const secrets = new SecretRegistry(() => {});
  secrets.add(SECRET);

  it.each([250, 290, 295, 299])('redacts a secret that a cut at 300 would split (at %i)', (at) => {
    const text = `${'x'.repeat(at)}${SECRET} and more`;
    const clean = secrets.sanitise(text);
    expectNoPiece(clean, SECRET);
  });

  it('redacts a secret containing "::" before defusing it into a reversible form', () => {
    const colons = 'ab12::cd34::ef56::gh78::ij90';
    const registry = new SecretRegistry(() => {});
    registry.add(colons);
    const clean = registry.sanitise(`error: ${colons}`);
    expect(clean).toBe('error: ***');
  });

  it('still defuses and cuts what is left', () => {
    expect(secrets.sanitise('a\n::b', 3)).toBe('a :…');
  });
});

describe('a secret pasted into an input', () => {
  it.each(['client-id', 'account-id', 'scope', 'lakebase-instance', 'lakebase-database'])(
    'is echoed by %s only as a short prefix',
    (name) => {
      const inputs: Record<string, string> = { host: 'dbc-1.cloud.databricks.com', [name]: SECRET };
      if (name === 'lakebase-database') inputs['lakebase-instance'] = 'orders-db';
      const message = errorOf(() => parseConfig((key) => inputs[key] ?? ''));
      expect(message).toMatch(
        new RegExp(`^Reading inputs failed: ${name} "dapi01… \\(40 characters\\)"`),
      );
      expectNoPiece(message, SECRET);
    },
  );

  it.each([`https://${SECRET}%/x`, `https://h/${SECRET}`])(
    'is not repeated by host (%s)',
    (raw) => {
      expectNoPiece(
        errorOf(() => parseHost(raw)),
        SECRET,
      );
    },
  );
});

describe('SecretRegistry.addCredential', () => {
  const refuse = (): Error => new Error('refused');
  it.each([
    ['a'.repeat(200 * 1024)],
    ['abc def'],
    ['abc\ndef'],
    ['abc?sslmode=disable'],
    ['abc\u0085def'],
  ])('masks and refuses a value that is not a bounded token (%#)', (value) => {
    const masked: string[] = [];
    const registry = new SecretRegistry((v) => masked.push(v));
    expect(() => registry.addCredential(value, refuse)).toThrow('refused');
    expect(masked).toEqual([value]);
  });

  it('accepts a JWT and a dapi token', () => {
    const registry = new SecretRegistry(() => {});
    expect(registry.addCredential('eyJh.eyJz.c2ln-_', refuse)).toBe('eyJh.eyJz.c2ln-_');
    expect(registry.addCredential('dapi0123abcdef', refuse)).toBe('dapi0123abcdef');
  });
});
