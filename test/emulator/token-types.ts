// Public types of the emulated personal access tokens (Token API), on-behalf-of tokens (Token
// Management API), the token settings and permissions, and the SCIM service principals.

/** The route names of the token, token-management, token-permission and SCIM SP routes. */
export type TokenRouteName =
  | 'tokens.create'
  | 'tokens.list'
  | 'tokens.delete'
  | 'token-management.create-obo'
  | 'token-management.list'
  | 'token-management.get'
  | 'token-management.delete'
  | 'permissions.tokens'
  | 'workspace.scim-service-principals';

/** Workspace settings that gate tokens. Mutable; reset() restores the defaults. */
export interface PatSettings {
  /** `enableTokensConfig`. false: no token can be created, and existing PATs stop authenticating. */
  tokensEnabled: boolean;
  /** `maxTokenLifetimeDays` for new tokens; 0 = no limit (default). */
  maxTokenLifetimeDays: number;
  /** Live tokens one identity may own (default 600). */
  quotaPerIdentity: number;
  /**
   * Whether identities without an explicit grant or denial hold CAN_USE on tokens. Default true,
   * for convenience; in a real workspace non-admins have no CAN_USE until an admin grants it.
   */
  canUseByDefault: boolean;
  /**
   * The on-behalf-of endpoint: 'enabled' (AWS/GCP), 'disabled' (switched off for the workspace),
   * 'unavailable' (Azure: the endpoint does not exist).
   */
  onBehalfOf: 'enabled' | 'disabled' | 'unavailable';
  /**
   * What a successful `token/delete` and token-management DELETE answer. UNCONFIRMED (contract
   * audit C5): no public source records it; every SDK accepts `{}`, an empty 200 and a 204.
   */
  deleteAnswer: 'empty-object' | 'empty-200' | 'no-content';
}

export interface PatRecord {
  /** Hex SHA-256 of the value (the reference describes token_id as "SHA-256 hash of the token"). */
  tokenId: string;
  /** `dapi` + 32 hex digits. */
  value: string;
  /** 'pat': created with token/create by its owner; 'obo': created by an admin for an SP. */
  kind: 'pat' | 'obo';
  ownerId: string;
  ownerUserName: string;
  createdById: string;
  createdByUserName: string;
  comment: string;
  createdAt: Date;
  /** undefined: the token does not expire (expiry_time -1). */
  expiresAt: Date | undefined;
  /** Set by token/delete or token-management DELETE. */
  revokedAt?: Date;
}

export interface PatState {
  settings: PatSettings;
  /** Every PAT and OBO token created since start or the last reset(), revoked ones included. */
  tokens: readonly PatRecord[];
  /** Tokens neither revoked nor expired, optionally only those owned by `ownerUserName`. */
  live(ownerUserName?: string): PatRecord[];
  /** Whether `tokenValue` is a PAT/OBO token that is neither revoked nor expired. */
  isLive(tokenValue: string): boolean;
  /** Makes `userName` (e-mail or application id) a workspace admin: Token Management, no CAN_USE needed. */
  addAdmin(userName: string): void;
  /** Grants (true) or takes away (false) CAN_USE on tokens from `userName`, over `canUseByDefault`. */
  setCanUse(userName: string, canUse: boolean): void;
}

export interface ServicePrincipalSpec {
  displayName: string;
  /** Default: a random UUID. */
  applicationId?: string;
  /** Numeric SCIM id; default derived from the application id. */
  id?: string;
}

export interface ScimServicePrincipal {
  id: string;
  applicationId: string;
  displayName: string;
  active: boolean;
}

export interface ServicePrincipals {
  /** Adds a service principal to the workspace (e.g. a Partner Connect `FIVETRAN_USER`). */
  add(spec: ServicePrincipalSpec): ScimServicePrincipal;
  /** Added SPs and those known from federation policies, in the order SCIM lists them. */
  list(): ScimServicePrincipal[];
}
