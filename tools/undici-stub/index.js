// @actions/http-client imports undici's ProxyAgent only to build the dispatcher returned by
// HttpClient.getAgentDispatcher(), for callers that use fetch. This action makes every request
// through HttpClient.request(), whose proxy support (HTTPS_PROXY/NO_PROXY) uses node:http agents
// and the tunnel package, so the real undici is never needed. Constructing one fails loudly.
export function ProxyAgent() {
  throw new Error(
    'undici is not bundled with this action: HttpClient.getAgentDispatcher() is unsupported',
  );
}
