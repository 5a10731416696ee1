import type { RequestOptions } from 'node:http';
import type { RequestHandler } from '@actions/http-client/lib/interfaces';

/** Carries an attempt's id from `send` to the handler; removed before the request is made. */
const ATTEMPT_HEADER = 'x-databricks-oidc-attempt';

/**
 * Gives each attempt an AbortSignal, so that a timed-out attempt destroys its request and socket
 * even before any header arrived: @actions/http-client returns no request object to destroy, and
 * its own socket timeout is fixed when the client is made (and ends, not destroys, the socket).
 */
export class AttemptSignals implements RequestHandler {
  private readonly signals = new Map<string, AbortSignal>();
  private next = 0;

  /** The header to send with the attempt, and a release for when it is over. */
  register(signal: AbortSignal): { headers: Record<string, string>; release: () => void } {
    const id = String(this.next++);
    this.signals.set(id, signal);
    return { headers: { [ATTEMPT_HEADER]: id }, release: () => this.signals.delete(id) };
  }

  prepareRequest(options: RequestOptions): void {
    const headers = options.headers as Record<string, unknown> | undefined;
    const id = headers?.[ATTEMPT_HEADER];
    if (headers !== undefined) Reflect.deleteProperty(headers, ATTEMPT_HEADER);
    const signal = typeof id === 'string' ? this.signals.get(id) : undefined;
    if (signal !== undefined) options.signal = signal;
  }

  canHandleAuthentication(): boolean {
    return false;
  }

  handleAuthentication(): never {
    throw new Error('AttemptSignals handles no authentication');
  }
}
