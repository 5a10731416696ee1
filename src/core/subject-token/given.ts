import type { SubjectTokenSource } from './source.ts';

/** A JWT handed over as it is (an action input, a variable): its audience is its own. */
export function givenToken(jwt: string, description: string): SubjectTokenSource {
  return {
    description,
    choosesAudience: false,
    token: (ctx) => Promise.resolve(ctx.secrets.add(jwt)),
  };
}
