import { ConfigurationError, StageError } from '../errors.ts';
import type { CallLabel } from './retry.ts';
import { TOO_LARGE, type NetworkError } from './transport.ts';

/** The runner does not trust who signed the certificate: an own CA, or a TLS-inspecting proxy. */
const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

const UNUSABLE: Record<string, string> = {
  ERR_TLS_CERT_ALTNAME_INVALID: 'does not name that host',
  CERT_HAS_EXPIRED: 'has expired',
  CERT_NOT_YET_VALID: 'is not valid yet',
};

/**
 * The first calls to the configured Databricks host: refused there, the URL is wrong (a port, a
 * scheme), and retrying cannot cure it. Later calls to a host that answered before stay transient.
 */
const FIRST_CONTACT = new Set<CallLabel['stage']>(['discovery', 'exchange']);

const CA_HINT =
  'On a self-hosted runner behind a TLS-inspecting proxy, set NODE_EXTRA_CA_CERTS to a PEM file with the proxy CA (in the job env: or the runner .env file); otherwise check that the URL names the real service';

/**
 * A network error that another attempt cannot clear (EAI_AGAIN, a DNS hiccup, stays transient):
 * a name that does not resolve or a certificate the runner does not accept. Undefined otherwise.
 */
export function permanentNetworkFailure(
  { stage, what }: CallLabel,
  url: string,
  error: NetworkError,
): StageError | undefined {
  const host = new URL(url).hostname;
  if (error.code === 'PROXY_407') return proxyWantsCredentials({ stage, what }, error);
  if (error.code === TOO_LARGE)
    return new StageError(
      stage,
      `${what}: ${host} sent an answer larger than the 1 MiB limit, which is not read`,
      'No Databricks or CI answer is that large: check that the URL names the real service (not a proxy, captive portal or look-alike host); another attempt would get the same',
    );
  if (error.code === 'ENOTFOUND')
    return new ConfigurationError(
      stage,
      `${what} could not resolve the host name ${host} (ENOTFOUND)`,
      'Check the name for a typo; on a self-hosted runner, check that its DNS knows the name (a private workspace needs its private DNS zone)',
    );
  if (error.code === 'ECONNREFUSED' && FIRST_CONTACT.has(stage))
    return new ConfigurationError(
      stage,
      `${what} could not connect to ${new URL(url).host}: the connection was refused (ECONNREFUSED)`,
      'Nothing listens there: check the scheme and port of the host URL (a Databricks URL is https:// with no port); on a self-hosted runner, check its firewall and HTTPS_PROXY',
    );
  if (error.code === undefined) return undefined;
  if (UNTRUSTED.has(error.code))
    return new ConfigurationError(
      stage,
      `${what} could not verify the certificate of ${host} (${error.code})`,
      CA_HINT,
    );
  const reason = UNUSABLE[error.code];
  if (reason !== undefined)
    return new ConfigurationError(
      stage,
      `${what} refused the certificate of ${host}: it ${reason} (${error.code})`,
      CA_HINT,
    );
  return undefined;
}

const PROXY_CREDENTIALS_HINT =
  'Put the proxy user and password into HTTPS_PROXY, percent-encoded (@ as %40, : as %3A, % as %25): http://user:p%40ss@proxy.example:3128';

/** A 407 from the proxy: another attempt sends the same credentials, so it is not retried. */
function proxyWantsCredentials({ stage, what }: CallLabel, error: NetworkError): StageError {
  const proxy = error.proxy?.address ?? 'in between';
  if (error.proxy?.hasCredentials === true)
    return new ConfigurationError(
      stage,
      `${what} was refused by the proxy ${proxy}: it did not accept the credentials in the proxy URL (HTTP 407 Proxy Authentication Required)`,
      `Check the proxy user and password; ${PROXY_CREDENTIALS_HINT}`,
    );
  return new ConfigurationError(
    stage,
    `${what} was refused by the proxy ${proxy}: it wants credentials (HTTP 407 Proxy Authentication Required)`,
    PROXY_CREDENTIALS_HINT,
  );
}
