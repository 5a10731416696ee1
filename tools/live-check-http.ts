// One probe of the live check: a single attempt through the core's transport (proxy settings
// included), no retries and no interpretation, so that the report holds the server's own answer.
import type { Transport } from '../src/core/index.ts';
import type { Answer } from './live-check-report.ts';

export interface Probe {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  /** The credential sent as `Authorization: Bearer`, and how the report names it. */
  bearer?: { value: string; label: string };
  json?: Record<string, unknown>;
  form?: Record<string, string>;
  headers?: Record<string, string>;
}

const TIMEOUT_MS = 30_000;

export async function send(transport: Transport, probe: Probe): Promise<Answer> {
  const headers: Record<string, string> = { Accept: 'application/json', ...probe.headers };
  if (probe.bearer !== undefined) headers['Authorization'] = `Bearer ${probe.bearer.value}`;
  let body: string | undefined;
  if (probe.form !== undefined) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(probe.form).toString();
  } else if (probe.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(probe.json);
  }
  try {
    const answer = await transport.send(
      { method: probe.method, url: probe.url, headers, ...(body === undefined ? {} : { body }) },
      TIMEOUT_MS,
    );
    return { status: answer.status, headers: answer.headers, body: answer.body };
  } catch (error) {
    return { failed: error instanceof Error ? error.message : String(error) };
  }
}

/** What was asked, for the report: the request line, the body's field names, the bearer's kind. */
export function describeProbe(probe: Probe): string {
  const parts = [`${probe.method} ${probe.url}`];
  if (probe.form !== undefined) parts.push(`form {${Object.keys(probe.form).join(', ')}}`);
  if (probe.json !== undefined) parts.push(`json {${Object.keys(probe.json).join(', ')}}`);
  for (const name of Object.keys(probe.headers ?? {})) parts.push(`header ${name}`);
  if (probe.bearer !== undefined) parts.push(`bearer: ${probe.bearer.label}`);
  return parts.join(', ');
}

/** The parsed JSON object of a successful answer, or undefined. */
export function jsonOf(answer: Answer): Record<string, unknown> | undefined {
  if ('failed' in answer || answer.status < 200 || answer.status >= 300) return undefined;
  try {
    const value: unknown = JSON.parse(answer.body);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export function stringAt(object: unknown, ...path: string[]): string | undefined {
  let value = object;
  for (const key of path)
    value =
      typeof value === 'object' && value !== null
        ? (value as Record<string, unknown>)[key]
        : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** Printable ASCII without spaces, bounded: what a token, an id or a URL may look like. */
export function isTokenShaped(value: string | undefined): value is string {
  return value !== undefined && /^[\x21-\x7e]{1,8192}$/.test(value);
}
