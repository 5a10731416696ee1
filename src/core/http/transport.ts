import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { HttpClient, getProxyUrl } from '@actions/http-client';
import { AttemptSignals } from './attempt-signals.ts';
import { ProxyCredentials } from './proxy-credentials.ts';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One attempt of one request; retries live in retry.ts. */
export interface Transport {
  send(request: HttpRequest, timeoutMs: number): Promise<HttpResponse>;
  dispose(): void;
}

/** The proxy a request went to, as it may be named: never its credentials. */
export interface ProxyInfo {
  /** host:port */
  address: string;
  /** Whether the proxy URL carries a user or password. */
  hasCredentials: boolean;
}

/** The request never produced a complete answer: refused, reset, timed out, unreadable. */
export class NetworkError extends Error {
  override name = 'NetworkError';
  /** Node's error code (ENOTFOUND, CERT_HAS_EXPIRED, …) when there is one; PROXY_407 and the like when the proxy refused to tunnel. */
  readonly code: string | undefined;
  readonly proxy: ProxyInfo | undefined;

  constructor(message: string, code?: string, proxy?: ProxyInfo) {
    super(message);
    this.code = code;
    this.proxy = proxy;
  }

  /** True only when the request provably never reached the server (refused, no such host). */
  get unsent(): boolean {
    return this.code !== undefined && UNSENT_CODES.has(this.code);
  }
}

/** Failures before a connection existed: the server cannot have seen the request. */
const UNSENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

const MAX_BODY_BYTES = 1024 * 1024;

/** The NetworkError code of an answer over MAX_BODY_BYTES: the server's doing, never retried. */
export const TOO_LARGE = 'ANSWER_TOO_LARGE';

/**
 * @actions/http-client brings HTTPS_PROXY/NO_PROXY support. Its own retries and redirects are off:
 * we retry with our own policy, and a redirect must never carry a token to another host.
 */
export function createTransport(userAgent: string): Transport {
  // The client keeps one keep-alive agent for whatever the first request used; an http: agent
  // cannot carry an https: request (ERR_INVALID_PROTOCOL), so each scheme and proxy gets its own.
  const clients = new Map<string, HttpClient>();
  const signals = new AttemptSignals();
  const handlers = [signals, new ProxyCredentials()];
  const clientFor = (url: string, timeoutMs: number): HttpClient => {
    const key = `${new URL(url).protocol} ${getProxyUrl(url)}`;
    let client = clients.get(key);
    if (client === undefined) {
      client = new HttpClient(userAgent, handlers, {
        allowRedirects: false,
        allowRetries: false,
        keepAlive: true,
        socketTimeout: timeoutMs,
      });
      clients.set(key, client);
    }
    return client;
  };
  let disposed = false;
  // Not a NetworkError: the run that wanted the answer has ended (one call failed while another
  // was in flight), so nothing retries it or logs it after the run's last line.
  const ended = (): Error => new Error('an HTTP request outlived the run that started it');
  return {
    send: async (request, timeoutMs) => {
      if (disposed) throw ended();
      try {
        return await sendOnce(clientFor(request.url, timeoutMs), signals, request, timeoutMs);
      } catch (error) {
        throw disposed ? ended() : error;
      }
    },
    dispose: () => {
      disposed = true;
      for (const client of clients.values()) client.dispose();
    },
  };
}

async function sendOnce(
  client: HttpClient,
  signals: AttemptSignals,
  request: HttpRequest,
  timeoutMs: number,
): Promise<HttpResponse> {
  const abort = new AbortController();
  const attempt = signals.register(abort.signal);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new NetworkError(`no complete answer within ${Math.round(timeoutMs / 1000)} s`));
      abort.abort();
    }, timeoutMs);
  });
  const exchange = async (): Promise<HttpResponse> => {
    const response = await client.request(request.method, request.url, request.body ?? null, {
      ...request.headers,
      ...attempt.headers,
    });
    const { message } = response;
    const body = await readBody(message);
    return { status: message.statusCode ?? 0, headers: message.headers, body };
  };
  try {
    return await Promise.race([exchange(), timeout]);
  } catch (error) {
    if (error instanceof NetworkError) throw error;
    const refused = proxyRefusal(error, request.url);
    if (refused !== undefined) throw refused;
    const code = (error as { code?: unknown } | null)?.code;
    throw new NetworkError(
      describeNetworkError(error),
      typeof code === 'string' ? code : undefined,
    );
  } finally {
    clearTimeout(timer);
    attempt.release();
  }
}

function readBody(message: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    message.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
        return;
      }
      // Rejected before the destroy, whose 'aborted' would otherwise name it "closed mid-answer".
      const tooLarge = new NetworkError('the answer is larger than the 1 MiB limit', TOO_LARGE);
      reject(tooLarge);
      message.destroy(tooLarge);
    });
    message.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    message.on('aborted', () => reject(new NetworkError('connection closed mid-answer')));
    message.on('error', reject);
  });
}

/**
 * `tunnel` reports any CONNECT answer but 200 as ECONNRESET; say what the proxy answered instead
 * (a 407 cannot be cured by another attempt, see network-failure.ts).
 */
function proxyRefusal(error: unknown, url: string): NetworkError | undefined {
  const message = error instanceof Error ? error.message : '';
  const status = /^tunneling socket could not be established, statusCode=(\d{3})$/.exec(
    message,
  )?.[1];
  const proxyUrl = getProxyUrl(url);
  if (status === undefined || proxyUrl === '') return undefined;
  const proxy = new URL(proxyUrl);
  return new NetworkError(`the proxy answered HTTP ${status} to CONNECT`, `PROXY_${status}`, {
    address: proxy.host,
    hasCredentials: proxy.username !== '' || proxy.password !== '',
  });
}

function describeNetworkError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string')
    return code === 'ECONNRESET' ? 'connection reset (ECONNRESET)' : code;
  return error instanceof Error ? error.message : 'unknown network error';
}
