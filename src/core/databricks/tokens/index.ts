// Personal access tokens, on-behalf-of tokens and their rotation: the Token API, the Token
// Management API and SCIM ServicePrincipals.
export { canUsePatch, type TokenOwner } from './refusals.ts';
export {
  createPat,
  deletePat,
  MIN_BEARER_LIFE_MS,
  type Bearer,
  type Pat,
  type PatRequest,
  type RevokeOutcome,
} from './pat.ts';
export {
  deleteManagedToken,
  findServicePrincipal,
  listTokensOf,
  mintOboToken,
  type ManagedToken,
  type ServicePrincipal,
} from './obo.ts';
export {
  planPrune,
  rotateMint,
  rotatePrune,
  type MintResult,
  type PruneOptions,
  type PrunePlan,
  type PruneResult,
} from './rotation.ts';
