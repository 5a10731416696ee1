import { hasSpaceOrControl, holdsRunnerCommand } from './text.ts';

// Server answers are untrusted: each value is checked by its kind and bounded in size before it
// shapes a URL, reaches a log or goes into the environment of every later step (where a value of
// hundreds of KiB makes every later process fail with E2BIG).

/** RFC 6750's b64token alphabet: every Databricks token (JWT or `dapi…`) fits it. */
const TOKEN = /^[A-Za-z0-9._~+/=-]+$/;
export const MAX_TOKEN_LENGTH = 16 * 1024;

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOST_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
const MAX_HOST_NAME_LENGTH = 253;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_USER_NAME_LENGTH = 256;

/** A token id (PAT or on-behalf-of: hex today) or a SCIM id: letters, digits, - and _ only. */
const TOKEN_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** The largest epoch milliseconds a JavaScript Date holds (±100 000 000 days). */
const MAX_DATE_MS = 8.64e15;

export function isToken(value: string): boolean {
  return value.length <= MAX_TOKEN_LENGTH && TOKEN.test(value);
}

/** A DNS name and nothing else: no `?`, `&`, `/`, `@` or port that could rewrite a connection URL. */
export function isHostName(value: string): boolean {
  return value.length <= MAX_HOST_NAME_LENGTH && HOST_NAME.test(value);
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * A Postgres user name as Databricks gives it (an application ID or an e-mail address): it is
 * printed in hand-offs (PGUSER), so no runner's command may hide in it.
 */
export function isUserName(value: string): boolean {
  return (
    value.length <= MAX_USER_NAME_LENGTH && !hasSpaceOrControl(value) && !holdsRunnerCommand(value)
  );
}

/** What `pat revoke --token-id` takes and every token id a server answers with must be. */
export function isTokenId(value: string): boolean {
  return TOKEN_ID.test(value);
}

/** Epoch milliseconds as a Date, or undefined when no Date can hold them (it could not be printed). */
export function serverDate(ms: unknown): Date | undefined {
  return typeof ms === 'number' && Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS
    ? new Date(ms)
    : undefined;
}
