import { describe, expect, it } from 'vitest';
import { permanentNetworkFailure } from '../../../src/core/http/network-failure.ts';
import { NetworkError } from '../../../src/core/http/transport.ts';

const label = { stage: 'exchange', what: 'Token exchange' } as const;
const url = 'https://dbc-1234.cloud.databricks.com/oidc/v1/token';
const judge = (code: string | undefined) =>
  permanentNetworkFailure(label, url, new NetworkError(code ?? 'socket hang up', code));

describe('permanentNetworkFailure', () => {
  it('keeps a DNS hiccup, a reset and an unknown error transient', () => {
    for (const code of ['EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', undefined])
      expect(judge(code)).toBeUndefined();
  });

  it('calls a refused connection at the first contact with the host a wrong URL, later transient', () => {
    expect(judge('ECONNREFUSED')?.message).toContain(
      'Token exchange could not connect to dbc-1234.cloud.databricks.com: the connection was refused (ECONNREFUSED)',
    );
    const later = { stage: 'lakebase', what: 'Lakebase credential request' } as const;
    expect(permanentNetworkFailure(later, url, new NetworkError('refused', 'ECONNREFUSED'))).toBe(
      undefined,
    );
  });

  it.each([
    'SELF_SIGNED_CERT_IN_CHAIN',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  ])('calls %s an untrusted certificate, with NODE_EXTRA_CA_CERTS as the fix', (code) => {
    const error = judge(code);
    expect(error?.message).toContain(
      `Token exchange could not verify the certificate of dbc-1234.cloud.databricks.com (${code})`,
    );
    expect(error?.hint).toContain('NODE_EXTRA_CA_CERTS');
  });

  it('says an expired certificate has expired', () => {
    expect(judge('CERT_HAS_EXPIRED')?.message).toContain(
      'refused the certificate of dbc-1234.cloud.databricks.com: it has expired (CERT_HAS_EXPIRED)',
    );
  });

  it('names the host that did not resolve', () => {
    expect(judge('ENOTFOUND')?.message).toContain(
      'could not resolve the host name dbc-1234.cloud.databricks.com (ENOTFOUND)',
    );
  });

  it('keeps other proxy refusals (502 and the like) transient', () => {
    const error = new NetworkError('the proxy answered HTTP 502 to CONNECT', 'PROXY_502', {
      address: 'proxy.example:3128',
      hasCredentials: false,
    });
    expect(permanentNetworkFailure(label, url, error)).toBeUndefined();
  });

  it.each([
    [false, 'it wants credentials (HTTP 407'],
    [true, 'it did not accept the credentials in the proxy URL (HTTP 407'],
  ])('a 407 is final, names the proxy and says why (credentials given: %s)', (given, why) => {
    const error = new NetworkError('the proxy answered HTTP 407 to CONNECT', 'PROXY_407', {
      address: 'proxy.example:3128',
      hasCredentials: given,
    });
    const failure = permanentNetworkFailure(label, url, error);
    expect(failure?.message).toContain(
      `Token exchange was refused by the proxy proxy.example:3128: ${why}`,
    );
    expect(failure?.hint).toContain('percent-encoded');
  });
});
