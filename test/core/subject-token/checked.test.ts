// The checks every JWT passes before it is presented: a date from the token is untrusted too.
import { describe, expect, it } from 'vitest';
import { checkedSource } from '../../../src/core/subject-token/checked.ts';
import type { SubjectTokenSource } from '../../../src/core/subject-token/source.ts';
import { DEFAULT_RETRY_POLICY, type CallContext } from '../../../src/core/http/retry.ts';
import { SecretRegistry } from '../../../src/core/secrets/registry.ts';
import { StageError } from '../../../src/core/errors.ts';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (claims: object) => `${b64({ alg: 'RS256' })}.${b64(claims)}.sig`;
const clock = { now: () => Date.now(), sleep: () => Promise.resolve(), random: () => 0 };

function given(token: string): SubjectTokenSource {
  return {
    description: 'a test variable',
    choosesAudience: false,
    token: () => Promise.resolve(token),
  };
}

const ctx = {
  transport: { send: () => Promise.reject(new Error('no network')), dispose: () => {} },
  clock,
  log: { info: () => {}, notice: () => {}, warning: () => {} },
  secrets: new SecretRegistry(() => {}),
  policy: DEFAULT_RETRY_POLICY,
  deadline: Date.now() + 1000,
} as unknown as CallContext;

describe('checkedSource', () => {
  it('says a token that expired when, in one line', async () => {
    const source = checkedSource(
      given(jwt({ iss: 'i', sub: 's', aud: 'a', exp: -1 })),
      undefined,
      clock,
    );
    const error = await source.token(ctx, 'a').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StageError);
    expect((error as Error).message).toContain('expired at 1969-12-31T23:59:59.000Z');
  });

  it.each([-1e300, -8.64e15, 1e300])(
    'never crashes on an exp of %d, beyond any date',
    async (exp) => {
      const source = checkedSource(
        given(jwt({ iss: 'i', sub: 's', aud: 'a', exp })),
        undefined,
        clock,
      );
      const outcome = await source.token(ctx, 'a').catch((e: unknown) => e);
      expect(outcome).not.toBeInstanceOf(RangeError);
      if (outcome instanceof Error) expect(outcome).toBeInstanceOf(StageError);
    },
  );
});
