import { STATUS_CODES, type ServerResponse } from 'node:http';
import { htmlReply, jsonReply, sendReply, sleep, type Reply } from './http-util.ts';
import type { Fault, FaultScript, RouteName } from './types.ts';

interface Entry {
  fault: Fault;
  remaining: number;
}

/** Per-route FIFO queues of scripted faults, one consumed per request. */
export class FaultQueue implements FaultScript {
  readonly #queues = new Map<RouteName, Entry[]>();

  add(route: RouteName, fault: Fault, times = 1): void {
    if (!(times === Infinity || (Number.isInteger(times) && times > 0))) {
      throw new Error(`fault times must be a positive integer or Infinity, got ${times}`);
    }
    const queue = this.#queues.get(route) ?? [];
    queue.push({ fault, remaining: times });
    this.#queues.set(route, queue);
  }

  clear(): void {
    this.#queues.clear();
  }

  take(route: RouteName): Fault | undefined {
    const queue = this.#queues.get(route);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    return head.fault;
  }
}

/** Whether the route's real handler runs (and its side effects happen) under this fault. */
export function faultRunsHandler(fault: Fault): boolean {
  return (
    fault.kind === 'delay' ||
    fault.kind === 'trickle' ||
    fault.kind === 'reset-mid-body' ||
    fault.kind === 'late-reply' ||
    fault.kind === 'rewrite'
  );
}

function statusBody(status: number, body: string | object | undefined): Reply {
  if (typeof body === 'string') {
    return { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body };
  }
  const fallback = { error_code: 'TEMPORARILY_UNAVAILABLE', message: STATUS_CODES[status] ?? '' };
  return jsonReply(status, body ?? fallback);
}

/** The reply of a fault that replaces the answer outright, or undefined for delivery faults. */
export function faultReply(fault: Fault): Reply | undefined {
  switch (fault.kind) {
    case 'status': {
      const reply = statusBody(fault.status, fault.body);
      return { ...reply, headers: { ...reply.headers, ...fault.headers } };
    }
    case 'html':
      return htmlReply(fault.status, `${fault.status} ${STATUS_CODES[fault.status] ?? 'Error'}`);
    case 'malformed-json':
      return {
        status: fault.status ?? 200,
        headers: { 'content-type': 'application/json' },
        body: '{"value": "truncated',
      };
    case 'json':
      return jsonReply(fault.status, fault.body);
    case 'redirect':
      return { status: fault.status ?? 302, headers: { location: fault.location }, body: '' };
    case 'throttled':
      return jsonReply(400, {
        error: 'invalid_request',
        error_description: 'Temporarily throttled, too many requests',
      });
    default:
      return undefined;
  }
}

/** Sends headers and half of the body (announcing the full length), then closes the socket. */
export function sendPartialThenDestroy(res: ServerResponse, reply: Reply): void {
  const body = Buffer.from(reply.body, 'utf8');
  const announced = Math.max(body.length, 1); // an empty body could not be cut short
  res.writeHead(reply.status, { ...reply.headers, 'content-length': String(announced) });
  res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
}

/** Sends the reply at about `bytesPerSecond`, in ten slices per second. */
export async function sendTrickle(
  res: ServerResponse,
  reply: Reply,
  bytesPerSecond: number,
): Promise<void> {
  const body = Buffer.from(reply.body, 'utf8');
  const slice = Math.max(1, Math.floor(bytesPerSecond / 10));
  res.writeHead(reply.status, { ...reply.headers, 'content-length': String(body.length) });
  for (let offset = 0; offset < body.length; offset += slice) {
    if (res.destroyed) return;
    res.write(body.subarray(offset, offset + slice));
    await sleep((slice / bytesPerSecond) * 1000);
  }
  res.end();
}

/** Delivers `reply` (the real handler's answer, if it ran) as the fault dictates. */
export async function deliverWithFault(
  res: ServerResponse,
  fault: Fault,
  reply: () => Promise<Reply>,
): Promise<void> {
  const replacement = faultReply(fault);
  if (replacement) return sendReply(res, replacement);
  switch (fault.kind) {
    case 'reset':
      res.socket?.resetAndDestroy();
      return;
    case 'hang':
      return; // the connection stays open until the client gives up or the emulator closes
    case 'delay':
      await sleep(fault.ms);
      return sendReply(res, await reply());
    case 'late-reply': {
      // the handler runs (and commits) first: a client that times out has still created the thing
      const real = await reply();
      if (fault.ms === undefined) return; // hangs until the client gives up or the emulator closes
      await sleep(fault.ms);
      return sendReply(res, real);
    }
    case 'trickle':
      return sendTrickle(res, await reply(), fault.bytesPerSecond);
    case 'rewrite': {
      const real = await reply();
      const body = JSON.parse(real.body) as Record<string, unknown>;
      return sendReply(res, jsonReply(real.status, fault.edit(body)));
    }
    case 'reset-mid-body': {
      const real = await reply();
      return sendPartialThenDestroy(res, { ...real, status: fault.status ?? real.status });
    }
    default:
      return;
  }
}
