/** The non-secret claims of a JWT that matter for matching a federation policy. */
export interface TokenClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  iat?: number;
  repository?: string;
  environment?: string;
  job_workflow_ref?: string;
  ref?: string;
  event_name?: string;
  [claim: string]: unknown;
}

/** Reads a JWT's payload without verifying it: Databricks verifies, we only explain. */
export function decodeClaims(jwt: string): TokenClaims | undefined {
  const payload = jwt.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims)
      ? wellTyped(claims as TokenClaims)
      : undefined;
  } catch {
    return undefined;
  }
}

const STRING_CLAIMS = [
  'iss',
  'sub',
  'repository',
  'environment',
  'job_workflow_ref',
  'ref',
  'event_name',
];
const TIME_CLAIMS = ['exp', 'iat', 'nbf'];
/** The last second a Date can hold: a later `exp` would make toISOString throw. */
const MAX_TIME_SECONDS = 8.64e12;

/**
 * The claims we read, with the type we read them as; a claim of another type (an object with its
 * own toString, a number beyond any date) is dropped, as if the token did not have it.
 */
function wellTyped(claims: TokenClaims): TokenClaims {
  const typed = Object.fromEntries(
    Object.entries(claims).filter(([name, value]) => {
      if (STRING_CLAIMS.includes(name)) return typeof value === 'string';
      if (TIME_CLAIMS.includes(name))
        return typeof value === 'number' && Math.abs(value) <= MAX_TIME_SECONDS;
      if (name === 'aud') return typeof value === 'string' || Array.isArray(value);
      return true;
    }),
  ) as TokenClaims;
  if (Array.isArray(typed.aud)) typed.aud = typed.aud.filter((aud) => typeof aud === 'string');
  return typed;
}

export function audiences(claims: TokenClaims): string[] {
  if (typeof claims.aud === 'string') return [claims.aud];
  return Array.isArray(claims.aud) ? claims.aud.filter((aud) => typeof aud === 'string') : [];
}

/** Claim values as text for a log line; absent claims are left out. */
export function describeClaims(claims: TokenClaims, now: number): string {
  const parts: string[] = [];
  const add = (name: string, value: unknown): void => {
    if (typeof value === 'string' && value !== '') parts.push(`${name}=${value}`);
  };
  add('iss', claims.iss);
  add('sub', claims.sub);
  add('aud', audiences(claims).join(','));
  if (typeof claims.exp === 'number')
    parts.push(
      `exp=${new Date(claims.exp * 1000).toISOString()} (in ${Math.round(claims.exp - now / 1000)} s)`,
    );
  add('repository', claims.repository);
  add('environment', claims.environment);
  add('job_workflow_ref', claims.job_workflow_ref);
  return parts.join(', ');
}
