import type { Clock } from '../clock.ts';
import { describeFailure } from '../errors.ts';
import type { LogSink } from '../secrets/log.ts';

/** The most a credential is renewed ahead of its expiry. */
export const MAX_REFRESH_MARGIN_MS = 120_000;
/** A request waits this long for a renewal while the held credential still works. */
const RENEWAL_WAIT_MS = 5000;
/** After a failed renewal, the next one starts no sooner than this (or half the margin). */
const RETRY_AFTER_FAILURE_MS = 10_000;

/**
 * How long before its expiry a credential is renewed: two minutes, or half its life when that is
 * shorter (a margin longer than the life would mean a renewal per request).
 */
export function refreshMargin(lifetimeMs: number): number {
  return Math.max(0, Math.min(MAX_REFRESH_MARGIN_MS, lifetimeMs / 2));
}

export interface Lease<T> {
  value: T;
  /** Epoch milliseconds. */
  expiresAt: number;
}

interface Held<T> extends Lease<T> {
  margin: number;
}

/**
 * One credential, renewed on demand near its expiry, one renewal at a time. When a renewal fails
 * the credential still held is answered while it is valid; only then does the failure reach the caller.
 */
export class Renewing<T> {
  readonly #obtain: () => Promise<Lease<T>>;
  readonly #clock: Clock;
  readonly #log: LogSink;
  readonly #what: string;
  #held: Held<T> | undefined;
  #pending: Promise<Lease<T>> | undefined;
  #retryAt = 0;
  #lastError: unknown;

  constructor(what: string, obtain: () => Promise<Lease<T>>, clock: Clock, log: LogSink) {
    this.#what = what;
    this.#obtain = obtain;
    this.#clock = clock;
    this.#log = log;
  }

  /** Holds a credential obtained elsewhere (the first one, before the service starts). */
  hold(lease: Lease<T>): void {
    this.#held = { ...lease, margin: refreshMargin(lease.expiresAt - this.#clock.now()) };
  }

  /** The credential held, if any (for the passfile and the log). */
  get held(): Lease<T> | undefined {
    return this.#held;
  }

  /** When the held credential should be renewed, epoch milliseconds (0 when none is held). */
  get renewAt(): number {
    return this.#held === undefined ? 0 : this.#held.expiresAt - this.#held.margin;
  }

  /** A credential that is valid now: the held one, or a renewed one. */
  async current(): Promise<T> {
    const now = this.#clock.now();
    const held = this.#held;
    const valid = held !== undefined && now < held.expiresAt;
    if (valid && now < held.expiresAt - held.margin) return held.value;
    if (valid && now < this.#retryAt) return held.value;
    if (!valid && now < this.#retryAt) throw this.#lastError;
    const renewal = this.renew();
    if (!valid) return (await renewal).value;
    const waited = await Promise.race([
      renewal.then(
        (lease) => lease.value,
        () => held.value,
      ),
      this.#clock.sleep(RENEWAL_WAIT_MS).then(() => held.value),
    ]);
    return this.#clock.now() < held.expiresAt ? waited : (await renewal).value;
  }

  /** Renews now (joining a renewal under way); the failure is logged and rethrown. */
  renew(): Promise<Lease<T>> {
    this.#pending ??= this.#obtain()
      .then(
        (lease) => {
          this.hold(lease);
          this.#retryAt = 0;
          return lease;
        },
        (error: unknown) => {
          this.#lastError = error;
          const margin = this.#held?.margin ?? RETRY_AFTER_FAILURE_MS;
          this.#retryAt = this.#clock.now() + Math.min(RETRY_AFTER_FAILURE_MS, margin / 2);
          const left = this.#held === undefined ? 0 : this.#held.expiresAt - this.#clock.now();
          this.#log.warning(
            `Renewing the ${this.#what} failed${left > 0 ? ` (the one held is still valid for ${Math.round(left / 1000)} s and is served meanwhile)` : ''}: ${describeFailure(error)}`,
          );
          throw error;
        },
      )
      .finally(() => (this.#pending = undefined));
    return this.#pending;
  }
}
