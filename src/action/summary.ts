import {
  escapeHtml,
  failureKind,
  KIND_LABELS,
  STAGE_LABELS,
  StageError,
  VERSION,
  type Credentials,
} from '../core/index.ts';

/** The job summary: a small table of what was done; only non-secret values ever reach it. */
export function renderSummary(result: Credentials, exported: string[]): string {
  const rows = [...summaryRows(result), exportedRow(exported), versionRow()];
  return `<h3>Databricks OIDC credentials</h3>\n<table>${rows.map(renderRow).join('')}</table>\n`;
}

/** Names only, never values: which variables later steps of the job will see. */
function exportedRow(names: string[]): [string, string] {
  return [
    'Exported variables',
    names.length === 0 ? '(none: export-env is none)' : names.join(' '),
  ];
}

/** Which release wrote this summary: what a bug report needs first. */
function versionRow(): [string, string] {
  return ['Action version', `databricks-oidc ${VERSION}`];
}

/** On failure: the step that failed and the one error line (already redacted by the caller). */
export function renderFailureSummary(error: unknown, message: string): string {
  const stage = error instanceof StageError ? STAGE_LABELS[error.stage] : 'An unexpected error';
  const kind = failureKind(error);
  return `<h3>Databricks OIDC credentials: failed</h3>\n<table>${[
    ['Failed step', stage],
    ['Kind', kind === undefined ? 'unexpected: please report it' : KIND_LABELS[kind]],
    ['Error', message],
    versionRow(),
  ]
    .map(
      ([name, value]) =>
        `<tr><th align="left">${escapeHtml(name ?? '')}</th><td>${escapeHtml(value ?? '')}</td></tr>`,
    )
    .join('')}</table>\n`;
}

/** Prose rows read as text; identifiers (URLs, IDs, subjects) as code. */
const HOST_KINDS: Record<Credentials['target']['kind'], string> = {
  workspace: 'workspace',
  account: 'account console',
  unified: 'unified host (workspace and account APIs)',
};

const PROSE_ROWS = new Set([
  'Host kind',
  'Federation',
  'Token expires',
  'Credential expires',
  'PAT expires',
  'Exported variables',
]);

/**
 * HTML-escaped and on one line: the table is an HTML block, which a blank line would end, and
 * the rest of a server or claim value would then render as Markdown (links, images, headings).
 */
function cellText(value: string): string {
  // eslint-disable-next-line no-control-regex
  return escapeHtml(value).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
}

function renderRow([name, value]: [string, string]): string {
  const cell = PROSE_ROWS.has(name) ? cellText(value) : `<code>${cellText(value)}</code>`;
  return `<tr><th align="left">${escapeHtml(name)}</th><td>${cell}</td></tr>`;
}

function summaryRows(result: Credentials): Array<[string, string]> {
  const { target, claims, token } = result;
  return [
    ['Host', target.host.url],
    ['Host kind', HOST_KINDS[target.kind]],
    ['Token endpoint', target.tokenEndpoint],
    [
      'Federation',
      result.clientId === undefined ? 'account-wide policy' : 'service principal policy',
    ],
    ['Client ID', result.clientId ?? '(none)'],
    ['Audience', target.audience],
    ['Subject', typeof claims?.sub === 'string' ? claims.sub : '(unknown)'],
    ['Token expires', token.expiresAt?.toISOString() ?? '(not stated)'],
    ...databaseRows(result),
    ...tokenRows(result),
  ];
}

function tokenRows({ tokens }: Credentials): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  if (tokens?.pat)
    rows.push(
      ['PAT id', tokens.pat.id],
      ['PAT expires', tokens.pat.expiresAt?.toISOString() ?? 'never'],
    );
  if (tokens?.oboMint) rows.push(['OBO token id', tokens.oboMint.token.id]);
  if (tokens?.oboPrune) {
    const { plan, dryRun } = tokens.oboPrune;
    rows.push([
      dryRun ? 'OBO would delete' : 'OBO deleted',
      plan.remove.map((t) => t.id).join(', ') || '(none)',
    ]);
  }
  return rows;
}

function databaseRows({ database }: Credentials): Array<[string, string]> {
  if (database === undefined) return [];
  return [
    ['Lakebase', `${database.host}:${database.port}/${database.database}`],
    ['Postgres user', database.user],
    ['Credential expires', database.expiresAt?.toISOString() ?? '(not stated)'],
  ];
}
