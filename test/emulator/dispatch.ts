import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deliverWithFault, type FaultQueue } from './faults.ts';
import {
  BodyTooLargeError,
  flattenHeaders,
  jsonReply,
  lastValues,
  mediaType,
  readBody,
  restError,
  sendReply,
  sleep,
  type Reply,
} from './http-util.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { RecordedRequest, RouteName, ServerName } from './types.ts';

/** One parsed request, as a route handler sees it. */
export interface Call {
  server: ServerName;
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: string;
  /** Named groups of the route pattern, percent-decoded. */
  params: Record<string, string>;
}

export interface Route {
  name: RouteName;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Matched against the raw (still percent-encoded) path. */
  pattern: RegExp;
  handle(call: Call): Reply | Promise<Reply>;
  /** Subject to the token-endpoint rate limit. */
  rateLimited?: boolean;
}

export interface Shared {
  requests: RecordedRequest[];
  faults: FaultQueue;
  latencyMs(): number;
  rateLimiter: RateLimiter | undefined;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

function record(
  server: ServerName,
  req: IncomingMessage,
  url: URL,
  body: string,
  route: RouteName | undefined,
): RecordedRequest {
  const headers = flattenHeaders(req);
  const entry: RecordedRequest = {
    server,
    route,
    method: req.method ?? 'GET',
    path: url.pathname,
    query: lastValues(url.searchParams),
    headers,
    at: Date.now(),
  };
  const type = mediaType(headers['content-type']);
  if (type === 'application/x-www-form-urlencoded')
    entry.form = lastValues(new URLSearchParams(body));
  if (type === 'application/json') {
    try {
      entry.json = JSON.parse(body) as unknown;
    } catch {
      // recorded without json; the handler answers the parse error
    }
  }
  return entry;
}

function notFound(server: ServerName, path: string): Reply {
  if (server === 'github' || server === 'ci')
    return jsonReply(404, { message: `Not found: ${path}` });
  return restError(404, 'ENDPOINT_NOT_FOUND', `No API found for '${path}'`);
}

function findRoute(routes: Route[], method: string, path: string) {
  const onPath = routes.filter((r) => r.pattern.test(path));
  const route = onPath.find((r) => r.method === method);
  const match = route?.pattern.exec(path);
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(match?.groups ?? {})) params[k] = decodeURIComponent(v);
  return { route, params, wrongMethod: !route && onPath.length > 0 };
}

async function runHandler(route: Route, call: Call): Promise<Reply> {
  try {
    return await route.handle(call);
  } catch (error) {
    console.error(`[emulator] ${route.name} handler failed:`, error);
    return restError(500, 'INTERNAL_ERROR', 'The emulator failed to handle the request.');
  }
}

async function dispatch(
  server: ServerName,
  routes: Route[],
  shared: Shared,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  let body: string;
  try {
    body = await readBody(req);
  } catch (error) {
    if (error instanceof BodyTooLargeError) sendReply(res, restError(413, 'REQUEST_TOO_LARGE', ''));
    return;
  }
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const { route, params, wrongMethod } = findRoute(routes, req.method ?? 'GET', url.pathname);
  const entry = record(server, req, url, body, route?.name);
  shared.requests.push(entry);
  const latency = shared.latencyMs();
  if (latency > 0) await sleep(latency);

  if (!route) {
    const reply = wrongMethod
      ? restError(405, 'METHOD_NOT_ALLOWED', `${entry.method} is not allowed on ${url.pathname}`)
      : notFound(server, url.pathname);
    return sendReply(res, reply);
  }
  const call: Call = { ...entry, query: url.searchParams, body, params };
  const fault = shared.faults.take(route.name);
  if (fault) {
    entry.fault = fault.kind;
    return deliverWithFault(res, fault, () => runHandler(route, call));
  }
  if (route.rateLimited && shared.rateLimiter && !shared.rateLimiter.admit()) {
    entry.fault = 'rate-limit';
    // UNCONFIRMED: the body Databricks sends with a 429 from the token endpoint.
    const reply = jsonReply(
      429,
      { error: 'temporarily_unavailable', error_description: 'Too many requests, retry later' },
      { 'retry-after': '1' },
    );
    return sendReply(res, reply);
  }
  sendReply(res, await runHandler(route, call));
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** Starts one HTTP server on 127.0.0.1 with a random port. Routes may be filled in after start. */
export async function startServer(
  name: ServerName,
  routes: Route[],
  shared: Shared,
): Promise<RunningServer> {
  const server = createServer((req, res) => {
    dispatch(name, routes, shared, req, res).catch((error: unknown) => {
      console.error(`[emulator] ${name} dispatch failed:`, error);
      res.destroy();
    });
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
