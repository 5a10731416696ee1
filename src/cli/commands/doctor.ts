import {
  CI_CATALOG,
  CI_ROWS,
  describeFailure,
  findings,
  logSafeJson,
  peekSubjectToken,
  type PeekedToken,
  type TokenClaims,
} from '../../core/index.ts';
import type { ParsedArgs } from '../args.ts';
import type { Session } from '../session.ts';
import type { CliSettings } from '../settings.ts';
import { writeStdout } from '../stdio.ts';
import { cliWords } from '../vocabulary.ts';

/** In the SDKs' auth order, before OIDC: set, these win over what this tool hands off. */
const WINNING_VARIABLES = [
  'DATABRICKS_TOKEN',
  'DATABRICKS_CLIENT_SECRET',
  'DATABRICKS_USERNAME',
  'DATABRICKS_AUTH_TYPE',
  'DATABRICKS_CONFIG_PROFILE',
  'ARM_CLIENT_SECRET',
];

const CLAIMS_SHOWN = [
  'iss',
  'sub',
  'aud',
  'exp',
  'iat',
  'project_path',
  'repository',
  ...CI_CATALOG.flatMap((row) => (row.pinnedClaim === undefined ? [] : [row.pinnedClaim])),
];

export async function doctorCommand(
  args: ParsedArgs,
  settings: CliSettings,
  session: Session,
): Promise<number> {
  const report: Record<string, unknown> = {
    sources: findings(session.env, settings.source),
    shadowing: WINNING_VARIABLES.filter((name) => session.env[name]),
  };
  try {
    const { ci, deps } = session.coreDeps(settings);
    report['ci'] = ci ?? null;
    report['token_source'] = deps.subjectToken.description;
    if (ci !== undefined) report['subject_shape'] = CI_ROWS[ci].subjectShape;
    const { target, claims, hostMetadata } = await peekSubjectToken(settings.config, deps);
    report['host_metadata'] = describeMetadata(hostMetadata);
    report['audience'] = { value: target.audience, from: target.audienceSource };
    report['target'] = {
      kind: target.kind,
      host: target.host.url,
      token_endpoint: target.tokenEndpoint,
      account_id: target.accountId ?? null,
    };
    report['claims'] = claims === undefined ? null : pick(claims);
  } catch (error) {
    report['problem'] = cliWords(session.secrets.redact(describeFailure(error)));
  }
  writeStdout(args.flags['json'] === true ? `${logSafeJson(report, 2)}\n` : text(report));
  return 0;
}

/** GET <host>/.well-known/databricks-config: asked only when the settings leave something open. */
function describeMetadata({ needed, answer }: PeekedToken['hostMetadata']): unknown {
  if (!needed) return 'not asked: a host outside Databricks domains decides nothing';
  if (answer === undefined) return 'not available: decided from the host name';
  return {
    host_type: answer.hostType ?? null,
    account_id: answer.accountId ?? null,
    workspace_id: answer.workspaceId ?? null,
    default_audience: answer.defaultAudience ?? null,
    oidc_endpoint: answer.oidcEndpoint ?? null,
    token_endpoint: answer.tokenEndpoint ?? null,
  };
}

function pick(claims: TokenClaims): Record<string, unknown> {
  return Object.fromEntries(
    CLAIMS_SHOWN.filter((name) => claims[name] !== undefined).map((name) => [name, claims[name]]),
  );
}

function text(report: Record<string, unknown>): string {
  const lines = ['Token sources looked for:'];
  for (const found of report['sources'] as { source: string; matched: boolean; why: string }[])
    lines.push(`  ${found.matched ? '[x]' : '[ ]'} ${found.source}: ${found.why}`);
  for (const key of [
    'ci',
    'token_source',
    'subject_shape',
    'host_metadata',
    'audience',
    'target',
    'claims',
    'problem',
  ])
    if (report[key] !== undefined) lines.push(`${key}: ${logSafeJson(report[key])}`);
  const shadowing = report['shadowing'] as string[];
  lines.push(
    shadowing.length === 0
      ? 'No Databricks variable in the environment would win over OIDC in the SDKs.'
      : `Set here and winning over OIDC in the SDKs' auth order: ${shadowing.join(', ')}`,
  );
  return `${lines.join('\n')}\n`;
}
