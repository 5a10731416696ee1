// Properties of the pure functions that stand between untrusted text (inputs, server answers) and
// the runner: they are total (only StageError, never a crash), their messages are one line that
// names the stage, they cannot emit a workflow command, and they never widen where a request goes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StageError } from '../../src/core/errors.ts';
import { classifyHostname, parseHost } from '../../src/core/databricks/host.ts';
import { parseInputs } from '../../src/action/inputs.ts';
import {
  backoffDelay,
  classifyResponse,
  DEFAULT_RETRY_POLICY,
  isThrottling,
  parseRetryAfter,
  type RetryPolicy,
} from '../../src/core/http/retry.ts';
import { neutralise } from '../../src/core/secrets/text.ts';
import { SecretRegistry } from '../../src/core/secrets/registry.ts';
import { safeLog } from '../../src/core/secrets/log.ts';

// eslint-disable-next-line no-control-regex
const LINE_BREAKING = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Pieces that have broken parsers, loggers and runners before. */
const FRAGMENTS = [
  '::',
  ':',
  '##[',
  '#',
  '[',
  ']',
  '%0A',
  '%0D',
  '%25',
  '\n',
  '\r\n',
  '\r',
  '\u2028',
  '\u0085',
  '\u0000',
  '\u001b[31m',
  '\u202e',
  '\ufeff',
  ' ',
  '\t',
  '@',
  '?',
  '/',
  '\\',
  '.',
  '%2e',
  '%40',
  '\u3002',
  '\uff0e',
  'ｄｂｃ',
  'é',
  'xn--dbc-',
  'https://',
  'http://',
  'evil.test',
  'dbc-1234.cloud.databricks.com',
  'accounts.cloud.databricks.com',
  '127.0.0.1',
  'localhost',
  ':443',
  ':99999',
  'add-mask::',
  'error::',
  'set-output name=token]',
  'stop-commands]',
  'ghadelimiter_',
  '<<EOF',
  '=',
  '"',
  "'",
  '$(id)',
];

const fragmentString = fc
  .array(fc.constantFrom(...FRAGMENTS), { maxLength: 12 })
  .map((parts) => parts.join(''));

/** Any text an attacker, a typo or a broken server could produce. */
const hostile: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fragmentString },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 60 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 1000, maxLength: 20_000 }) },
  { weight: 1, arbitrary: fc.constant('') },
);

const INPUT_NAMES = [
  'host',
  'account-id',
  'client-id',
  'audience',
  'scope',
  'oidc-token',
  'export-env',
  'lakebase-instance',
  'lakebase-endpoint',
  'lakebase-database',
  'lakebase-ttl',
] as const;

const inputs = fc.record(
  Object.fromEntries(INPUT_NAMES.map((name) => [name, fc.option(hostile, { nil: undefined })])),
  { requiredKeys: [] },
) as fc.Arbitrary<Partial<Record<(typeof INPUT_NAMES)[number], string | undefined>>>;

/** As @actions/core getInput reads them: trimmed, '' when unset. */
function reader(values: Partial<Record<string, string | undefined>>): (name: string) => string {
  return (name) => (values[name] ?? '').trim();
}

/** Runs `fn`; it must return, or throw a StageError that is one line naming the stage. */
function totalOrActionError<T>(fn: () => T, stageLabel: string): T | StageError {
  try {
    return fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StageError);
    const { message } = error as StageError;
    expect(message.startsWith(`${stageLabel} failed: `)).toBe(true);
    expect(message).not.toMatch(LINE_BREAKING);
    expect((error as StageError).hint.length).toBeGreaterThan(0);
    return error as StageError;
  }
}

describe('neutralise', () => {
  it('leaves no line break, control character, "::" or "##[" in any text', () => {
    fc.assert(
      fc.property(hostile, fc.integer({ min: 1, max: 2000 }), (text, max) => {
        const safe = neutralise(text, max);
        expect(safe).not.toMatch(LINE_BREAKING);
        expect(safe).not.toContain('::');
        // The runner also reads the legacy "##[command]" form anywhere in a line.
        expect(safe).not.toContain('##[');
        expect(safe.length).toBeLessThanOrEqual(max + 1);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps ordinary text as it is', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9 ,.()'"_/-]{0,200}$/), (text) => {
        expect(neutralise(text)).toBe(text.trim());
      }),
    );
  });
});

describe('parseHost', () => {
  it('is total: a Host, or one line that says what is wrong with host', () => {
    fc.assert(
      fc.property(hostile, (raw) => {
        const result = totalOrActionError(() => parseHost(raw), 'Reading inputs');
        if (result instanceof StageError)
          expect(result.message).toMatch(/^Reading inputs failed: host /);
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts only a bare ASCII origin, and normalises it to what a URL parser would reach', () => {
    fc.assert(
      fc.property(hostile, (raw) => {
        let host;
        try {
          host = parseHost(raw);
        } catch {
          return;
        }
        const text = raw.trim().replace(/\/$/, '');
        // Nothing that could move the request elsewhere: user info, path, query, fragment, non-ASCII.
        expect(text).not.toMatch(/[@?#\s\\]|[^\x21-\x7e]/);
        expect(text.replace(/^https?:\/\//i, '')).not.toContain('/');
        const url = new URL(host.url);
        expect(url.origin).toBe(host.url);
        expect(url.hostname).toBe(host.hostname);
        expect(url.username + url.password + url.search + url.hash).toBe('');
        expect(url.pathname).toBe('/');
        expect(
          url.protocol === 'https:' ||
            ['127.0.0.1', 'localhost'].includes(host.hostname) ||
            /^127\./.test(host.hostname) ||
            host.hostname === '[::1]',
        ).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/);
  const hostname = fc
    .array(label, { minLength: 2, maxLength: 5 })
    .map((labels) => labels.join('.'));

  it('sends requests to exactly the host name written, whatever is around it', () => {
    const extra = fc.record({
      scheme: fc.constantFrom('https://', 'HTTPS://', '', 'http://', 'ftp://', 'javascript:'),
      userinfo: fc.constantFrom('', 'x@', 'user:pass@', 'dbc-1.cloud.databricks.com@'),
      suffix: fc.constantFrom(
        '',
        '/',
        ':443',
        ':8443/',
        '/path',
        '/?q',
        '?q=1',
        '#frag',
        '.evil.test',
        '\u3002evil.test',
        '%2F@evil.test',
        '\\@evil.test',
      ),
    });
    fc.assert(
      fc.property(hostname, extra, (name, { scheme, userinfo, suffix }) => {
        const raw = `${scheme}${userinfo}${name}${suffix}`;
        const plain =
          (scheme === '' || scheme.toLowerCase() === 'https://') &&
          userinfo === '' &&
          ['', '/', ':443', '.evil.test'].includes(suffix);
        let host;
        try {
          host = parseHost(raw);
        } catch (error) {
          expect(error).toBeInstanceOf(StageError);
          expect(plain).toBe(false);
          return;
        }
        expect(plain || suffix === ':8443/').toBe(true);
        const expected = suffix === '.evil.test' ? `${name}.evil.test` : name;
        expect(host.hostname).toBe(expected);
        expect(host.url).toBe(`https://${expected}${suffix === ':8443/' ? ':8443' : ''}`);
      }),
      { numRuns: 2000 },
    );
  });

  it('calls a host a workspace only on a Databricks domain, never on a look-alike', () => {
    fc.assert(
      fc.property(
        hostname,
        fc.constantFrom('.cloud.databricks.com', '.azuredatabricks.net', '.gcp.databricks.com'),
        (name, domain) => {
          expect(classifyHostname(`${name}${domain}`)).toBe('workspace');
          expect(classifyHostname(`${name}${domain}.evil.test`)).toBe('unknown');
          expect(classifyHostname(`${name}${domain.replace('.', '-')}`)).not.toBe('workspace');
        },
      ),
    );
  });
});

describe('parseInputs', () => {
  it('is total over every input: a Config, or one line naming the input', () => {
    fc.assert(
      fc.property(inputs, (values) => {
        totalOrActionError(() => parseInputs(reader(values)), 'Reading inputs');
      }),
      { numRuns: 3000 },
    );
  });

  it('never repeats oidc-token (a secret) in an error', () => {
    // A nonce in every token, so that it cannot coincide with the text of a message.
    const secret = fc
      .tuple(hostile, fc.stringMatching(/^[A-Za-z0-9_-]{12}$/))
      .map(([text, nonce]) => `${text}${nonce}`);
    fc.assert(
      fc.property(inputs, secret, (values, token) => {
        const result = totalOrActionError(
          () => parseInputs(reader({ ...values, 'oidc-token': token })),
          'Reading inputs',
        );
        if (result instanceof StageError) expect(result.message).not.toContain(token.trim());
      }),
      { numRuns: 2000 },
    );
  });

  it('with a valid host, accepts or refuses every other input without touching the host', () => {
    fc.assert(
      fc.property(inputs, (values) => {
        const result = totalOrActionError(
          () => parseInputs(reader({ ...values, host: 'dbc-1234.cloud.databricks.com' })),
          'Reading inputs',
        );
        if (!(result instanceof StageError))
          expect(result.host.url).toBe('https://dbc-1234.cloud.databricks.com');
        else expect(result.message).not.toMatch(/failed: host /);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('classifyResponse', () => {
  const body = fc.oneof(hostile, fc.json());

  it('succeeds on 2xx, retries 408/425/429/5xx, never retries 1xx/3xx', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), body, (status, text) => {
        const verdict = classifyResponse(status, text);
        if (status >= 200 && status < 300) expect(verdict).toBe('success');
        else if ([408, 425, 429].includes(status) || status >= 500) expect(verdict).toBe('retry');
        else if (status < 400) expect(verdict).toBe('fail');
        else expect(['retry', 'fail']).toContain(verdict);
      }),
      { numRuns: 3000 },
    );
  });

  it('never retries an OAuth refusal unless it says it is throttling', () => {
    const description = fc
      .stringMatching(/^[A-Za-z0-9 .,'_-]{0,80}$/)
      .filter((text) => !/throttl|too many|limit|unavailable/i.test(text));
    fc.assert(
      fc.property(
        fc.constantFrom(400, 401, 403, 404),
        fc.constantFrom(
          'invalid_grant',
          'invalid_request',
          'invalid_client',
          'unauthorized_client',
          'invalid_scope',
          'invalid_target',
        ),
        description,
        (status, error, text) => {
          const answer = JSON.stringify({ error, error_description: text });
          expect(classifyResponse(status, answer)).toBe('fail');
          const throttled = JSON.stringify({
            error,
            error_description: `${text} Temporarily throttled, too many requests`,
          });
          if (status === 400) expect(classifyResponse(status, throttled)).toBe('retry');
        },
      ),
    );
  });
});

describe('isThrottling', () => {
  it('is a kind of retry: every throttling answer is retried', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 599 }),
        fc.oneof(hostile, fc.json()),
        (status, text) => {
          if (isThrottling(status, text)) expect(classifyResponse(status, text)).toBe('retry');
          if (status === 429) expect(isThrottling(status, text)).toBe(true);
          if (status < 400 || status >= 500)
            expect(isThrottling(status, text)).toBe(status === 429);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('parseRetryAfter', () => {
  const now = fc.integer({ min: Date.parse('2000-01-01'), max: Date.parse('2100-01-01') });

  it('reads delay-seconds exactly', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1_000_000 }), now, (seconds, at) => {
        expect(parseRetryAfter(String(seconds), at)).toBe(seconds * 1000);
        expect(parseRetryAfter(` ${seconds} `, at)).toBe(seconds * 1000);
      }),
    );
  });

  it('reads an HTTP date as the time until then, never negative', () => {
    fc.assert(
      fc.property(now, fc.integer({ min: -86_400, max: 86_400 }), (at, offsetSeconds) => {
        const date = new Date(Math.floor(at / 1000) * 1000 + offsetSeconds * 1000);
        const wait = parseRetryAfter(date.toUTCString(), at);
        expect(wait).toBe(Math.max(0, date.getTime() - at));
      }),
    );
  });

  it('gives a usable wait or none for any header value', () => {
    fc.assert(
      fc.property(fc.oneof(hostile, fc.array(hostile, { maxLength: 3 })), now, (value, at) => {
        const wait = parseRetryAfter(value, at);
        if (wait !== undefined) {
          expect(Number.isNaN(wait)).toBe(false);
          expect(wait).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('backoffDelay', () => {
  const policy: fc.Arbitrary<RetryPolicy> = fc.record({
    maxAttempts: fc.integer({ min: 1, max: 10 }),
    baseDelayMs: fc.integer({ min: 1, max: 5000 }),
    maxDelayMs: fc.integer({ min: 1, max: 60_000 }),
    attemptTimeoutMs: fc.integer({ min: 1, max: 60_000 }),
  });
  const random = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

  it('is a whole number of ms from 0 up to, not including, the capped exponential step', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.oneof(policy, fc.constant(DEFAULT_RETRY_POLICY)),
        random,
        (retry, p, r) => {
          const delay = backoffDelay(retry, p, () => r);
          const ceiling = Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** retry);
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThan(ceiling);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('keeps the default policy inside the run deadline even at its worst', () => {
    const { maxAttempts, attemptTimeoutMs } = DEFAULT_RETRY_POLICY;
    let worst = maxAttempts * attemptTimeoutMs;
    for (let retry = 0; retry < maxAttempts - 1; retry++)
      worst += backoffDelay(retry, DEFAULT_RETRY_POLICY, () => 0.999_999);
    expect(worst).toBeLessThan(120_000);
  });
});

/** Every piece of a secret longer than 8 characters: none may survive any cut or rewrite. */
function longPieces(secret: string): string[] {
  const pieces: string[] = [];
  for (let i = 0; i + 9 <= secret.length; i++) pieces.push(secret.slice(i, i + 9));
  return pieces;
}

/** Token-like secrets, some with the `::` and `##[` a defusing rewrite would change. */
const secretValue = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9._~+/=-]{9,80}$/),
  fc
    .tuple(fc.stringMatching(/^[A-Za-z0-9]{5,30}$/), fc.constantFrom('::', '##[', ':::', '%0A'))
    .map(([word, joint]) => `${word}${joint}${word}`),
);

describe('redaction comes before every cut and rewrite', () => {
  it('sanitise leaves no piece of a secret, wherever it sits and wherever the cut falls', () => {
    fc.assert(
      fc.property(
        fc.array(secretValue, { minLength: 1, maxLength: 3 }),
        fc.array(fc.oneof(hostile, fc.constant('SECRET')), { maxLength: 8 }),
        fc.integer({ min: 1, max: 400 }),
        (secrets, parts, cut) => {
          const registry = new SecretRegistry(() => {});
          for (const secret of secrets) registry.add(secret);
          let n = 0;
          const text = parts
            .map((part) => (part === 'SECRET' ? secrets[n++ % secrets.length] : part))
            .join('');
          const outputs = [registry.sanitise(text, cut), registry.sanitise(text)];
          const lines: string[] = [];
          const log = safeLog(
            { info: (l) => lines.push(l), notice: () => {}, warning: () => {} },
            registry,
          );
          log.info(text);
          outputs.push(...lines);
          for (const output of outputs)
            for (const secret of secrets)
              for (const piece of longPieces(secret)) expect(output).not.toContain(piece);
        },
      ),
    );
  });

  it('a refused input is echoed by no more than 8 of its characters', () => {
    fc.assert(
      fc.property(fc.constantFrom(...INPUT_NAMES), secretValue, (name, secret) => {
        const values: Record<string, string> = {
          host: 'dbc-1.cloud.databricks.com',
          [name]: secret,
        };
        const result = totalOrActionError(() => parseInputs(reader(values)), 'Reading inputs');
        if (!(result instanceof StageError)) return;
        for (const piece of longPieces(secret)) expect(result.message).not.toContain(piece);
      }),
    );
  });
});
