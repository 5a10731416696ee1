// The live check's report: rows of what was asked and what the server answered, with every secret
// and every id taken out, as markdown a user can paste into an issue. Status codes, field names
// and types are what the report is for; values are shown only for fields that name a kind.
import type { SecretRegistry } from '../src/core/index.ts';

/** One server answer, or why there was none. */
export type Answer =
  | { status: number; headers: Record<string, string | string[] | undefined>; body: string }
  | { failed: string };

export interface Row {
  /** The contract-audit item(s) this row settles, e.g. "D8, C5". */
  item: string;
  asked: string;
  status: string;
  answer: string;
}

/** Fields whose value names a kind, an endpoint or a refusal: shown, with ids and hosts redacted. */
const SHOWN = new Set([
  'host_type',
  'oidc_endpoint',
  'token_endpoint',
  'token_federation_default_oidc_audiences',
  'cloud',
  'token_type',
  'scope',
  'expires_in',
  'error',
  'error_description',
  'error_code',
  'errorCode',
  'errorSummary',
  'message',
  'detail',
  'status',
  'scimType',
]);

/** Headers worth recording (a reason phrase, the media type); never cookies or ids. */
const HEADERS = ['content-type', 'content-length', 'x-databricks-reason-phrase'];

const PATTERNS: Array<[RegExp, string]> = [
  [/eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g, '[jwt]'],
  [/dapi[0-9a-f]{8,}(-\d+)?/gi, '[token]'],
  [/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '[uuid]'],
  [/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, '[email]'],
  [/https?:\/\/[^\s/"'`<>]+/g, '[other-host]'],
  [/\b[0-9a-f]{16,}\b/gi, '[hex]'],
  [/\d{6,}/g, '[number]'],
];

/** Takes secrets, the host, the known ids and anything id-shaped out of a text. */
export class Redactor {
  private readonly secrets: SecretRegistry;
  private readonly named = new Map<string, string>();

  constructor(secrets: SecretRegistry, host: string) {
    this.secrets = secrets;
    this.name(host, '[host]');
  }

  /** A value that must show as `label` wherever it appears (the host, an account id, ...). */
  name(value: string | undefined, label: string): void {
    if (value !== undefined && value.length >= 4) this.named.set(value, label);
  }

  text(raw: string, max = 300): string {
    // sanitise: secrets out, then no line breaks, `::` or `##[` (the report goes to a CI log too).
    let text = this.secrets
      .sanitise(raw)
      .replace(/\*\*\*/g, '[secret]')
      .replaceAll('##vso[', '# #vso[');
    const longestFirst = [...this.named].sort(([a], [b]) => b.length - a.length);
    for (const [value, label] of longestFirst) text = text.split(value).join(label);
    for (const [pattern, label] of PATTERNS) text = text.replace(pattern, label);
    text = text.replace(/\s+/g, ' ').trim();
    return text.length > max ? `${text.slice(0, max)}…` : text;
  }

  /** A JSON value's shape: field names and types, values only for the fields in SHOWN. */
  shape(value: unknown, key = '', depth = 0): string {
    if (value === null) return 'null';
    if (Array.isArray(value)) {
      if (value.length === 0) return '[]';
      return `[${this.shape(value[0], key, depth + 1)}] (${value.length})`;
    }
    if (typeof value === 'object') {
      if (depth > 3) return '{…}';
      const fields = Object.entries(value).map(
        ([name, inner]) => `${this.text(name, 60)}: ${this.shape(inner, name, depth + 1)}`,
      );
      return fields.length === 0 ? '{}' : `{${fields.join(', ')}}`;
    }
    if (SHOWN.has(key) && typeof value === 'number') return String(value);
    if (SHOWN.has(key) && typeof value === 'string') return JSON.stringify(this.text(value, 200));
    return typeof value;
  }

  /** What an answer holds: its body's shape (or emptiness), with the telling headers. */
  answer(answer: Answer): string {
    if ('failed' in answer) return `no answer: ${this.text(answer.failed)}`;
    const headers = HEADERS.flatMap((name) => {
      const value = answer.headers[name];
      return value === undefined ? [] : [`${name}: ${this.text(String(value), 80)}`];
    });
    return [this.body(answer.body), ...headers].join('; ');
  }

  private body(body: string): string {
    if (body === '') return 'empty body';
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return `not JSON (${body.length} bytes): ${this.text(body, 120)}`;
    }
    return this.shape(json);
  }
}

export function statusOf(answer: Answer): string {
  return 'failed' in answer ? '—' : String(answer.status);
}

export function isSuccess(answer: Answer): answer is Extract<Answer, { status: number }> {
  return !('failed' in answer) && answer.status >= 200 && answer.status < 300;
}

/** Text as a markdown code span: shown as it is (no HTML, no links); backticks cannot end it. */
export function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

/** A table cell: pipes escaped (GitHub unescapes them inside code spans too). */
function cell(markdown: string): string {
  return markdown.replace(/\|/g, '\\|');
}

export interface ReportParts {
  /** Markdown lines (server text in them only through code()). */
  facts: string[];
  rows: Row[];
  findings: string[];
  cleanup: string[];
}

const bullets = (lines: string[]): string[] => lines.map((line) => `- ${line}`);

export function renderReport(parts: ReportParts): string {
  const row = (r: Row): string =>
    `| ${r.item} | ${cell(code(r.asked))} | ${r.status} | ${cell(code(r.answer))} |`;
  return [
    '## databricks-oidc live check',
    '',
    ...bullets(parts.facts),
    '',
    '| Item | What was asked | HTTP | Answer (secrets and ids redacted) |',
    '| --- | --- | --- | --- |',
    ...parts.rows.map(row),
    '',
    '### Findings',
    '',
    ...bullets(parts.findings.length === 0 ? ['none: see the rows'] : parts.findings),
    '',
    '### Clean-up',
    '',
    ...bullets(parts.cleanup),
    '',
  ].join('\n');
}
