import { randomUUID } from 'node:crypto';
import { StageError } from '../errors.ts';
import type { LakebaseTarget } from '../config.ts';
import { objectField, requiredString, stringField } from '../http/json.ts';
import { isHostName, isUserName } from '../secrets/server-values.ts';
import { callRest, RestError } from '../http/rest.ts';
import { deadBearer, isDeadBearer } from './dead-bearer.ts';
import { formatDuration } from '../clock.ts';
import type { CallContext } from '../http/retry.ts';
import type { SecretRegistry } from '../secrets/registry.ts';

export const LAKEBASE_PORT = 5432;
/** Longest wait for a starting instance; also bounded by the life of the Databricks token. */
const MAX_WAIT_MS = 10 * 60_000;
const POLL_INTERVALS_MS = [1000, 2000, 4000, 8000, 10_000];

export interface LakebaseCredential {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  expiresAt: Date | undefined;
  /** postgresql:// URL with the password: a secret. */
  url: string;
  /** JDBC URL with the user but no password: not a secret. */
  jdbcUrl: string;
}

/** libpq's variables: psql and every libpq-based client connect with no flags. */
export function libpqEnv(database: LakebaseCredential | undefined): Record<string, string> {
  if (database === undefined) return {};
  return {
    PGHOST: database.host,
    PGPORT: String(database.port),
    PGDATABASE: database.database,
    PGUSER: database.user,
    PGPASSWORD: database.password,
    PGSSLMODE: 'require',
  };
}

export interface LakebaseRequest {
  workspaceUrl: string;
  accessToken: string;
  /** When the Databricks token expires: no point polling past it. */
  tokenExpiresAt: Date | undefined;
  target: LakebaseTarget;
  /** The scope the token was minted with: a narrow one explains a 403. */
  scope: string;
}

interface Resource {
  state: string;
  host: string | undefined;
}

const READY: Record<LakebaseTarget['kind'], string[]> = {
  instance: ['AVAILABLE'],
  endpoint: ['ACTIVE', 'IDLE'],
};
const TRANSITIONAL: Record<LakebaseTarget['kind'], string[]> = {
  instance: ['STARTING', 'UPDATING', 'FAILING_OVER'],
  endpoint: ['INIT'],
};

/** The identity, the resource and the credential are independent: one concurrent round. */
export async function mintLakebaseCredential(
  ctx: CallContext,
  request: LakebaseRequest,
): Promise<LakebaseCredential> {
  const { target } = request;
  const [identity, resource, credential] = await Promise.allSettled([
    currentUserName(ctx, request),
    readResource(ctx, request),
    mintCredential(ctx, request),
  ]);
  // The resource's error names the instance or endpoint, so it explains the others' failures best;
  // all errors are known before any wait for a starting instance.
  const found = settled(resource, target, request);
  const password = settled(credential, target, request);
  const userName = settled(identity, target, request);
  const ready = await waitUntilReady(ctx, request, found);
  const host = ready.host ?? missingHost(target);
  if (!isHostName(host)) throw badServerValue('read-write host name', 'a host name');
  if (!isUserName(userName)) throw badServerValue('userName', 'a user name');
  const address = `${host}:${LAKEBASE_PORT}/${encodeURIComponent(target.database)}`;
  const user = encodeURIComponent(userName);
  return {
    host,
    port: LAKEBASE_PORT,
    database: target.database,
    user: userName,
    password: password.token,
    expiresAt: password.expiresAt,
    url: ctx.secrets.add(
      `postgresql://${user}:${encodeURIComponent(password.token)}@${address}?sslmode=require`,
    ),
    jdbcUrl: `jdbc:postgresql://${address}?sslmode=require&user=${user}`,
  };
}

function settled<T>(
  result: PromiseSettledResult<T>,
  target: LakebaseTarget,
  request: LakebaseRequest,
): T {
  if (result.status === 'fulfilled') return result.value;
  throw result.reason instanceof RestError
    ? explainRestError(result.reason, target, request.scope)
    : result.reason;
}

async function currentUserName(ctx: CallContext, request: LakebaseRequest): Promise<string> {
  const me = await callRest(ctx, {
    stage: 'lakebase',
    what: 'Current user request',
    method: 'GET',
    url: `${request.workspaceUrl}/api/2.0/preview/scim/v2/Me`,
    bearer: request.accessToken,
  });
  return requiredString(
    me,
    'userName',
    () =>
      new StageError(
        'lakebase',
        'the current user has no userName',
        'Check that host is a Databricks workspace',
      ),
  );
}

function resourceUrl(request: LakebaseRequest): string {
  const { target, workspaceUrl } = request;
  return target.kind === 'instance'
    ? `${workspaceUrl}/api/2.0/database/instances/${encodeURIComponent(target.name)}`
    : `${workspaceUrl}/api/2.0/postgres/${target.name}`;
}

async function readResource(ctx: CallContext, request: LakebaseRequest): Promise<Resource> {
  const body = await callRest(ctx, {
    stage: 'lakebase',
    what: `Lakebase ${request.target.kind} request`,
    method: 'GET',
    url: resourceUrl(request),
    bearer: request.accessToken,
  });
  if (request.target.kind === 'instance')
    return {
      state: stringField(body, 'state') ?? 'UNKNOWN',
      host: stringField(body, 'read_write_dns'),
    };
  const status = objectField(body, 'status');
  const hosts = objectField(status, 'hosts');
  return {
    state: stringField(status, 'current_state') ?? 'UNKNOWN',
    host: stringField(hosts, 'host'),
  };
}

async function waitUntilReady(
  ctx: CallContext,
  request: LakebaseRequest,
  first: Resource,
): Promise<Resource> {
  const { target } = request;
  const started = ctx.clock.now();
  const tokenLimit = (request.tokenExpiresAt?.getTime() ?? Infinity) - 30_000;
  const giveUpAt = Math.min(started + MAX_WAIT_MS, tokenLimit);
  let resource = first;
  for (let poll = 0; !READY[target.kind].includes(resource.state); poll++) {
    if (!TRANSITIONAL[target.kind].includes(resource.state))
      throw notUsable(ctx.secrets, target, resource.state);
    const interval = POLL_INTERVALS_MS[Math.min(poll, POLL_INTERVALS_MS.length - 1)] ?? 10_000;
    if (ctx.clock.now() + interval > giveUpAt)
      throw new StageError(
        'lakebase',
        `${describe(target)} is still ${ctx.secrets.sanitise(resource.state, 40)} after ${formatDuration(ctx.clock.now() - started)}`,
        'Start it ahead of this step, or re-run the job once it is available',
      );
    ctx.log.info(
      `${describe(target)} is ${ctx.secrets.sanitise(resource.state, 40)}; waiting (${formatDuration(ctx.clock.now() - started)} so far)`,
    );
    await ctx.clock.sleep(interval);
    // The wait has its own limit (giveUpAt), which may lie beyond the exchange's run deadline.
    resource = await readResource({ ...ctx, deadline: giveUpAt }, request).catch(
      (error: unknown) => {
        throw error instanceof RestError ? explainRestError(error, target, request.scope) : error;
      },
    );
  }
  return resource;
}

async function mintCredential(
  ctx: CallContext,
  request: LakebaseRequest,
): Promise<{ token: string; expiresAt: Date | undefined }> {
  const { target, workspaceUrl } = request;
  // One request_id for every attempt: a retried call cannot mint twice.
  const body =
    target.kind === 'instance'
      ? {
          url: `${workspaceUrl}/api/2.0/database/credentials`,
          json: { request_id: randomUUID(), instance_names: [target.name] },
          expiry: 'expiration_time',
        }
      : {
          url: `${workspaceUrl}/api/2.0/postgres/credentials`,
          json: { endpoint: target.name, ttl: `${target.ttlSeconds}s` },
          expiry: 'expire_time',
        };
  const answer = await callRest(ctx, {
    stage: 'lakebase',
    what: 'Lakebase credential request',
    method: 'POST',
    url: body.url,
    bearer: request.accessToken,
    body: body.json,
  });
  const token = requiredString(
    answer,
    'token',
    () =>
      new StageError(
        'lakebase',
        'Databricks answered without a credential token',
        'Re-run the job; if it persists, check the Databricks status page',
      ),
  );
  ctx.secrets.addCredential(
    token,
    () =>
      new StageError(
        'lakebase',
        'the credential Databricks answered with is not a token (a character outside the token alphabet, or longer than 16 KiB)',
        'No Lakebase credential does; check that host is the Databricks workspace URL itself',
      ),
  );
  const expiry = Date.parse(stringField(answer, body.expiry) ?? '');
  return { token, expiresAt: Number.isNaN(expiry) ? undefined : new Date(expiry) };
}

const GRANT_HINT =
  "Grant the service principal permission on it (CAN_USE or higher) and create its Postgres role: CREATE EXTENSION IF NOT EXISTS databricks_auth; SELECT databricks_create_role('<application ID>', 'SERVICE_PRINCIPAL')";

function explainRestError(error: RestError, target: LakebaseTarget, scope: string): StageError {
  const name = describe(target);
  if (isDeadBearer(error)) return deadBearer('lakebase', error);
  switch (error.status) {
    case 404:
      return new StageError(
        'lakebase',
        `${name} was not found (${error.message})`,
        'Check the name, and that host is the workspace that owns it',
      );
    case 403:
      return new StageError(
        'lakebase',
        `the identity may not use ${name} (${error.message})`,
        scope.split(' ').includes('all-apis')
          ? GRANT_HINT
          : `The token was minted with scope "${scope}", not all-apis, and the Lakebase APIs need all-apis: remove the scope input or set it to all-apis`,
      );
    default:
      return new StageError(
        'lakebase',
        `Databricks answered ${error.message} for ${name}`,
        'Check the inputs; re-run the job if it was a passing fault',
      );
  }
}

function notUsable(secrets: SecretRegistry, target: LakebaseTarget, state: string): StageError {
  const hint =
    state === 'STOPPED'
      ? 'Start the instance (databricks database update-database-instance with stopped: false, or in the UI) and re-run'
      : 'Wait until it is available, or pick another one';
  return new StageError(
    'lakebase',
    `${describe(target)} is ${secrets.sanitise(state, 40)}, not usable`,
    hint,
  );
}

function badServerValue(field: string, kind: string): StageError {
  return new StageError(
    'lakebase',
    `the ${field} Databricks answered with is not ${kind}`,
    'Check that host is the Databricks workspace URL itself, not a proxy or look-alike; re-run the job if it persists',
  );
}

function missingHost(target: LakebaseTarget): never {
  throw new StageError(
    'lakebase',
    `${describe(target)} has no read-write host name`,
    'Check that it is a read-write instance or endpoint',
  );
}

function describe(target: LakebaseTarget): string {
  return target.kind === 'instance'
    ? `Lakebase instance "${target.name}"`
    : `Lakebase endpoint "${target.name}"`;
}
