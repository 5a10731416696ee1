// CircleCI and Buildkite: the token endpoints behind the stand-in `circleci` and `buildkite-agent`
// executables (bin/), and the environment of a job of each.
//
// Buildkite's is its agent API: POST $BUILDKITE_AGENT_ENDPOINT/jobs/$BUILDKITE_JOB_ID/oidc/tokens,
// `Authorization: Token $BUILDKITE_AGENT_ACCESS_TOKEN`, body {audience?, lifetime?, claims?}
// -> {token} [SECONDARY]. CircleCI's CLI talks to its task agent in an undocumented way, so its
// endpoint is our own: POST {ci}/circleci/agent/oidc, `Authorization: Bearer <agentToken>`,
// body {claims?: {aud?}} -> {token}. UNCONFIRMED: every error string.

import { randomBytes } from 'node:crypto';
import { BUILDKITE, CIRCLE, circleciSubjectV2 } from './ci-claims.ts';
import type { IssuerHandle } from './ci-issuers.ts';
import type { Call, Route } from './dispatch.ts';
import { bearerToken, isReply, jsonReply, mediaType, type Reply } from './http-util.ts';
import type { BuildkiteSide, CiMintOverrides, CircleCiSide } from './types.ts';

export const CIRCLECI_AGENT_PATH = '/circleci/agent/oidc';

function jsonBody(call: Call): Record<string, unknown> | Reply {
  if (call.body === '') return {};
  if (mediaType(call.headers['content-type']) !== 'application/json') {
    return jsonReply(415, { message: 'Content-Type must be application/json' });
  }
  try {
    const value: unknown = JSON.parse(call.body);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // answered below
  }
  return jsonReply(400, { message: 'The body must be a JSON object' });
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function createCircleCiSide(
  ciUrl: string,
  handle: IssuerHandle,
  addSecret: (value: string) => void,
): CircleCiSide {
  const agentToken = randomBytes(32).toString('base64url');
  addSecret(agentToken);
  const side: CircleCiSide = Object.assign(handle.issuer, {
    orgId: CIRCLE.orgId,
    projectId: CIRCLE.projectId,
    agentToken,
    jobEnv: () => ({
      CI: 'true',
      CIRCLECI: 'true',
      CIRCLE_BUILD_NUM: '128',
      CIRCLE_BRANCH: 'main',
      CIRCLE_PROJECT_ID: CIRCLE.projectId,
      CIRCLE_OIDC_TOKEN: side.mintJwt(),
      CIRCLE_OIDC_TOKEN_V2: side.mintJwt({ sub: circleciSubjectV2(side.claims) }),
      EMULATOR_CI_URL: ciUrl,
      EMULATOR_CIRCLECI_AGENT_TOKEN: agentToken,
    }),
  });
  return side;
}

function circleciToken(side: CircleCiSide, call: Call): Reply {
  if (bearerToken(call.headers['authorization']) !== side.agentToken) {
    return jsonReply(401, { message: 'Not running inside a CircleCI job (bad agent token)' });
  }
  const body = jsonBody(call);
  if (isReply(body)) return body;
  const claims = body['claims'] ?? {};
  if (!isRecord(claims)) return jsonReply(400, { message: 'claims must be a JSON object' });
  const extra = Object.keys(claims).find((k) => k !== 'aud');
  if (extra !== undefined) {
    return jsonReply(400, { message: `Only the aud claim is customizable, got '${extra}'` });
  }
  const aud = claims['aud'];
  if (aud !== undefined && (typeof aud !== 'string' || aud === '')) {
    return jsonReply(400, { message: 'aud must be a non-empty string' });
  }
  const sub = circleciSubjectV2(side.claims);
  return jsonReply(200, { token: side.mintJwt(aud === undefined ? { sub } : { sub, aud }) });
}

export function createBuildkiteSide(
  ciUrl: string,
  handle: IssuerHandle,
  addSecret: (value: string) => void,
): BuildkiteSide {
  const agentAccessToken = `bkaj_${randomBytes(30).toString('hex')}`;
  addSecret(agentAccessToken);
  const side: BuildkiteSide = Object.assign(handle.issuer, {
    agentEndpoint: `${ciUrl}/buildkite/agent/v3`,
    agentAccessToken,
    jobId: BUILDKITE.jobId,
    jobEnv: () => ({
      CI: 'true',
      BUILDKITE: 'true',
      BUILDKITE_AGENT_ENDPOINT: side.agentEndpoint,
      BUILDKITE_AGENT_ACCESS_TOKEN: agentAccessToken,
      BUILDKITE_JOB_ID: side.jobId,
      BUILDKITE_ORGANIZATION_SLUG: String(side.claims['organization_slug']),
      BUILDKITE_PIPELINE_SLUG: String(side.claims['pipeline_slug']),
      BUILDKITE_BRANCH: String(side.claims['build_branch']),
      BUILDKITE_COMMIT: String(side.claims['build_commit']),
      BUILDKITE_BUILD_NUMBER: String(side.claims['build_number']),
    }),
  });
  return side;
}

/** Which of the optional claims to leave out, or the 422 for an unknown one. */
function omittedClaims(requested: unknown): string[] | Reply {
  const list = requested ?? [];
  if (!Array.isArray(list) || !list.every((c) => typeof c === 'string')) {
    return jsonReply(422, { message: 'claims must be an array of strings' });
  }
  const known: readonly string[] = BUILDKITE.optionalClaims;
  const unknown = list.find((c) => !known.includes(c));
  if (unknown !== undefined) return jsonReply(422, { message: `Unknown claim '${unknown}'` });
  return known.filter((c) => !list.includes(c));
}

function buildkiteToken(side: BuildkiteSide, call: Call): Reply {
  const auth = /^Token (\S+)$/.exec(call.headers['authorization'] ?? '')?.[1];
  if (auth !== side.agentAccessToken) return jsonReply(401, { message: 'Unauthorized' });
  if (call.params['job'] !== side.jobId) return jsonReply(404, { message: 'Job not found' });
  const body = jsonBody(call);
  if (isReply(body)) return body;
  const { audience, lifetime } = body;
  if (audience !== undefined && (typeof audience !== 'string' || audience === '')) {
    return jsonReply(422, { message: 'audience must be a non-empty string' });
  }
  if (lifetime !== undefined && !(Number.isInteger(lifetime) && Number(lifetime) >= 0)) {
    return jsonReply(422, { message: 'lifetime must be a non-negative integer' });
  }
  const omitted = omittedClaims(body['claims']);
  if (!Array.isArray(omitted)) return omitted;
  // A claim set to undefined is left out of the JWT (JSON.stringify drops it).
  const overrides: CiMintOverrides = Object.fromEntries(omitted.map((c) => [c, undefined]));
  if (typeof audience === 'string') overrides.aud = audience;
  const options =
    typeof lifetime === 'number' && lifetime > 0 ? { expiresInSeconds: lifetime } : {};
  return jsonReply(201, { token: side.mintJwt(overrides, options) });
}

export function agentRoutes(circleci: CircleCiSide, buildkite: BuildkiteSide): Route[] {
  return [
    {
      name: 'ci.circleci.oidc',
      method: 'POST',
      pattern: /^\/circleci\/agent\/oidc$/,
      handle: (call) => circleciToken(circleci, call),
    },
    {
      name: 'ci.buildkite.oidc',
      method: 'POST',
      pattern: /^\/buildkite\/agent\/v3\/jobs\/(?<job>[^/]+)\/oidc\/tokens$/,
      handle: (call) => buildkiteToken(buildkite, call),
    },
  ];
}
