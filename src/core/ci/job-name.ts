import type { Environment } from '../subject-token/source-deps.ts';
import { CI_ROWS, type CiName } from './catalog.ts';
import { detectCi } from './markers.ts';

/**
 * The job, in one form on every CI: `<ci>/<repository or project>/run/<run id>/<attempt>/<job>`,
 * with `unknown` for what the CI does not say. Outside a known CI:
 * `databricks-oidc/local/run/unknown/unknown/unknown`. A job-scoped PAT's default comment (which a
 * later sweep can parse) and part of the cached token's key. The CI is the detected one (so the
 * name and the detection agree), or the one the edge knows it runs on.
 */
export function jobName(env: Environment, ci: CiName | undefined = detectCi(env)): string {
  if (ci === undefined) return 'databricks-oidc/local/run/unknown/unknown/unknown';
  const { prefix, parts } = CI_ROWS[ci].job;
  const part = (name: string): string => (name === '' ? '' : env[name]) || 'unknown';
  const [project, run, attempt, name] = parts.map(part);
  return `${prefix}/${project}/run/${run}/${attempt}/${name}`;
}
