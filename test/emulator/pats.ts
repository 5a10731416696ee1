// Personal access tokens and on-behalf-of tokens: bookkeeping per owner, the workspace settings
// that gate them, admins and the CAN_USE token permission, and the bearer check of a PAT.

import { createHash, randomBytes } from 'node:crypto';
import { invalidAccessToken, restError, type Reply } from './http-util.ts';
import type { Identity } from './policies.ts';
import type { PatRecord, PatSettings, PatState } from './token-types.ts';
import type { TokenGrant } from './tokens.ts';

export const DEFAULT_QUOTA = 600;

/** Known text (terraform-databricks-examples#196); the HTTP status 403 is UNCONFIRMED. */
export const NO_CAN_USE_MESSAGE = 'User does not have permission to use tokens.';
/** UNCONFIRMED: our own wording; the reference found no text for `enableTokensConfig=false`. */
export const TOKENS_DISABLED_MESSAGE = 'Personal access tokens are disabled for this workspace.';

function defaultSettings(): PatSettings {
  return {
    tokensEnabled: true,
    maxTokenLifetimeDays: 0,
    quotaPerIdentity: DEFAULT_QUOTA,
    canUseByDefault: true,
    onBehalfOf: 'enabled',
    deleteAnswer: 'empty-object',
  };
}

export interface CreateRequest {
  owner: Identity;
  createdBy: Identity;
  kind: PatRecord['kind'];
  comment: string;
  /** undefined: no expiry. */
  lifetimeSeconds: number | undefined;
}

interface Entry {
  record: PatRecord;
  owner: Identity;
}

export class PatStore implements PatState {
  readonly settings: PatSettings = defaultSettings();
  readonly tokens: PatRecord[] = [];
  readonly #byValue = new Map<string, Entry>();
  readonly #admins = new Set<string>();
  readonly #canUse = new Map<string, boolean>();
  readonly #addSecret: (value: string) => void;

  constructor(addSecret: (value: string) => void) {
    this.#addSecret = addSecret;
  }

  addAdmin(userName: string): void {
    this.#admins.add(userName);
  }

  isAdmin(userName: string): boolean {
    return this.#admins.has(userName);
  }

  setCanUse(userName: string, canUse: boolean): void {
    this.#canUse.set(userName, canUse);
  }

  /** Admins always may (CAN_MANAGE); others by explicit grant/denial, else canUseByDefault. */
  canUse(userName: string): boolean {
    return this.isAdmin(userName) || (this.#canUse.get(userName) ?? this.settings.canUseByDefault);
  }

  /** Explicit grants and denials, for the token permissions ACL. */
  grants(): Array<[string, boolean]> {
    return [...this.#canUse.entries()];
  }

  live(ownerUserName?: string): PatRecord[] {
    return this.tokens.filter(
      (t) => isLiveRecord(t) && (ownerUserName === undefined || t.ownerUserName === ownerUserName),
    );
  }

  isLive(tokenValue: string): boolean {
    const entry = this.#byValue.get(tokenValue);
    return entry !== undefined && isLiveRecord(entry.record);
  }

  byId(tokenId: string): PatRecord | undefined {
    return this.tokens.find((t) => t.tokenId === tokenId && isLiveRecord(t));
  }

  create(request: CreateRequest): PatRecord {
    const value = `dapi${randomBytes(16).toString('hex')}`;
    const now = new Date();
    const record: PatRecord = {
      tokenId: createHash('sha256').update(value).digest('hex'),
      value,
      kind: request.kind,
      ownerId: request.owner.id,
      ownerUserName: request.owner.userName,
      createdById: request.createdBy.id,
      createdByUserName: request.createdBy.userName,
      comment: request.comment,
      createdAt: now,
      expiresAt:
        request.lifetimeSeconds === undefined
          ? undefined
          : new Date(now.getTime() + request.lifetimeSeconds * 1000),
    };
    this.#addSecret(value);
    this.tokens.push(record);
    this.#byValue.set(value, { record, owner: request.owner });
    return record;
  }

  revoke(record: PatRecord): void {
    record.revokedAt ??= new Date();
  }

  /**
   * The grant behind a presented PAT, a REST error for a known PAT that may not authenticate, or
   * undefined when the value is no PAT of ours. Expired and revoked PATs answer like an unknown
   * token: the recorded 403 `Invalid access token.` (see TokenStore.authenticate).
   */
  authenticate(presented: string): TokenGrant | Reply | undefined {
    const entry = this.#byValue.get(presented);
    if (!entry) return undefined;
    const { record, owner } = entry;
    if (!isLiveRecord(record)) return invalidAccessToken();
    // Documented: with PATs disabled existing ones stop working (and work again when re-enabled);
    // the same for CAN_USE taken away from the owner.
    if (!this.settings.tokensEnabled)
      return restError(403, 'PERMISSION_DENIED', TOKENS_DISABLED_MESSAGE);
    if (!this.canUse(owner.userName))
      return restError(403, 'PERMISSION_DENIED', NO_CAN_USE_MESSAGE);
    const token = {
      token: record.value,
      userName: owner.userName,
      // a far-future date stands for "no expiry" in the OAuth token shape
      expiresAt: record.expiresAt ?? new Date(8_640_000_000_000_000),
      scope: 'all-apis',
      host: 'workspace' as const,
    };
    return { token, identity: owner };
  }

  /** Clears tokens, admins and permission overrides and restores the default settings. */
  reset(): void {
    this.tokens.length = 0;
    this.#byValue.clear();
    this.#admins.clear();
    this.#canUse.clear();
    Object.assign(this.settings, defaultSettings());
  }
}

function isLiveRecord(t: PatRecord): boolean {
  return (
    t.revokedAt === undefined && (t.expiresAt === undefined || t.expiresAt.getTime() > Date.now())
  );
}
