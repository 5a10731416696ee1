import { neutralise } from '../../secrets/text.ts';
import { audiences, decodeClaims } from '../../subject-token/claims.ts';
import type { CiSource } from '../source.ts';
import { acceptJwt, tokenUnavailable, type Environment } from '../../subject-token/source-deps.ts';

/** GitLab: the `id_tokens:` variable of the job (DATABRICKS_OIDC_TOKEN is read as an explicit token). */
export const gitlab: CiSource = {
  source(deps) {
    const names = idTokenVariables(deps.env);
    for (const name of names) deps.secrets.add(deps.env[name] ?? '');
    if (names.length === 0) throw noIdToken();
    return {
      description: 'GitLab CI/CD (id_tokens)',
      choosesAudience: false,
      token(_ctx, audience) {
        const matching = names.filter((name) =>
          audiences(decodeClaims(deps.env[name] ?? '') ?? {}).includes(audience),
        );
        const chosen =
          matching.length === 1 ? matching[0] : names.length === 1 ? names[0] : undefined;
        const hint =
          'Name the one to use with --oidc-token-env (DATABRICKS_OIDC_TOKEN_ENV), or declare it as DATABRICKS_OIDC_TOKEN under id_tokens:';
        const shown = neutralise(names.join(', '), 200);
        if (chosen === undefined && audience === '')
          throw tokenUnavailable(
            `${names.length} *_ID_TOKEN variables are set (${shown}) and no --audience says which one to use`,
            hint,
          );
        if (chosen === undefined)
          throw tokenUnavailable(
            `${names.length} *_ID_TOKEN variables are set (${shown}) and ${matching.length} of them have the audience ${neutralise(audience, 200)}`,
            hint,
          );
        return Promise.resolve(
          acceptJwt(deps.env[chosen] ?? '', deps.secrets, `the variable ${chosen}`),
        );
      },
    };
  },
};

function idTokenVariables(env: Environment): string[] {
  return Object.keys(env)
    .filter((name) => /^[A-Z0-9_]+_ID_TOKEN$/.test(name) && env[name])
    .sort();
}

function noIdToken(): Error {
  return tokenUnavailable(
    'this GitLab job has no DATABRICKS_OIDC_TOKEN or *_ID_TOKEN variable',
    'Add to the job: "id_tokens: { DATABRICKS_OIDC_TOKEN: { aud: <the audience of your federation policy> } }"',
  );
}
