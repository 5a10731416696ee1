// The live check's host probes: host metadata, OAuth discovery, the audience the SDKs would pick,
// the exchange (a success and two refusals), and what a unified host does without the SDKs' ways.
import {
  DEFAULT_RETRY_POLICY,
  gitHubActionsSource,
  givenToken,
  safeLog,
  systemClock,
} from '../src/core/index.ts';
import { isTokenShaped, jsonOf, send, stringAt, type Probe } from './live-check-http.ts';
import { isSuccess, statusOf, type Answer } from './live-check-report.ts';
import type { Check } from './live-check-run.ts';

export interface HostFacts {
  /** `host_type` as sent, and lower-cased (the SDKs compare it case-insensitively). */
  hostTypeRaw: string | undefined;
  hostType: string | undefined;
  accountId: string | undefined;
  workspaceId: string | undefined;
  oidcEndpoint: string | undefined;
  defaultAudience: string | undefined;
  hasMetadata: boolean;
}

const idText = (value: unknown): string | undefined =>
  typeof value === 'number' ? String(value) : typeof value === 'string' ? value : undefined;

export async function probeMetadata(check: Check): Promise<HostFacts> {
  const probe: Probe = { method: 'GET', url: check.url('/.well-known/databricks-config') };
  const answer = await send(check.transport, probe);
  const json = jsonOf(answer);
  const audiences = json?.['token_federation_default_oidc_audiences'];
  const facts: HostFacts = {
    hostTypeRaw: stringAt(json, 'host_type'),
    hostType: stringAt(json, 'host_type')?.toLowerCase(),
    accountId: idText(json?.['account_id']),
    workspaceId: idText(json?.['workspace_id']),
    oidcEndpoint: stringAt(json, 'oidc_endpoint'),
    defaultAudience: Array.isArray(audiences) ? idText(audiences[0]) : undefined,
    hasMetadata: json !== undefined,
  };
  check.redactor.name(facts.accountId, '[account-id]');
  check.redactor.name(facts.workspaceId, '[workspace-id]');
  check.record('A1, A2, A3, A6', `GET ${probe.url}`, answer);
  return facts;
}

/** An endpoint a server named: an https URL (http only on this machine, for the emulator). */
function serverUrl(value: string | undefined): string | undefined {
  if (!isTokenShaped(value)) return undefined;
  try {
    const url = new URL(value);
    const local = url.protocol === 'http:' && ['127.0.0.1', 'localhost'].includes(url.hostname);
    return url.protocol === 'https:' || local ? url.href.replace(/\/+$/, '') : undefined;
  } catch {
    return undefined;
  }
}

/** The SDKs' way: `oidc_endpoint` ({account_id} filled in) + /.well-known/oauth-authorization-server. */
export async function probeTokenEndpoint(check: Check, host: HostFacts): Promise<string> {
  const fallback = check.url('/oidc/v1/token');
  const accountId = check.settings.accountId ?? host.accountId;
  let base = host.oidcEndpoint ?? check.url('/oidc');
  if (base.includes('{account_id}')) {
    if (accountId === undefined) {
      check.skip(
        'A5, A6',
        'GET <oidc_endpoint>/.well-known/oauth-authorization-server',
        'oidc_endpoint holds {account_id}: set DATABRICKS_ACCOUNT_ID',
      );
      return fallback;
    }
    base = base.replaceAll('{account_id}', accountId);
  }
  const discovery = serverUrl(base);
  if (discovery === undefined) {
    check.skip(
      'A5',
      'GET <oidc_endpoint>/.well-known/oauth-authorization-server',
      'oidc_endpoint is not an https URL',
    );
    return fallback;
  }
  const answer = await check.ask('A5', {
    method: 'GET',
    url: `${discovery}/.well-known/oauth-authorization-server`,
  });
  return serverUrl(stringAt(jsonOf(answer), 'token_endpoint')) ?? fallback;
}

/** The audience the Python SDK requests: explicit, metadata default, account ID, token endpoint. */
export function chooseAudience(
  check: Check,
  host: HostFacts,
  tokenEndpoint: string,
): { value: string; rule: string } {
  const { settings } = check;
  const accountId = settings.accountId ?? host.accountId;
  if (settings.audience !== undefined)
    return { value: settings.audience, rule: 'DATABRICKS_TOKEN_AUDIENCE' };
  if (host.defaultAudience !== undefined)
    return { value: host.defaultAudience, rule: 'the metadata default audience' };
  if (host.hasMetadata && host.workspaceId === undefined && accountId !== undefined)
    return { value: accountId, rule: 'the account ID (metadata without workspace_id)' };
  return { value: tokenEndpoint, rule: 'the token endpoint URL' };
}

/** The JWT: given as it is, or asked of the GitHub runner for this audience. */
export async function subjectToken(check: Check, audience: string): Promise<string> {
  const { jwt } = check.settings;
  const sink = { info: () => undefined, notice: () => undefined, warning: () => undefined };
  const ctx = {
    transport: check.transport,
    clock: systemClock,
    log: safeLog(sink, check.secrets),
    secrets: check.secrets,
    policy: DEFAULT_RETRY_POLICY,
    deadline: Date.now() + 60_000,
  };
  const source =
    jwt.kind === 'given'
      ? givenToken(jwt.value, 'DATABRICKS_OIDC_TOKEN')
      : gitHubActionsSource(jwt.request, check.secrets);
  return source.token(ctx, audience);
}

function exchange(url: string, jwt: string, clientId: string | undefined): Probe {
  return {
    method: 'POST',
    url,
    form: {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      subject_token: jwt,
      scope: 'all-apis',
      ...(clientId === undefined ? {} : { client_id: clientId }),
    },
  };
}

/** The exchange as the SDKs make it; the access token, when one came back. */
export async function probeExchange(
  check: Check,
  tokenEndpoint: string,
  jwt: string,
): Promise<string | undefined> {
  const answer = await check.ask('B1–B5', exchange(tokenEndpoint, jwt, check.settings.clientId));
  const token = stringAt(jsonOf(answer), 'access_token');
  if (!isSuccess(answer) || !isTokenShaped(token)) {
    check.findings.push(
      `The exchange did not give a token (HTTP ${statusOf(answer)}): the workspace checks were skipped`,
    );
    return undefined;
  }
  return check.secrets.add(token);
}

/** No client registered under a nil-like id; a JWT whose audience no policy lists (GitHub only). */
export const UNKNOWN_CLIENT_ID = '00000000-0000-4000-8000-000000000000';
export const WRONG_AUDIENCE = 'https://live-check.invalid/no-policy-lists-this-audience';

export async function probeRefusals(
  check: Check,
  tokenEndpoint: string,
  jwt: string,
): Promise<void> {
  check.redactor.name(UNKNOWN_CLIENT_ID, '[unknown-client-id]');
  check.redactor.name(WRONG_AUDIENCE, '[wrong-audience]');
  const unknown = await check.ask(
    'B10 (unknown client id)',
    exchange(tokenEndpoint, jwt, UNKNOWN_CLIENT_ID),
  );
  warnIfGranted(check, unknown, 'an unknown client id');
  if (check.settings.jwt.kind !== 'github') {
    check.skip(
      'B10 (wrong audience)',
      `POST ${tokenEndpoint}`,
      'needs the GitHub runner to mint a JWT for another audience',
    );
    return;
  }
  const wrong = await subjectToken(check, WRONG_AUDIENCE);
  const answer = await check.ask(
    'B10 (wrong audience)',
    exchange(tokenEndpoint, wrong, check.settings.clientId),
  );
  warnIfGranted(check, answer, 'a JWT for an audience no policy should list');
}

function warnIfGranted(check: Check, answer: Answer, what: string): void {
  if (isSuccess(answer))
    check.findings.push(
      `**The exchange granted a token for ${what}**: review the federation policies`,
    );
}

/** A5/A11 on a unified host: the workspace token endpoint, and workspace APIs without routing. */
export async function probeUnified(
  check: Check,
  host: HostFacts,
  tokenEndpoint: string,
  jwt: string,
  oauth: string,
): Promise<void> {
  const workspaceEndpoint = check.url('/oidc/v1/token');
  if (tokenEndpoint !== workspaceEndpoint) {
    const answer = await check.ask(
      'A5 (unified)',
      exchange(workspaceEndpoint, jwt, check.settings.clientId),
    );
    const verdict = isSuccess(answer) ? 'works' : `refused (HTTP ${statusOf(answer)})`;
    check.findings.push(`A5: on this unified host \`POST /oidc/v1/token\` ${verdict}`);
  }
  const me: Probe = {
    method: 'GET',
    url: check.url('/api/2.0/preview/scim/v2/Me'),
    bearer: { value: oauth, label: 'the OAuth token' },
  };
  const bare = await check.ask('A11 (no X-Databricks-Workspace-Id)', me);
  check.findings.push(
    `A11: a workspace API without \`X-Databricks-Workspace-Id\` on this unified host: HTTP ${statusOf(bare)}`,
  );
  if (host.workspaceId === undefined) {
    check.findings.push('A11: the metadata has no workspace_id, so no call carried the header');
    return;
  }
  check.workspaceHeaders = { 'X-Databricks-Workspace-Id': host.workspaceId };
}
