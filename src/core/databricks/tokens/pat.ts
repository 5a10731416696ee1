import { StageError } from '../../errors.ts';
import { nonEmptyString, requiredString, type JsonObject } from '../../http/json.ts';
import { callRest, RestError } from '../../http/rest.ts';
import type { CallContext } from '../../http/retry.ts';
import { isTokenId, serverDate } from '../../secrets/server-values.ts';
import { isDeadBearer } from '../dead-bearer.ts';
import { explainTokenRefusal, type TokenOwner } from './refusals.ts';

/** The server rejects a bearer within 30 s of its expiry; keep a margin for the create itself. */
export const MIN_BEARER_LIFE_MS = 45_000;

export interface PatRequest {
  lifetimeSeconds: number;
  comment: string;
}

export interface Pat {
  /** The secret; registered with the secret registry before anything else sees it. */
  value: string;
  id: string;
  /** undefined when Databricks says it never expires (expiry_time -1). */
  expiresAt: Date | undefined;
  comment: string;
}

export interface Bearer {
  workspaceUrl: string;
  token: string;
  /** When the bearer expires, if known: a PAT minted with an expiring bearer must leave a margin. */
  expiresAt?: Date | undefined;
}

/** One `token/create`: never repeated unless the server provably did not see it (see retry.ts). */
export async function createPat(
  ctx: CallContext,
  bearer: Bearer,
  request: PatRequest,
  owner: TokenOwner,
): Promise<Pat> {
  refuseNearlyExpired(ctx, bearer);
  let json: JsonObject;
  try {
    json = await callRest(ctx, {
      stage: 'pat',
      what: 'POST /api/2.0/token/create',
      method: 'POST',
      url: `${bearer.workspaceUrl}/api/2.0/token/create`,
      bearer: bearer.token,
      body: { lifetime_seconds: request.lifetimeSeconds, comment: request.comment },
      idempotent: false,
    });
  } catch (error) {
    if (error instanceof RestError)
      throw (
        explainTokenRefusal('pat', error, owner, request.lifetimeSeconds) ?? createRefused(error)
      );
    throw error;
  }
  return readCreatedToken(ctx, json, 'pat', request.comment);
}

/** `token_value` and `token_info` of a create answer (Token API and on-behalf-of alike). */
export function readCreatedToken(
  ctx: CallContext,
  json: JsonObject,
  stage: 'pat' | 'obo',
  comment: string,
): Pat {
  const malformed = (): StageError =>
    new StageError(
      stage,
      'Databricks answered the token creation without token_value and token_info.token_id',
      'A token may have been created: list the identity tokens and delete any whose comment names this run',
    );
  const value = ctx.secrets.addCredential(nonEmptyString(json['token_value']) ?? '', malformed);
  const info = json['token_info'];
  if (value === '' || typeof info !== 'object' || info === null) throw malformed();
  const id = requiredString(info as JsonObject, 'token_id', malformed);
  if (!isTokenId(id))
    throw new StageError(
      stage,
      'Databricks answered the token creation with a token_id that is not a token id (only letters, digits, - and _ are)',
      'No Databricks workspace does: check that host is the Databricks URL itself, not a look-alike; the token it may have created cannot be revoked by that id',
    );
  return { value, id, expiresAt: expiryOf((info as JsonObject)['expiry_time']), comment };
}

/** Epoch ms, -1 (or absent) for "never"; a date no Date holds is not known either. */
export function expiryOf(value: unknown): Date | undefined {
  return typeof value === 'number' && value > 0 ? serverDate(value) : undefined;
}

function refuseNearlyExpired(ctx: CallContext, bearer: Bearer): void {
  if (bearer.expiresAt === undefined) return;
  const left = bearer.expiresAt.getTime() - ctx.clock.now();
  if (left >= MIN_BEARER_LIFE_MS) return;
  throw new StageError(
    'pat',
    `the OAuth token expires in ${Math.max(0, Math.round(left / 1000))} s, too close to expiry to mint a PAT with it`,
    'Mint the PAT right after the exchange (do not pass an oidc-token that is about to expire); re-run the job',
  );
}

function createRefused(error: RestError): StageError {
  return new StageError(
    'pat',
    `Databricks refused to create the PAT (${error.message})`,
    'Check that personal access tokens are enabled and the identity has Can Use on tokens',
  );
}

export type RevokeOutcome = 'revoked' | 'already gone' | 'refused';

/**
 * `token/delete` of a PAT with any bearer. Gone already (404 / RESOURCE_DOES_NOT_EXIST) counts as
 * revoked; a dead bearer (403 "Invalid access token.", or 401) when the bearer is the PAT itself
 * means it is expired or revoked, so also gone.
 */
export async function deletePat(
  ctx: CallContext,
  bearer: Bearer,
  tokenId: string,
  bearerIsThePat: boolean,
): Promise<RevokeOutcome> {
  try {
    await callRest(ctx, {
      stage: 'revoke',
      what: 'POST /api/2.0/token/delete',
      method: 'POST',
      url: `${bearer.workspaceUrl}/api/2.0/token/delete`,
      bearer: bearer.token,
      body: { token_id: tokenId },
    });
    return 'revoked';
  } catch (error) {
    if (!(error instanceof RestError)) throw error;
    if (error.status === 404 || error.errorCode === 'RESOURCE_DOES_NOT_EXIST')
      return 'already gone';
    if (bearerIsThePat && isDeadBearer(error)) return 'already gone';
    return 'refused';
  }
}
