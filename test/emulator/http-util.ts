import type { IncomingMessage, ServerResponse } from 'node:http';

/** A complete answer, computed before any byte is written so that faults can reshape its delivery. */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Tells a Reply apart from the parsed value a helper would otherwise return. */
export function isReply(value: unknown): value is Reply {
  return (
    typeof value === 'object' &&
    value !== null &&
    'status' in value &&
    'headers' in value &&
    'body' in value
  );
}

const MAX_BODY_BYTES = 1024 * 1024;

export function jsonReply(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

/** OAuth 2.0 token-endpoint error shape (RFC 6749 §5.2). */
export function oauthError(status: number, error: string, description: string): Reply {
  return jsonReply(
    status,
    { error, error_description: description },
    { 'cache-control': 'no-store' },
  );
}

/** Databricks REST API error shape. */
export function restError(status: number, errorCode: string, message: string): Reply {
  return jsonReply(status, { error_code: errorCode, message });
}

/**
 * Databricks' answer to an invalid or expired bearer on a workspace API, as recorded in
 * databricks/databricks-sdk-go#873, #917 and #1046: 403 with a numeric error_code.
 */
export function invalidAccessToken(): Reply {
  return jsonReply(
    403,
    { error_code: 403, message: 'Invalid access token.' },
    { 'x-databricks-reason-phrase': 'Invalid access token.' },
  );
}

export function htmlReply(status: number, title: string): Reply {
  const body = `<!DOCTYPE html>\n<html><head><title>${title}</title></head><body><h1>${title}</h1><p>The server could not handle the request.</p></body></html>\n`;
  return { status, headers: { 'content-type': 'text/html; charset=utf-8' }, body };
}

export class BodyTooLargeError extends Error {}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError('request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export function lastValues(params: URLSearchParams): Record<string, string> {
  return Object.fromEntries(params.entries());
}

/** The media type of a Content-Type header without parameters, lower-cased. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** The credentials of `Authorization: Bearer <x>` (scheme case-insensitive), or undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}

export function sendReply(res: ServerResponse, reply: Reply): void {
  if (res.destroyed) return;
  const body = Buffer.from(reply.body, 'utf8');
  res.writeHead(reply.status, { ...reply.headers, 'content-length': String(body.length) });
  res.end(body);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
