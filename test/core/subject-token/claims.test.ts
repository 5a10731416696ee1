import { describe, expect, it } from 'vitest';
import { decodeClaims, describeClaims } from '../../../src/core/subject-token/claims.ts';
import { parseExpiresIn } from '../../../src/core/databricks/exchange.ts';
import { neutralise } from '../../../src/core/secrets/text.ts';

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
