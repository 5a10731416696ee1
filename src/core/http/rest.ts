import type { Stage } from '../errors.ts';
import { parseJsonObject, stringField, type JsonObject } from './json.ts';
import { callWithRetries, type CallContext } from './retry.ts';

/** A Databricks REST answer other than 200, in the REST error shape (`error_code`, `message`). */
export class RestError extends Error {
  override name = 'RestError';
  readonly status: number;
  readonly errorCode: string | undefined;

  constructor(status: number, errorCode: string | undefined, message: string | undefined) {
    super(
      `HTTP ${status}${errorCode === undefined ? '' : ` ${errorCode}`}${message === undefined ? '' : `: ${message}`}`,
    );
    this.status = status;
    this.errorCode = errorCode;
  }
}

export interface RestCall {
  stage: Stage;
  what: string;
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  bearer: string;
  body?: unknown;
  /** false: see CallLabel.idempotent. */
  idempotent?: boolean;
}

/** One Databricks REST call with the shared retry policy; resolves to the JSON object it answered. */
export async function callRest(ctx: CallContext, call: RestCall): Promise<JsonObject> {
  const response = await callWithRetries(ctx, call, () => ({
    method: call.method,
    url: call.url,
    headers: {
      Authorization: `Bearer ${call.bearer}`,
      Accept: 'application/json',
      ...(call.body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
  }));
  const json = parseJsonObject(response.body);
  if (response.status !== 200) {
    const text = (key: string): string | undefined => {
      const value = stringField(json, key);
      return value === undefined ? undefined : ctx.secrets.sanitise(value, 200);
    };
    throw new RestError(
      response.status,
      text('error_code') ?? text('scimType'),
      text('message') ?? text('detail'),
    );
  }
  if (json === undefined)
    throw new RestError(response.status, undefined, 'the answer is not a JSON object');
  return json;
}
