import { escapeHtml, type Credentials } from '../core/index.ts';

/** The job summary: a small table of what was done; only non-secret values ever reach it. */
export function renderSummary(result: Credentials): string {
  return `<h3>Databricks OIDC credentials</h3>\n<table>${summaryRows(result).map(renderRow).join('')}</table>\n`;
}

/** Prose rows read as text; identifiers (URLs, IDs, subjects) as code. */
const PROSE_ROWS = new Set(['Host kind', 'Federation', 'Token expires', 'Credential expires']);

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
    ['Host kind', target.kind === 'account' ? 'account console' : 'workspace'],
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
  ];
}

function databaseRows({ database }: Credentials): Array<[string, string]> {
  if (database === undefined) return [];
  return [
    ['Lakebase', `${database.host}:${database.port}/${database.database}`],
    ['Postgres user', database.user],
    ['Credential expires', database.expiresAt?.toISOString() ?? '(not stated)'],
  ];
}
