import type { ClientRequest, RequestOptions } from 'node:http';
import type { RequestHandler } from '@actions/http-client/lib/interfaces';

/** The parts of a `tunnel` agent (what @actions/http-client makes for HTTPS_PROXY) used here. */
interface TunnelAgent {
  proxyOptions?: { proxyAuth?: string };
  request?: (options: RequestOptions, ...rest: unknown[]) => ClientRequest;
}

/**
 * Sends the proxy URL's credentials (already percent-decoded by @actions/http-client) as the
 * CONNECT request's Proxy-Authorization header ourselves. `tunnel` would encode them with
 * `new Buffer()`, and in a bundle (not under node_modules) Node prints a DEP0005 warning for that
 * on stderr in every run behind an authenticating proxy.
 */
export class ProxyCredentials implements RequestHandler {
  prepareRequest(options: RequestOptions): void {
    const agent = options.agent as TunnelAgent | undefined;
    const credentials = agent?.proxyOptions?.proxyAuth;
    const connect = agent?.request;
    if (agent?.proxyOptions === undefined || credentials === undefined || connect === undefined)
      return;
    delete agent.proxyOptions.proxyAuth;
    const authorization = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
    agent.request = (connectOptions, ...rest) =>
      connect(
        {
          ...connectOptions,
          headers: { ...connectOptions.headers, 'Proxy-Authorization': authorization },
        },
        ...rest,
      );
  }

  canHandleAuthentication(): boolean {
    return false;
  }

  handleAuthentication(): never {
    throw new Error('ProxyCredentials handles no authentication');
  }
}
