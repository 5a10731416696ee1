import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/core/config.ts';
import { parseHost } from '../../../src/core/databricks/host.ts';
import { defuse, hasSpaceOrControl, logSafeJson } from '../../../src/core/secrets/text.ts';

describe('hasSpaceOrControl', () => {
  it.each([
    ['C1 next line', 'a\u0085b'],
    ['C1 CSI', 'a\u009bb'],
    ['zero-width space', 'a\u200bb'],
    ['zero-width joiner', 'a\u200db'],
    ['right-to-left mark', 'a\u200fb'],
    ['right-to-left override', 'a\u202eb'],
    ['first strong isolate', 'a\u2068b'],
    ['word joiner', 'a\u2060b'],
    ['byte order mark', '\ufeffab'],
  ])('finds a %s', (_, text) => {
    expect(hasSpaceOrControl(text)).toBe(true);
  });

  it('lets plain text and other non-ASCII letters pass', () => {
    expect(hasSpaceOrControl('dbc-1.cloud.databricks.com')).toBe(false);
    expect(hasSpaceOrControl('é')).toBe(false);
  });
});

describe('length limits', () => {
  it('refuses a host longer than 300 characters', () => {
    expect(() => parseHost(`${'a'.repeat(300)}.cloud.databricks.com`)).toThrow(
      /host is longer than 300 characters/,
    );
  });

  it('refuses a scope longer than 1000 characters', () => {
    const inputs: Record<string, string> = {
      host: 'dbc-1.cloud.databricks.com',
      scope: Array.from({ length: 200 }, () => 'sql').join(' ') + ' x'.repeat(300),
    };
    expect(() => parseConfig((name) => inputs[name] ?? '')).toThrow(
      /^Reading inputs failed: scope/,
    );
  });

  it('refuses an audience with a bidi override', () => {
    const inputs: Record<string, string> = {
      host: 'dbc-1.cloud.databricks.com',
      audience: 'abc\u202edef',
    };
    expect(() => parseConfig((name) => inputs[name] ?? '')).toThrow(/audience contains whitespace/);
  });
});

describe('defuse and logSafeJson', () => {
  it.each([
    ['##vso[task.setvariable variable=X]1'],
    ['text ##VSO[task.prependpath]/tmp anywhere in a line'],
    ['###vso[task.complete]'],
    ['##[error]legacy'],
    ['::error::x and a:::b'],
  ])('leaves no command of either runner in %s', (text) => {
    const out = defuse(text);
    expect(out).not.toMatch(/##vso\[|##\[|::/i);
  });

  it('keeps the parsed value of JSON and leaves no # in its text', () => {
    const value = { sub: 'a##vso[task.complete]##[error]::x', n: 1 };
    const text = logSafeJson(value, 2);
    expect(text).not.toContain('#');
    expect(JSON.parse(text)).toEqual(value);
  });
});
