// The SDKs' metadata-service contract (databricks-sdk-go config/auth_metadata_service.go): a GET of
// the service's path with X-Databricks-Metadata-Version: 1 and the host the SDK is configured for;
// 4xx for another version or host. On top of it, what a loopback service needs against a browser:
// the Host header must name the loopback address (DNS rebinding) and no Origin may be present.

export interface ServiceRequest {
  method?: string | undefined;
  url?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}

export interface Refusal {
  status: number;
  error: string;
}

export interface Expected {
  path: string;
  port: number;
  /** The Databricks host the service hands tokens for. */
  host: string;
}

const trimSlash = (value: string): string => value.replace(/\/+$/, '');

/** Why this request gets no token, or undefined when it is the SDKs' request. */
export function refusalOf(request: ServiceRequest, expected: Expected): Refusal | undefined {
  const header = (name: string): string | undefined => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(',') : value;
  };
  const loopback = [`127.0.0.1:${expected.port}`, `localhost:${expected.port}`];
  if (!loopback.includes((header('host') ?? '').toLowerCase()))
    return { status: 403, error: 'the Host header must be the loopback address of this service' };
  if (header('origin') !== undefined)
    return { status: 403, error: 'requests from a browser page (Origin) are refused' };
  if (request.method !== 'GET' || request.url !== expected.path)
    return { status: 404, error: 'not found' };
  if (header('x-databricks-metadata-version') !== '1')
    return { status: 400, error: 'X-Databricks-Metadata-Version must be 1' };
  if (trimSlash(header('x-databricks-host') ?? '') !== trimSlash(expected.host))
    return { status: 404, error: 'X-Databricks-Host is not the host this service serves' };
  return undefined;
}

/** The answer the SDKs parse: expires_on in Unix seconds, as a number. */
export function tokenBody(accessToken: string, expiresAt: number): Record<string, unknown> {
  return {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_on: Math.floor(expiresAt / 1000),
  };
}
