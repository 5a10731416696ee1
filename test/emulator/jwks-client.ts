import { verifySignature, type DecodedJwt, type PublicJwk } from './jwt.ts';

export type SignatureCheck = 'valid' | 'invalid' | 'keys-unavailable';

const FETCH_TIMEOUT_MS = 5000;

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, {
    headers: { accept: 'application/json' },
    redirect: 'error',
    signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
  });
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  return res.json();
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[name]
    : undefined;
}

/** Fetches the issuer's keys the way Databricks does: discovery document, then `jwks_uri`. */
async function fetchKeys(issuer: string): Promise<PublicJwk[]> {
  const discovery = await getJson(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  if (field(discovery, 'issuer') !== issuer) throw new Error('discovery issuer mismatch');
  const jwksUri = field(discovery, 'jwks_uri');
  if (typeof jwksUri !== 'string') throw new Error('discovery document has no jwks_uri');
  const keys = field(await getJson(jwksUri), 'keys');
  if (!Array.isArray(keys)) throw new Error('JWKS has no keys array');
  return keys as PublicJwk[];
}

/** Issuer keys fetched over HTTP, cached per issuer, refetched once when a kid is unknown. */
export class JwksClient {
  readonly #cache = new Map<string, PublicJwk[]>();

  async check(issuer: string, jwt: DecodedJwt): Promise<SignatureCheck> {
    const kid = jwt.header['kid'];
    const cached = this.#cache.get(issuer);
    let keys = cached;
    const knowsKid = (ks: PublicJwk[]) => kid === undefined || ks.some((k) => k.kid === kid);
    if (!keys || !knowsKid(keys)) {
      try {
        keys = await fetchKeys(issuer);
      } catch {
        if (!cached) return 'keys-unavailable';
        keys = cached;
      }
      this.#cache.set(issuer, keys);
    }
    const candidates = keys.filter((k) => kid === undefined || k.kid === kid);
    return candidates.some((k) => verifySignature(jwt, k)) ? 'valid' : 'invalid';
  }

  clear(): void {
    this.#cache.clear();
  }
}
