import type { CiSource } from '../source.ts';
import { acceptJwt, tokenUnavailable, type Environment } from '../../subject-token/source-deps.ts';

const PREFIX = 'TFC_WORKLOAD_IDENTITY_TOKEN';

/** HCP Terraform: TFC_WORKLOAD_IDENTITY_TOKEN_DATABRICKS, the untagged token, or the only tagged one. */
export const terraformCloud: CiSource = {
  source(deps) {
    const names = tokenNames(deps.env);
    const name =
      names.find((candidate) => candidate === `${PREFIX}_DATABRICKS`) ??
      names.find((candidate) => candidate === PREFIX) ??
      (names.length === 1 ? names[0] : undefined);
    const hint =
      'Set the workspace variable TFC_WORKLOAD_IDENTITY_AUDIENCE_DATABRICKS (or TFC_WORKLOAD_IDENTITY_AUDIENCE) to the audience of your federation policy';
    if (names.length === 0)
      throw tokenUnavailable('this HCP Terraform run has no TFC_WORKLOAD_IDENTITY_TOKEN', hint);
    if (name === undefined)
      throw tokenUnavailable(
        `${names.length} tagged TFC_WORKLOAD_IDENTITY_TOKEN_* variables are set and none is TFC_WORKLOAD_IDENTITY_TOKEN_DATABRICKS`,
        hint,
      );
    const jwt = acceptJwt(deps.env[name] ?? '', deps.secrets, name);
    return {
      description: `HCP Terraform (${name})`,
      choosesAudience: false,
      token: () => Promise.resolve(jwt),
    };
  },
};

function tokenNames(env: Environment): string[] {
  return Object.keys(env)
    .filter((name) => (name === PREFIX || name.startsWith(`${PREFIX}_`)) && env[name])
    .sort();
}
