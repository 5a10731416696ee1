/** A sliding one-second window over admitted requests. */
export class RateLimiter {
  readonly #perSecond: number;
  readonly #admitted: number[] = [];

  constructor(perSecond: number) {
    if (!(perSecond > 0))
      throw new Error(`rateLimit.exchangesPerSecond must be > 0, got ${perSecond}`);
    this.#perSecond = perSecond;
  }

  admit(now = Date.now()): boolean {
    while (this.#admitted.length > 0 && (this.#admitted[0] ?? 0) <= now - 1000) {
      this.#admitted.shift();
    }
    if (this.#admitted.length >= this.#perSecond) return false;
    this.#admitted.push(now);
    return true;
  }

  reset(): void {
    this.#admitted.length = 0;
  }
}
