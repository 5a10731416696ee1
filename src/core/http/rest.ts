import type { Stage } from '../errors.ts';
import { codeOrText, parseJsonObject, type JsonObject } from './json.ts';
import { callWithRetries, type CallContext } from './retry.ts';

/** A Databricks REST answer other than 2xx, in the REST error shape (`error_code`, `message`). */
export class RestError extends Error {
  override name = 'RestError';
  readonly status: number;
  readonly errorCode: string | undefined;
  /** The server's own message, sanitised. */
  readonly detail: string | undefined;

  constructor(status: number, errorCode: string | undefined, detail: string | undefined) {
    super(
      `HTTP ${status}${errorCode === undefined ? '' : ` ${errorCode}`}${detail === undefined ? '' : `: ${detail}`}`,
    );
    this.status = status;
    this.errorCode = errorCode;
    this.detail = detail;
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

/**
 * One Databricks REST call with the shared retry policy; resolves to the JSON object it answered.
 * Any 2xx is success and an empty body reads as `{}`, as in every SDK (PY `_base_client.py`: empty
 * content is `{}`; GO's deletes read no body): what a delete answers is not in public sources.
 */
export async function callRest(ctx: CallContext, call: RestCall): Promise<JsonObject> {
  const response = await callWithRetries(ctx, call, () => ({
    method: call.method,
    url: call.url,
    headers: {
      Authorization: `Bearer ${call.bearer}`,
      Accept: 'application/json',
      // Every REST call here is a workspace API: the SDKs send it whenever the ID is known.
      ...(ctx.workspaceId === undefined ? {} : { 'X-Databricks-Workspace-Id': ctx.workspaceId }),
      ...(call.body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
  }));
  const empty = response.body.trim() === '';
  const json = empty ? {} : parseJsonObject(response.body);
  if (response.status < 200 || response.status >= 300) {
    const text = (key: string): string | undefined => {
      const value = codeOrText(json, key);
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
