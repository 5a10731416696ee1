import { formatDuration, type Clock } from '../clock.ts';
import { StageError, type Stage } from '../errors.ts';
import { permanentNetworkFailure } from './network-failure.ts';
import { NetworkError, type HttpRequest, type HttpResponse, type Transport } from './transport.ts';
import type { LogSink } from '../secrets/log.ts';
import type { SecretRegistry } from '../secrets/registry.ts';

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  attemptTimeoutMs: number;
}

/**
 * Five attempts, full-jitter backoff from 0.5 s up to 8 s, 15 s per attempt: a transient fault
 * costs seconds, and even the worst case stays well inside the 5-minute life of a GitHub token.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 8000,
  attemptTimeoutMs: 15_000,
};

/** Everything a call to a remote service needs. */
export interface CallContext {
  transport: Transport;
  clock: Clock;
  log: LogSink;
  /** Every credential a call receives is registered here before anything else reads it. */
  secrets: SecretRegistry;
  policy: RetryPolicy;
  /** Epoch ms after which no new attempt starts. */
  deadline: number;
  /** The workspace a unified host routes workspace API calls to (X-Databricks-Workspace-Id). */
  workspaceId?: string | undefined;
}

export type Verdict = 'success' | 'retry' | 'fail';

/** A call as the log and the error messages name it: its stage, and what it asks for. */
export interface CallLabel {
  stage: Stage;
  what: string;
  /**
   * false for a call that must not run twice (token/create): retried only when the request
   * provably never reached the server, or on 429/503 that carry Retry-After.
   */
  idempotent?: boolean;
}

const THROTTLED =
  /temporarily throttled|too many requests|request limit exceeded|token bucket limit|temporarily_unavailable/i;

/**
 * The error codes the Go SDK retries at any status (both map to ErrTooManyRequests,
 * apierr/error_mapping.go); matched as words, in the error_code field or at the head of a message.
 */
const THROTTLE_CODES = /\b(?:REQUEST_LIMIT_EXCEEDED|RESOURCE_EXHAUSTED)\b/;

/** `retry` split in two: throttling says "later", not "broken", and is retried until the deadline. */
type Judgement = 'success' | 'transient' | 'throttled' | 'fail';

function judge(status: number, body: string): Judgement {
  if (status >= 200 && status < 300) return 'success';
  const head = body.slice(0, 2000);
  if (status === 429 || (status >= 400 && THROTTLE_CODES.test(head))) return 'throttled';
  if (status >= 400 && status < 500 && THROTTLED.test(head)) return 'throttled';
  if (status === 408 || status === 425 || (status >= 500 && status < 600)) return 'transient';
  return 'fail';
}

/** Which answers are worth another attempt: transient server trouble and throttling, never a refusal. */
export function classifyResponse(status: number, body: string): Verdict {
  const judgement = judge(status, body);
  return judgement === 'transient' || judgement === 'throttled' ? 'retry' : judgement;
}

/**
 * Throttling answers are retried until the run deadline rather than counted against maxAttempts,
 * so that a large matrix of jobs hitting a rate limit together all get through (the Databricks
 * SDKs likewise wait out 429s for minutes).
 */
export function isThrottling(status: number, body: string): boolean {
  return judge(status, body) === 'throttled';
}

/** `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3), in ms from now; undefined if unusable. */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now: number,
): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (text === undefined || text === '') return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return undefined;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Full jitter: uniformly random between 0 and the capped exponential step. */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}

/**
 * Sends a request until it gets an answer that is not transient, and returns that answer
 * (success or refusal, for the caller to interpret). Redirects are refused outright.
 */
export async function callWithRetries(
  ctx: CallContext,
  label: CallLabel,
  buildRequest: () => HttpRequest | Promise<HttpRequest>,
): Promise<HttpResponse> {
  const { clock, policy } = ctx;
  let failures = 0;
  for (let attempt = 1; ; attempt++) {
    const remaining = ctx.deadline - clock.now();
    if (remaining <= 0) throw gaveUp(ctx.secrets, label, attempt - 1, 'the deadline passed');
    const request = await buildRequest();
    let reason: string;
    let retryAfterMs: number | undefined;
    let throttled = false;
    try {
      const response = await ctx.transport.send(
        request,
        Math.min(policy.attemptTimeoutMs, remaining),
      );
      if (response.status >= 300 && response.status < 400)
        throw redirected(ctx.secrets, label, response);
      const judgement = judge(response.status, response.body);
      if (judgement === 'success' || judgement === 'fail') return response;
      reason = `HTTP ${response.status}`;
      throttled = judgement === 'throttled';
      retryAfterMs = parseRetryAfter(response.headers['retry-after'], clock.now());
      if (label.idempotent === false && !mayRepeat(response.status, retryAfterMs)) return response;
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error;
      const permanent = permanentNetworkFailure(label, request.url, error);
      if (permanent !== undefined) throw permanent;
      if (label.idempotent === false && !error.unsent)
        throw unsure(ctx.secrets, label, error.message);
      reason = error.message;
    }
    if (!throttled) failures++;
    if (failures >= policy.maxAttempts) throw gaveUp(ctx.secrets, label, attempt, reason);
    const delay = Math.max(backoffDelay(attempt - 1, policy, clock.random), retryAfterMs ?? 0);
    if (clock.now() + delay >= ctx.deadline)
      throw gaveUp(
        ctx.secrets,
        label,
        attempt,
        `${reason}, and waiting ${formatDuration(delay)} would pass the deadline`,
      );
    const budget = throttled
      ? 'throttled, retrying until the deadline'
      : `of ${policy.maxAttempts - 1}`;
    ctx.log.info(
      `${label.what}: ${ctx.secrets.sanitise(reason)}; retry ${attempt} ${budget} in ${formatDuration(delay)}`,
    );
    await clock.sleep(delay);
  }
}

/** A non-idempotent call is repeated only on an explicit "not done, come back later". */
function mayRepeat(status: number, retryAfterMs: number | undefined): boolean {
  return (status === 429 || status === 503) && retryAfterMs !== undefined;
}

function unsure(secrets: SecretRegistry, { stage, what }: CallLabel, reason: string): StageError {
  return new StageError(
    stage,
    `${what} got no answer (${secrets.sanitise(reason)}), and it is not repeated because the server may have done it`,
    'Re-run the job; if the server did create a token, it expires at its lifetime and a sweep by its comment finds it',
  );
}

function gaveUp(
  secrets: SecretRegistry,
  { stage, what }: CallLabel,
  attempts: number,
  reason: string,
): StageError {
  return new StageError(
    stage,
    `${what} did not succeed after ${attempts} attempt${attempts === 1 ? '' : 's'} (last: ${secrets.sanitise(reason)})`,
    'This looks transient (network, outage or throttling): re-run the job; if it persists, check connectivity and proxy settings from the runner',
    { kind: 'transient' },
  );
}

function redirected(
  secrets: SecretRegistry,
  { stage, what }: CallLabel,
  response: HttpResponse,
): StageError {
  const location = secrets.sanitise(String(response.headers.location ?? 'nowhere'), 120);
  return new StageError(
    stage,
    `${what} answered with a redirect (HTTP ${response.status} to ${location}), which is never followed on a request that carries a credential`,
    'Set host to the Databricks URL itself (not a proxy, vanity or login URL)',
  );
}
