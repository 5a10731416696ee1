// Workspace service principals and GET /api/2.0/preview/scim/v2/ServicePrincipals (filter, paging).

import { randomUUID } from 'node:crypto';
import type { Call, Route } from './dispatch.ts';
import { isReply, jsonReply, type Reply } from './http-util.ts';
import { numericId, type Identity, type PolicyStore } from './policies.ts';
import { compileScimFilter, ScimFilterError } from './scim-filter.ts';
import type {
  ScimServicePrincipal,
  ServicePrincipalSpec,
  ServicePrincipals,
} from './token-types.ts';
import type { TokenStore } from './tokens.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal';
/** UNCONFIRMED: the server's default page size; the Go SDK asks for 10000 per page. */
const DEFAULT_COUNT = 10_000;

export class ServicePrincipalStore implements ServicePrincipals {
  readonly #added: ScimServicePrincipal[] = [];
  readonly #policies: PolicyStore;

  constructor(policies: PolicyStore) {
    this.#policies = policies;
  }

  add(spec: ServicePrincipalSpec): ScimServicePrincipal {
    const applicationId = spec.applicationId ?? randomUUID();
    if (!UUID.test(applicationId)) throw new Error('applicationId must be a UUID');
    if (spec.id !== undefined && !/^\d+$/.test(spec.id)) throw new Error('id must be numeric');
    if (spec.displayName === '') throw new Error('displayName must be a non-empty string');
    if (this.byApplicationId(applicationId)) throw new Error(`${applicationId} already exists`);
    const sp = {
      id: spec.id ?? numericId(applicationId),
      applicationId,
      displayName: spec.displayName,
      active: true,
    };
    this.#added.push(sp);
    return { ...sp };
  }

  list(): ScimServicePrincipal[] {
    const fromPolicies = this.#policies
      .identities()
      .filter((i) => i.kind === 'service-principal')
      .filter((i) => !this.#added.some((sp) => sp.applicationId === i.userName))
      .map((i) => ({
        id: i.id,
        applicationId: i.userName,
        displayName: i.displayName,
        active: true,
      }));
    return [...this.#added.map((sp) => ({ ...sp })), ...fromPolicies];
  }

  byApplicationId(applicationId: string): ScimServicePrincipal | undefined {
    return this.list().find((sp) => sp.applicationId === applicationId);
  }

  /** The identity a token owned by this SP authenticates as. */
  identity(applicationId: string): Identity | undefined {
    const sp = this.byApplicationId(applicationId);
    if (!sp) return undefined;
    return {
      id: sp.id,
      userName: applicationId,
      displayName: sp.displayName,
      kind: 'service-principal',
    };
  }

  reset(): void {
    this.#added.length = 0;
  }
}

/** SCIM error shape (`detail`, `status`, `scimType`: databricks-sdk-go apierr/errors.go, RFC 7644 §3.12). */
function scimError(status: number, detail: string, scimType?: string): Reply {
  return jsonReply(status, {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
    detail,
    status: String(status),
    ...(scimType ? { scimType } : {}),
  });
}

function positiveInteger(call: Call, name: string, fallback: number, min: number): number | Reply {
  const raw = call.query.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) return scimError(400, `Invalid ${name} '${raw}'.`, 'invalidValue');
  return Math.max(Number(raw), min);
}

function project(sp: ScimServicePrincipal, attributes: string | null): Record<string, unknown> {
  const full: Record<string, unknown> = {
    schemas: [SP_SCHEMA],
    ...sp,
    entitlements: [],
    groups: [],
  };
  if (!attributes) return full;
  const wanted = new Set(attributes.split(',').map((a) => a.trim().toLowerCase()));
  wanted.add('id');
  return Object.fromEntries(Object.entries(full).filter(([k]) => wanted.has(k.toLowerCase())));
}

function listServicePrincipals(store: ServicePrincipalStore, call: Call): Reply {
  const startIndex = positiveInteger(call, 'startIndex', 1, 1);
  if (isReply(startIndex)) return startIndex;
  const count = positiveInteger(call, 'count', DEFAULT_COUNT, 0);
  if (isReply(count)) return count;
  let all = store.list();
  const filter = call.query.get('filter');
  if (filter) {
    try {
      const test = compileScimFilter(filter);
      all = all.filter((sp) => test({ ...sp }));
    } catch (error) {
      if (error instanceof ScimFilterError) return scimError(400, error.message, 'invalidFilter');
      throw error;
    }
  }
  const page = all.slice(startIndex - 1, startIndex - 1 + count);
  return jsonReply(200, {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
    totalResults: all.length,
    startIndex,
    itemsPerPage: page.length,
    Resources: page.map((sp) => project(sp, call.query.get('attributes'))),
  });
}

export function servicePrincipalRoutes(store: ServicePrincipalStore, tokens: TokenStore): Route[] {
  return [
    {
      name: 'workspace.scim-service-principals',
      method: 'GET',
      pattern: /^\/api\/2\.0\/preview\/scim\/v2\/ServicePrincipals$/,
      handle: (call) => {
        const grant = tokens.authenticate(call);
        return isReply(grant) ? grant : listServicePrincipals(store, call);
      },
    },
  ];
}
