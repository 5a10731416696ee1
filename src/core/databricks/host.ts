import { StageError } from '../errors.ts';
import { hasSpaceOrControl, preview } from '../secrets/text.ts';

/** What the host name alone says: an account console, a known workspace domain, or only the metadata can tell. */
export type HostKind = 'account' | 'workspace' | 'unknown';

export interface Host {
  /** Normalised origin, e.g. `https://dbc-1234.cloud.databricks.com`: scheme, host, port; nothing else. */
  url: string;
  hostname: string;
  kind: HostKind;
}

const WORKSPACE_DOMAINS = [
  '.cloud.databricks.com',
  '.cloud.databricks.us',
  '.cloud.databricks.mil',
  '.azuredatabricks.net',
  '.databricks.azure.us',
  '.databricks.azure.cn',
  '.gcp.databricks.com',
];

// Scheme, ASCII host name or bracketed IPv6, optional port: nothing that a URL parser could reinterpret.
const PLAIN_ORIGIN = /^https?:\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/i;

const EXAMPLE =
  'e.g. https://dbc-1234.cloud.databricks.com or https://accounts.cloud.databricks.com';

export function parseHost(raw: string): Host {
  const problem = (what: string): StageError =>
    new StageError(
      'inputs',
      `host ${what}`,
      `Set host to the bare workspace or account URL, ${EXAMPLE}`,
    );
  // Trailing slashes (one or several, as pasted) say nothing: the origin is what counts.
  const text = raw.trim().replace(/\/+$/, '');
  if (text === '') throw problem('is empty');
  // A DNS name has at most 253 characters; with scheme and port, 300 is more than any host needs.
  if (text.length > 300) throw problem('is longer than 300 characters');
  if (hasSpaceOrControl(text)) throw problem('contains whitespace or control characters');
  // Before the URL parser reads a typo as a scheme of its own (`htps://h` has an empty path).
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'https' && scheme !== 'http')
    throw problem(`starts with "${preview(scheme)}://", which is not https://`);
  if (/^https?:\/?(?!\/)/i.test(text))
    throw problem('needs two slashes after the scheme (https://)');
  const withScheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw problem(`"${preview(text)}" is not a URL`);
  }
  if (url.username !== '' || url.password !== '' || withScheme.includes('@'))
    throw problem('must not contain user info (user@ or user:password@)');
  if (url.search !== '' || url.hash !== '' || /[?#]/.test(withScheme))
    throw problem('must not contain a query or fragment');
  if (url.pathname !== '/') throw problem(`must not contain a path ("${preview(url.pathname)}")`);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname)))
    throw problem(
      `must use https:// (plain http:// is allowed only to a loopback address for local testing)`,
    );
  if (!PLAIN_ORIGIN.test(withScheme))
    throw problem('must be an ASCII host name, with no other characters');
  return { url: url.origin, hostname: url.hostname, kind: classifyHostname(url.hostname) };
}

export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname === '[::1]';
}

/**
 * The SDKs' rule (GO `config/config.go`, PY `config.py` `host_type`): a host whose name starts with
 * `accounts.` or `accounts-dod.` is an account console. Here only under a Databricks domain: a
 * look-alike such as `accounts.evil.test` would otherwise be asked for a JWT with the account ID
 * as audience, which it could replay.
 */
const ACCOUNT_PREFIX = /^accounts(?:-dod)?\./;

/** The Databricks-owned domains consoles live under (GO `common/environment/environments.go`). */
const ACCOUNT_DOMAINS = [...WORKSPACE_DOMAINS, '.azuredatabricks.cn'];

const AZURE_DOMAINS = [
  '.azuredatabricks.net',
  '.databricks.azure.us',
  '.databricks.azure.cn',
  '.azuredatabricks.cn',
];

/**
 * Whether the host's own metadata may choose the audience, the account ID and the account switch:
 * only a host under a Databricks domain (or loopback, for local testing). Any other host, a custom
 * domain or private link name, gets nothing it did not get from the inputs.
 */
export function trustsMetadata(host: Host): boolean {
  return host.kind !== 'unknown' || isLoopback(host.hostname);
}

export function classifyHostname(hostname: string): HostKind {
  const name = hostname.toLowerCase();
  if (ACCOUNT_PREFIX.test(name) && isUnder(`.${name.replace(ACCOUNT_PREFIX, '')}`, ACCOUNT_DOMAINS))
    return 'account';
  if (isUnder(name, WORKSPACE_DOMAINS)) return 'workspace';
  return 'unknown';
}

/** A name equal to a domain (without its dot) or below it. */
function isUnder(name: string, domains: readonly string[]): boolean {
  return domains.some((domain) => name.endsWith(domain));
}

/** Azure Databricks, by the host name: some features (on-behalf-of tokens) do not exist there. */
export function isAzureHost(url: string): boolean {
  return isUnder(new URL(url).hostname.toLowerCase(), AZURE_DOMAINS);
}
