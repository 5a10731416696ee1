// Lakebase REST routes on the workspace server (REST error shape error_code/message).
// UNCONFIRMED: the exact error messages and codes beyond the documented shape.

import type { Call, Route } from './dispatch.ts';
import { isReply, jsonReply, restError, type Reply } from './http-util.ts';
import {
  ENDPOINT_NAME,
  RequestIdReuseError,
  type LakebaseStore,
  type MintRequest,
} from './lakebase.ts';
import type { TokenStore } from './tokens.ts';

const DATABASE_CREDENTIAL_SECONDS = 3600;
const MIN_TTL_SECONDS = 300;
const MAX_TTL_SECONDS = 3600;

type Body = Record<string, unknown>;

const invalid = (message: string) => restError(400, 'INVALID_PARAMETER_VALUE', message);

function parseBody(call: Call, allowed: string[]): Body | Reply {
  let value: unknown;
  try {
    value = JSON.parse(call.body);
  } catch {
    return restError(400, 'MALFORMED_REQUEST', 'Could not parse request body as JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return restError(400, 'MALFORMED_REQUEST', 'Request body must be a JSON object.');
  }
  const unknown = Object.keys(value).find((k) => !allowed.includes(k));
  return unknown === undefined ? (value as Body) : invalid(`Unknown field '${unknown}'.`);
}

function denied(
  userName: string,
  deniedUsers: string[] | undefined,
  what: string,
): Reply | undefined {
  if (!deniedUsers?.includes(userName)) return undefined;
  return restError(
    403,
    'PERMISSION_DENIED',
    `User '${userName}' does not have permission to access ${what}.`,
  );
}

async function mintReply(
  store: LakebaseStore,
  request: MintRequest,
  body: (token: string, expiresAt: string) => object,
): Promise<Reply> {
  try {
    const credential = await store.mint(request);
    return jsonReply(200, body(credential.token, credential.expiresAt.toISOString()));
  } catch (error) {
    if (error instanceof RequestIdReuseError) {
      return invalid(`request_id '${error.message}' was already used with different parameters.`);
    }
    throw error;
  }
}

function instanceNames(body: Body): string[] | Reply {
  const names = body['instance_names'];
  if (!Array.isArray(names) || names.length === 0) {
    return invalid("'instance_names' must be a non-empty array of instance names.");
  }
  if (!names.every((n): n is string => typeof n === 'string' && n !== '')) {
    return invalid("'instance_names' must contain only non-empty strings.");
  }
  return names;
}

function requestId(body: Body): string | undefined | Reply {
  const id = body['request_id'];
  if (id === undefined) return undefined;
  return typeof id === 'string' && id !== ''
    ? id
    : invalid("'request_id' must be a non-empty string.");
}

async function instanceCredential(
  store: LakebaseStore,
  userName: string,
  call: Call,
): Promise<Reply> {
  const body = parseBody(call, ['request_id', 'instance_names', 'claims']);
  if (isReply(body)) return body;
  const names = instanceNames(body);
  if (isReply(names)) return names;
  const id = requestId(body);
  if (typeof id === 'object') return id;
  if (body['claims'] !== undefined && !Array.isArray(body['claims']))
    return invalid("'claims' must be an array.");
  for (const name of names) {
    const instance = store.instance(name);
    if (!instance)
      return restError(404, 'NOT_FOUND', `Database instance '${name}' does not exist.`);
    const refusal = denied(userName, instance.spec.deniedUsers, `database instance '${name}'`);
    if (refusal) return refusal;
  }
  const request: MintRequest = {
    kind: 'instance',
    target: names.join(','),
    userName,
    lifetimeSeconds: DATABASE_CREDENTIAL_SECONDS,
    ...(id === undefined ? {} : { requestId: id }),
  };
  return mintReply(store, request, (token, expiresAt) => ({ token, expiration_time: expiresAt }));
}

/** Seconds of a protobuf Duration JSON string ("3600s", "300.5s"), or undefined. */
export function durationSeconds(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d{1,12})(\.\d{1,9})?s$/.exec(value);
  return match ? Number(`${match[1] ?? ''}${match[2] ?? ''}`) : undefined;
}

function endpointLifetime(body: Body): number | Reply {
  const { ttl, expire_time: expireTime } = body;
  if (ttl !== undefined && expireTime !== undefined)
    return invalid("Specify only one of 'ttl' and 'expire_time'.");
  if (ttl === undefined && expireTime === undefined) return MAX_TTL_SECONDS;
  const seconds =
    ttl !== undefined
      ? durationSeconds(ttl)
      : typeof expireTime === 'string'
        ? Math.round((Date.parse(expireTime) - Date.now()) / 1000)
        : undefined;
  if (seconds === undefined || Number.isNaN(seconds)) {
    return invalid(
      ttl !== undefined
        ? `Invalid duration for 'ttl': ${JSON.stringify(ttl)}.`
        : "Invalid 'expire_time'.",
    );
  }
  if (seconds < MIN_TTL_SECONDS || seconds > MAX_TTL_SECONDS) {
    return invalid(
      `Credential lifetime must be between ${MIN_TTL_SECONDS}s and ${MAX_TTL_SECONDS}s, got ${seconds}s.`,
    );
  }
  return seconds;
}

async function endpointCredential(
  store: LakebaseStore,
  userName: string,
  call: Call,
): Promise<Reply> {
  const body = parseBody(call, ['endpoint', 'ttl', 'expire_time', 'claims']);
  if (isReply(body)) return body;
  const name = body['endpoint'];
  if (typeof name !== 'string' || !ENDPOINT_NAME.test(name)) {
    return invalid("'endpoint' must be a name like projects/<p>/branches/<b>/endpoints/<e>.");
  }
  const lifetime = endpointLifetime(body);
  if (isReply(lifetime)) return lifetime;
  const endpoint = store.endpoint(name);
  if (!endpoint) return restError(404, 'NOT_FOUND', `Endpoint '${name}' does not exist.`);
  const refusal = denied(userName, endpoint.spec.deniedUsers, `endpoint '${name}'`);
  if (refusal) return refusal;
  const request: MintRequest = {
    kind: 'endpoint',
    target: name,
    userName,
    lifetimeSeconds: lifetime,
  };
  return mintReply(store, request, (token, expiresAt) => ({ token, expire_time: expiresAt }));
}

function instanceReply(store: LakebaseStore, name: string): Reply {
  const instance = store.observeInstance(name);
  if (!instance) return restError(404, 'NOT_FOUND', `Database instance '${name}' does not exist.`);
  return jsonReply(200, {
    name,
    uid: instance.uid,
    state: instance.state,
    read_write_dns: instance.spec.readWriteDns,
    pg_version: '16',
    effective_stopped: instance.state === 'STOPPED',
    capacity: 'CU_1',
  });
}

function endpointReply(store: LakebaseStore, name: string): Reply {
  const endpoint = store.endpoint(name);
  if (!endpoint) return restError(404, 'NOT_FOUND', `Endpoint '${name}' does not exist.`);
  return jsonReply(200, {
    name,
    uid: endpoint.uid,
    status: {
      current_state: endpoint.spec.state,
      endpoint_type: 'ENDPOINT_TYPE_READ_WRITE',
      hosts: { host: endpoint.spec.host },
    },
  });
}

/** Wraps a handler so that it runs only for a valid bearer token, with the token's userName. */
function authenticated(
  tokens: TokenStore,
  handle: (userName: string, call: Call) => Reply | Promise<Reply>,
): (call: Call) => Reply | Promise<Reply> {
  return (call) => {
    const grant = tokens.authenticate(call);
    return isReply(grant) ? grant : handle(grant.identity.userName, call);
  };
}

export function lakebaseRoutes(store: LakebaseStore, tokens: TokenStore): Route[] {
  return [
    {
      name: 'lakebase.instance',
      method: 'GET',
      pattern: /^\/api\/2\.0\/database\/instances\/(?<name>[^/]+)$/,
      handle: authenticated(tokens, (_user, call) =>
        instanceReply(store, call.params['name'] ?? ''),
      ),
    },
    {
      name: 'lakebase.instance-credential',
      method: 'POST',
      pattern: /^\/api\/2\.0\/database\/credentials$/,
      handle: authenticated(tokens, (user, call) => instanceCredential(store, user, call)),
    },
    {
      name: 'lakebase.endpoint',
      method: 'GET',
      pattern:
        /^\/api\/2\.0\/postgres\/(?<name>projects\/[^/]+\/branches\/[^/]+\/endpoints\/[^/]+)$/,
      handle: authenticated(tokens, (_user, call) =>
        endpointReply(store, call.params['name'] ?? ''),
      ),
    },
    {
      name: 'lakebase.endpoint-credential',
      method: 'POST',
      pattern: /^\/api\/2\.0\/postgres\/credentials$/,
      handle: authenticated(tokens, (user, call) => endpointCredential(store, user, call)),
    },
  ];
}
