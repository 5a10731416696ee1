import { parseHost, type Host } from './databricks/host.ts';
import { StageError } from './errors.ts';
import { hasSpaceOrControl, preview } from './secrets/text.ts';
import type { PatRequest } from './databricks/tokens/index.ts';
import { parseObo, parsePat, type OboConfig } from './token-config.ts';

export type LakebaseTarget =
  | { kind: 'instance'; name: string; database: string }
  | { kind: 'endpoint'; name: string; database: string; ttlSeconds: number };

/** What the credential flow needs to know, whichever edge read it. */
export interface Config {
  host: Host;
  accountId: string | undefined;
  /** Service principal application ID; absent means account-wide federation. */
  clientId: string | undefined;
  audience: string | undefined;
  scope: string;
  lakebase: LakebaseTarget | undefined;
  /** A job-scoped PAT to mint after the exchange (pat-lifetime). */
  pat?: PatRequest | undefined;
  /** On-behalf-of token rotation (obo-application-id, obo-prune). */
  obo?: OboConfig | undefined;
}

/**
 * Reads one setting by its kebab-case name (`host`, `client-id`, …), trimmed; '' when unset. The
 * action reads its inputs by these names, the command line its flags and environment variables.
 */
export type SettingReader = (name: string) => string;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SCOPE = /^[A-Za-z0-9_:.-]+( [A-Za-z0-9_:.-]+)*$/;
const INSTANCE_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/;
const ENDPOINT_NAME =
  /^projects\/[A-Za-z0-9_-]+\/branches\/[A-Za-z0-9_-]+\/endpoints\/[A-Za-z0-9_-]+$/;
const DATABASE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_$-]{0,62}$/;

export const DEFAULT_SCOPE = 'all-apis';
const MAX_SCOPE_LENGTH = 1000;
export const DEFAULT_DATABASE = 'databricks_postgres';
export const DEFAULT_LAKEBASE_TTL = 3600;

/** A setting that fails validation: the one-line error every edge prints. */
export function invalidSetting(name: string, problem: string, hint: string): StageError {
  return new StageError('inputs', `${name} ${problem}`, hint);
}

/** A refused value, quoted for an error: only its start (it may be a secret in the wrong field). */
export function quoted(value: string): string {
  return `"${preview(value)}"`;
}

export function parseConfig(read: SettingReader): Config {
  return {
    host: parseHost(read('host')),
    accountId: parseAccountId(read('account-id')),
    clientId: parseClientId(read('client-id')),
    audience: parseAudience(read('audience')),
    scope: parseScope(read('scope')),
    lakebase: parseLakebase(read),
    pat: parsePat(read),
    obo: parseObo(read),
  };
}

function parseAccountId(value: string): string | undefined {
  if (value === '') return undefined;
  if (!UUID.test(value))
    throw invalidSetting(
      'account-id',
      `${quoted(value)} is not a UUID`,
      'Copy the account ID from the account console (top right menu)',
    );
  return value.toLowerCase();
}

function parseClientId(value: string): string | undefined {
  if (value === '') return undefined;
  if (UUID.test(value)) return value.toLowerCase();
  const hint = /^\d+$/.test(value)
    ? 'That looks like the numeric service principal ID; client-id takes its application ID (a UUID)'
    : 'Set client-id to the service principal application ID (a UUID), or omit it for an account-wide federation policy';
  throw invalidSetting('client-id', `${quoted(value)} is not a UUID`, hint);
}

function parseAudience(value: string): string | undefined {
  if (value === '') return undefined;
  if (hasSpaceOrControl(value) || value.length > 1000)
    throw invalidSetting(
      'audience',
      'contains whitespace or is too long',
      'Set audience to exactly one audience of your federation policy',
    );
  return value;
}

function parseScope(value: string): string {
  if (value === '') return DEFAULT_SCOPE;
  const normalised = value.split(/\s+/).join(' ');
  if (!SCOPE.test(normalised) || normalised.length > MAX_SCOPE_LENGTH)
    throw invalidSetting(
      'scope',
      `${quoted(value)} is not a space-separated list of scopes`,
      'Leave it unset for all-apis',
    );
  return normalised;
}

function parseLakebase(read: SettingReader): LakebaseTarget | undefined {
  const instance = read('lakebase-instance');
  const endpoint = read('lakebase-endpoint');
  const ttl = read('lakebase-ttl');
  const database = parseDatabase(read('lakebase-database'));
  if (instance !== '' && endpoint !== '')
    throw invalidSetting(
      'lakebase-instance',
      'and lakebase-endpoint are both set',
      'Set one: lakebase-instance for a provisioned instance, lakebase-endpoint for Autoscaling',
    );
  if (instance !== '') {
    if (ttl !== '')
      throw invalidSetting(
        'lakebase-ttl',
        'applies only to lakebase-endpoint',
        'Provisioned instance credentials always last one hour; remove lakebase-ttl',
      );
    if (!INSTANCE_NAME.test(instance))
      throw invalidSetting(
        'lakebase-instance',
        `${quoted(instance)} is not an instance name`,
        'Use the name shown in Compute > Lakebase, e.g. orders-db',
      );
    return { kind: 'instance', name: instance, database };
  }
  if (endpoint !== '') {
    if (!ENDPOINT_NAME.test(endpoint))
      throw invalidSetting(
        'lakebase-endpoint',
        `${quoted(endpoint)} is not an endpoint resource name`,
        'Use projects/<project>/branches/<branch>/endpoints/<endpoint>',
      );
    return { kind: 'endpoint', name: endpoint, database, ttlSeconds: parseTtl(ttl) };
  }
  if (ttl !== '' || read('lakebase-database') !== '')
    throw invalidSetting(
      'lakebase-database',
      'or lakebase-ttl is set without a Lakebase target',
      'Also set lakebase-instance or lakebase-endpoint',
    );
  return undefined;
}

function parseDatabase(value: string): string {
  if (value === '') return DEFAULT_DATABASE;
  if (!DATABASE_NAME.test(value))
    throw invalidSetting(
      'lakebase-database',
      `${quoted(value)} is not a database name`,
      `Leave it unset for ${DEFAULT_DATABASE}`,
    );
  return value;
}

function parseTtl(value: string): number {
  if (value === '') return DEFAULT_LAKEBASE_TTL;
  const seconds = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(seconds >= 300 && seconds <= 3600))
    throw invalidSetting(
      'lakebase-ttl',
      `${quoted(value)} is not a whole number of seconds from 300 to 3600`,
      'Leave it unset for 3600',
    );
  return seconds;
}
