import {
  createHash,
  createPublicKey,
  generateKeyPair,
  randomUUID,
  sign,
  verify,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';

export interface SigningKey {
  kid: string;
  x5t: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface PublicJwk {
  kty: string;
  kid?: string;
  alg?: string;
  use?: string;
  x5t?: string;
  n?: string;
  e?: string;
  crv?: string;
  x?: string;
  y?: string;
}

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

const generateKeyPairAsync = promisify(generateKeyPair);

export async function createSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 });
  // GitHub's x5t is the SHA-1 thumbprint of an X.509 certificate; without a certificate we
  // thumbprint the SubjectPublicKeyInfo instead (clients treat it as opaque).
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const x5t = createHash('sha1').update(spki).digest('base64url');
  return { kid: randomUUID().toUpperCase(), x5t, privateKey, publicKey };
}

export function publicJwk(key: SigningKey): PublicJwk {
  const { n, e } = key.publicKey.export({ format: 'jwk' });
  if (n === undefined || e === undefined) throw new Error('RSA public key without n/e');
  return { kty: 'RSA', n, e, kid: key.kid, alg: 'RS256', use: 'sig', x5t: key.x5t };
}

function b64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function signRs256(payload: Record<string, unknown>, key: SigningKey): string {
  const header = { typ: 'JWT', alg: 'RS256', x5t: key.x5t, kid: key.kid };
  const input = `${b64urlJson(header)}.${b64urlJson(payload)}`;
  const signature = sign('sha256', Buffer.from(input, 'utf8'), key.privateKey);
  return `${input}.${signature.toString('base64url')}`;
}

function parseJsonObject(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Splits and parses a compact JWS; undefined if it is not one. Does not verify anything. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return undefined;
  const [h, p, s] = parts as [string, string, string];
  const header = parseJsonObject(h);
  const payload = parseJsonObject(p);
  if (!header || !payload) return undefined;
  return { header, payload, signingInput: `${h}.${p}`, signature: Buffer.from(s, 'base64url') };
}

export const SUPPORTED_ALGORITHMS = ['RS256', 'ES256'] as const;

/** Verifies an RS256 or ES256 signature against one JWK. */
export function verifySignature(jwt: DecodedJwt, jwk: PublicJwk): boolean {
  const alg = jwt.header['alg'];
  if (jwk.alg !== undefined && jwk.alg !== alg) return false;
  if (alg === 'RS256' && jwk.kty !== 'RSA') return false;
  if (alg === 'ES256' && (jwk.kty !== 'EC' || jwk.crv !== 'P-256')) return false;
  try {
    const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    const data = Buffer.from(jwt.signingInput, 'utf8');
    if (alg === 'RS256') return verify('sha256', data, key, jwt.signature);
    if (alg === 'ES256') {
      return verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, jwt.signature);
    }
    return false;
  } catch {
    return false;
  }
}
