import { StageError } from '../errors.ts';
import { codeOrText, parseJsonObject, type JsonObject } from '../http/json.ts';
import { callWithRetries, type CallContext } from '../http/retry.ts';
import type { SecretRegistry } from '../secrets/registry.ts';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

export interface ExchangeParams {
  tokenEndpoint: string;
  /** Called before every attempt, so a retry can present a fresh JWT. */
  subjectToken: () => Promise<string>;
  clientId: string | undefined;
  scope: string;
}

export interface DatabricksToken {
  accessToken: string;
  /** Computed from `expires_in` at the moment the answer arrived; undefined if the server gave none. */
  expiresAt: Date | undefined;
}

/** Databricks said no: the OAuth error, for the policy diagnosis. */
export class ExchangeRefusedError extends StageError {
  readonly status: number;
  readonly oauthError: string | undefined;
  readonly description: string | undefined;

  constructor(
    status: number,
    oauthError: string | undefined,
    description: string | undefined,
    hint: string,
  ) {
    const detail = [oauthError, description].filter((part) => part !== undefined).join(': ');
    super(
      'exchange',
      `Databricks refused the token (HTTP ${status}${detail === '' ? '' : ` ${detail}`})`,
      hint,
    );
    this.status = status;
    this.oauthError = oauthError;
    this.description = description;
  }
}

/** RFC 8693: trade the identity provider's JWT for a Databricks OAuth token. */
export async function exchangeToken(
  ctx: CallContext,
  params: ExchangeParams,
): Promise<DatabricksToken> {
  const label = { stage: 'exchange', what: 'Token exchange' } as const;
  const response = await callWithRetries(ctx, label, async () => {
    const form = new URLSearchParams({
      grant_type: TOKEN_EXCHANGE_GRANT,
      subject_token_type: JWT_TOKEN_TYPE,
      subject_token: await params.subjectToken(),
      scope: params.scope,
    });
    if (params.clientId !== undefined) form.set('client_id', params.clientId);
    return {
      method: 'POST',
      url: params.tokenEndpoint,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: form.toString(),
    };
  });
  const receivedAt = ctx.clock.now();
  const body = parseJsonObject(response.body);
  if (response.status !== 200) throw refusal(response.status, body, params, ctx.secrets);
  const accessToken = body?.['access_token'];
  if (typeof accessToken !== 'string' || accessToken === '')
    throw new StageError(
      'exchange',
      `Databricks answered HTTP ${response.status} without an access_token`,
      'Check that host is a Databricks workspace or account URL; re-run the job if it was a passing fault',
    );
  ctx.secrets.addCredential(
    accessToken,
    () =>
      new StageError(
        'exchange',
        'the access_token Databricks answered with is not a token (a character outside the token alphabet, or longer than 16 KiB)',
        'No Databricks token does; check that host is the Databricks URL itself, not a proxy or look-alike',
      ),
  );
  const expiresIn = parseExpiresIn(body?.['expires_in']);
  return {
    accessToken,
    expiresAt: expiresIn === undefined ? undefined : new Date(receivedAt + expiresIn * 1000),
  };
}

/** Ten years: a longer life is no OAuth token's, and a far larger one is beyond any Date. */
const MAX_EXPIRES_IN_SECONDS = 10 * 366 * 24 * 3600;

/**
 * `expires_in` as a number or a numeric string, per the SDKs' leniency; anything else, or a life
 * beyond ten years, is unknown.
 */
export function parseExpiresIn(value: unknown): number | undefined {
  const seconds =
    typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
  return typeof seconds === 'number' && seconds >= 0 && seconds <= MAX_EXPIRES_IN_SECONDS
    ? seconds
    : undefined;
}

function refusal(
  status: number,
  body: JsonObject | undefined,
  params: ExchangeParams,
  secrets: SecretRegistry,
): StageError {
  if (body === undefined)
    return new StageError(
      'exchange',
      `Databricks answered HTTP ${status} with a body that is not JSON`,
      'Check that host is the Databricks workspace or account URL, and not a proxy or login page',
    );
  // The OAuth shape, or the Okta-style shape some Databricks endpoints use.
  const text = (key: string): string | undefined => {
    const value = codeOrText(body, key);
    return value === undefined ? undefined : secrets.sanitise(value);
  };
  return new ExchangeRefusedError(
    status,
    text('error') ?? text('errorCode') ?? text('error_code'),
    text('error_description') ?? text('errorSummary') ?? text('message'),
    refusalHint(status, params),
  );
}

/** What to fix follows from what was sent: the endpoint, and whether a client-id was. */
export function refusalHint(status: number, params: ExchangeParams): string {
  const account = /\/oidc\/accounts\/([^/]+)\/v1\/token$/.exec(params.tokenEndpoint)?.[1];
  if (status === 404 && account !== undefined)
    return `No account ${decodeURIComponent(account)} answers at this console: check account-id (the account console shows it in the top-right menu) and that host is the console of that account`;
  if (status === 404)
    return 'No token endpoint answers at this host: check that host is the URL of a Databricks workspace or account console';
  if (params.clientId === undefined)
    return 'No client-id was given, so only an account federation policy could accept the token; for a CI job set client-id to the application ID of a service principal and create its federation policy (suggested above)';
  return `Make the federation policy match the token exactly as shown above (issuer, audience, subject), and check that client-id ${params.clientId} is the application ID of the service principal that owns it`;
}
