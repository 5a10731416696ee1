import { describe, expect, it } from 'vitest';
import { decodeClaims, describeClaims } from '../../../src/core/subject-token/claims.ts';
import { parseExpiresIn } from '../../../src/core/databricks/exchange.ts';
import { neutralise } from '../../../src/core/secrets/text.ts';
import { explainRefusal } from '../../../src/core/databricks/diagnose.ts';
import { resolveTarget } from '../../../src/core/databricks/discovery.ts';
import { parseConfig } from '../../../src/core/config.ts';

function jwt(payload: unknown): string {
  return `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;
}

describe('decodeClaims', () => {
  it('reads the payload', () => {
    expect(decodeClaims(jwt({ sub: 'repo:o/r:ref:refs/heads/main', aud: ['a'] }))).toEqual({
      sub: 'repo:o/r:ref:refs/heads/main',
      aud: ['a'],
    });
  });
  it.each(['x', 'a.!!!.c', jwt([1, 2]), jwt('text')])('returns undefined for %j', (token) => {
    expect(decodeClaims(token)).toBeUndefined();
  });
  it('describes the claims that matter for a policy', () => {
    const claims = {
      iss: 'https://i',
      sub: 's',
      aud: 'a',
      exp: 1300,
      repository: 'o/r',
      environment: 'prod',
      secret_ish: 'x',
    };
    const text = describeClaims(claims, 1000_000);
    expect(text).toBe(
      'iss=https://i, sub=s, aud=a, exp=1970-01-01T00:21:40.000Z (in 300 s), repository=o/r, environment=prod',
    );
  });
});

describe('parseExpiresIn', () => {
  it.each([
    [3600, 3600],
    ['299', 299],
    [' 60 ', 60],
    ['1.5', 1.5],
    ['abc', undefined],
    [-1, undefined],
    [null, undefined],
    [Number.NaN, undefined],
  ])('%j → %j', (value, expected) => expect(parseExpiresIn(value)).toBe(expected));
});

describe('neutralise', () => {
  it('cannot start a workflow command', () => {
    const text = neutralise('bad\n::add-mask::x\r\n%0A::error::y');
    expect(text).not.toMatch(/[\r\n]/);
    expect(text).not.toContain('::');
  });
  it('truncates long server text', () => {
    expect(neutralise('x'.repeat(1000)).length).toBeLessThanOrEqual(301);
  });
});

describe('hostile claims', () => {
  const hostile = {
    iss: { toString: 1 },
    sub: { toString: 1 },
    aud: [{ toString: 1 }, 'a'],
    exp: 1e300,
    iat: -1e300,
    repository: ['o/r'],
    environment: { valueOf: 1 },
  };

  it('are dropped when of the wrong type or beyond any date, never crash a description', () => {
    const claims = decodeClaims(jwt(hostile));
    expect(claims).toEqual({ aud: ['a'] });
    if (claims === undefined) throw new Error('no claims');
    expect(describeClaims(claims, Date.now())).toBe('aud=a');
  });

  it('leave the refusal diagnosis with placeholders', () => {
    const claims = decodeClaims(jwt({ ...hostile, aud: { toString: 1 } }));
    if (claims === undefined) throw new Error('no claims');
    const target = resolveTarget(
      parseConfig((name) => (name === 'host' ? 'dbc-1.cloud.databricks.com' : '')),
      undefined,
    );
    const lines = explainRefusal(claims, target, undefined).join('\n');
    expect(lines).toContain('<iss of your token>');
    expect(lines).toContain('audience (aud): (none)');
  });

  it('nested a hundred thousand levels deep are no JWT, and no crash', () => {
    const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    const token = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(deep).toString('base64url')}.sig`;
    const claims = decodeClaims(token);
    if (claims !== undefined) expect(describeClaims(claims, Date.now())).toBe('');
  });
});

describe('parseExpiresIn with hostile values', () => {
  it.each([1e300, '1e300', Number.MAX_VALUE, 10 ** 12, { toString: 1 }, [3600], -1, Infinity])(
    'gives no expiry for %j',
    (value) => {
      expect(parseExpiresIn(value)).toBeUndefined();
    },
  );
});
