// The live check's token probes: a PAT that deletes itself (D8, C5), what the dead PAT then gets
// (C3), and, when asked for, an on-behalf-of token's owner fields and its delete (E5, C5).
// Everything minted here is registered in check.minted first, so that the clean-up deletes it.
import { randomBytes } from 'node:crypto';
import { isTokenShaped, jsonOf, stringAt, type Probe } from './live-check-http.ts';
import { code, isSuccess, statusOf, type Answer } from './live-check-report.ts';
import type { Check, Minted } from './live-check-run.ts';

/** Ten minutes: the backstop should a delete fail; the check is over within a minute. */
const LIFETIME_SECONDS = 600;
const SCIM_ME = '/api/2.0/preview/scim/v2/Me';

/** The comment every minted token carries: the way to find a token the check could not delete. */
export const COMMENT = `databricks-oidc live-check ${new Date().toISOString()}`;

const bearer = (value: string, label: string) => ({ value, label });

/** How a successful answer's body looks: what C5 asks. */
function successBody(answer: Answer): string {
  if ('failed' in answer) return 'no answer';
  const body = answer.body.trim();
  const kind = body === '' ? 'an empty body' : body === '{}' ? '`{}`' : 'a body with fields';
  return `HTTP ${answer.status} with ${kind}`;
}

/** The error code and message of a refusal, redacted, as the report shows them. */
function refusal(check: Check, answer: Answer): string {
  if ('failed' in answer) return `no answer (${code(check.redactor.text(answer.failed, 120))})`;
  const json = (() => {
    try {
      return JSON.parse(answer.body) as unknown;
    } catch {
      return undefined;
    }
  })();
  const text = (value: unknown) => code(check.redactor.text(String(value ?? '—'), 160));
  const object = (json ?? {}) as Record<string, unknown>;
  const reason = answer.headers['x-databricks-reason-phrase'];
  const parts = [`HTTP ${answer.status}`];
  if (json === undefined) parts.push(answer.body === '' ? 'empty body' : 'a body that is not JSON');
  else
    parts.push(
      `error_code ${text(object['error_code'])} (${typeof object['error_code']})`,
      `message ${text(object['message'] ?? object['detail'])}`,
    );
  if (reason !== undefined) parts.push(`X-Databricks-Reason-Phrase ${text(reason)}`);
  return parts.join(', ');
}

/** A create without a complete answer (or with a server error) may have made a token all the same. */
function mayHaveMinted(answer: Answer): boolean {
  return 'failed' in answer || answer.status >= 500;
}

/** Lists the tokens and takes those with this run's comment into the clean-up. */
async function adopt(
  check: Check,
  kind: Minted['kind'],
  list: Probe,
  remove: (id: string) => Probe,
) {
  const infos = jsonOf(await check.ask('clean-up', list))?.['token_infos'];
  for (const info of Array.isArray(infos) ? infos : []) {
    const id = stringAt(info, 'token_id');
    if (stringAt(info, 'comment') !== COMMENT || !isTokenShaped(id)) continue;
    check.redactor.name(id, '[token-id]');
    check.minted.push({ kind, id, remove: remove(id), deleted: false });
  }
}

/** SCIM Me with the exchanged token (F4): the caller's SCIM id, for E5. */
export async function probeMe(check: Check, oauth: string): Promise<string | undefined> {
  const answer = await check.ask(
    'F4',
    check.workspace({
      method: 'GET',
      url: check.url(SCIM_ME),
      bearer: bearer(oauth, 'the OAuth token'),
    }),
  );
  const id = stringAt(jsonOf(answer), 'id');
  check.redactor.name(id, '[caller-scim-id]');
  return id;
}

function deletePat(check: Check, id: string, token: string, label: string): Probe {
  return check.workspace({
    method: 'POST',
    url: check.url('/api/2.0/token/delete'),
    bearer: bearer(token, label),
    json: { token_id: id },
  });
}

/** The token a create answered with, registered for clean-up before anything else is asked. */
function mint(check: Check, kind: Minted['kind'], answer: Answer, remove: (id: string) => Probe) {
  const json = jsonOf(answer);
  const value = stringAt(json, 'token_value');
  const id = stringAt(json, 'token_info', 'token_id');
  if (!isTokenShaped(value) || !isTokenShaped(id)) return undefined;
  check.secrets.add(value);
  check.redactor.name(id, '[token-id]');
  const minted: Minted = { kind, id, remove: remove(id), deleted: false };
  check.minted.push(minted);
  return { minted, value };
}

export async function probePats(check: Check, oauth: string): Promise<void> {
  const created = await check.ask(
    'D1, D2',
    check.workspace({
      method: 'POST',
      url: check.url('/api/2.0/token/create'),
      bearer: bearer(oauth, 'the OAuth token'),
      json: { lifetime_seconds: LIFETIME_SECONDS, comment: COMMENT },
    }),
  );
  const removeWithOauth = (id: string) => deletePat(check, id, oauth, 'the OAuth token');
  const pat = mint(check, 'PAT', created, removeWithOauth);
  if (pat === undefined) {
    if (mayHaveMinted(created)) {
      const list = {
        method: 'GET',
        url: check.url('/api/2.0/token/list'),
        bearer: bearer(oauth, 'the OAuth token'),
      } as const;
      await adopt(check, 'PAT', check.workspace(list), removeWithOauth);
    }
    check.findings.push(
      `A PAT could not be created with the exchanged token: ${refusal(check, created)}`,
    );
    return;
  }
  const { minted, value } = pat;
  const self = await check.ask('D8, C5', deletePat(check, minted.id, value, 'the PAT itself'));
  minted.deleted = isSuccess(self);
  check.findings.push(
    minted.deleted
      ? `D8: a PAT may delete itself: yes. C5: \`token/delete\` succeeded with ${successBody(self)}`
      : `D8: a PAT may delete itself: **no**: ${refusal(check, self)}`,
  );
  if (!minted.deleted) {
    const again = await check.ask('D7, C5', minted.remove);
    minted.deleted = isSuccess(again);
    if (minted.deleted)
      check.findings.push(`C5: \`token/delete\` succeeded with ${successBody(again)}`);
  }
  if (minted.deleted) await probeDeadPat(check, minted.id, value, oauth);
}

/** C3: what a deleted PAT and a made-up one get; D7: deleting a deleted id. */
async function probeDeadPat(check: Check, id: string, dead: string, oauth: string): Promise<void> {
  const me = (token: string, label: string): Probe =>
    check.workspace({ method: 'GET', url: check.url(SCIM_ME), bearer: bearer(token, label) });
  const deadMe = await check.ask('C3', me(dead, 'the deleted PAT'));
  check.findings.push(`C3: a deleted PAT on a workspace API: ${refusal(check, deadMe)}`);
  const deadDelete = await check.ask('C3, D7', deletePat(check, id, dead, 'the deleted PAT'));
  check.findings.push(`C3: the deleted PAT deleting itself again: ${refusal(check, deadDelete)}`);
  const madeUp = `dapi${randomBytes(16).toString('hex')}`;
  const unknown = await check.ask('C3', me(madeUp, 'a made-up PAT'));
  check.findings.push(`C3: a made-up PAT on a workspace API: ${refusal(check, unknown)}`);
  await check.ask('D7', deletePat(check, id, oauth, 'the OAuth token'));
}

const MANAGEMENT = '/api/2.0/token-management';

export async function probeObo(
  check: Check,
  oauth: string,
  callerId: string | undefined,
): Promise<void> {
  const applicationId = check.settings.oboApplicationId;
  const asked = `POST ${MANAGEMENT}/on-behalf-of/tokens`;
  if (applicationId === undefined) {
    check.skip('E1–E6', asked, 'not asked for: set LIVE_CHECK_OBO_APPLICATION_ID');
    return;
  }
  const auth = bearer(oauth, 'the OAuth token');
  const filter = new URLSearchParams({ filter: `applicationId eq "${applicationId}"` });
  const scim = await check.ask(
    'F1, F3',
    check.workspace({
      method: 'GET',
      url: check.url(`/api/2.0/preview/scim/v2/ServicePrincipals?${filter}`),
      bearer: auth,
    }),
  );
  const resources = jsonOf(scim)?.['Resources'];
  const spId = Array.isArray(resources) ? stringAt(resources[0], 'id') : undefined;
  check.redactor.name(spId, '[sp-scim-id]');
  const created = await check.ask(
    'E1, E2, E3',
    check.workspace({
      method: 'POST',
      url: check.url(`${MANAGEMENT}/on-behalf-of/tokens`),
      bearer: auth,
      json: { application_id: applicationId, lifetime_seconds: LIFETIME_SECONDS, comment: COMMENT },
    }),
  );
  const remove = (id: string): Probe =>
    check.workspace({
      method: 'DELETE',
      url: check.url(`${MANAGEMENT}/tokens/${encodeURIComponent(id)}`),
      bearer: auth,
    });
  const list = (): Probe =>
    check.workspace({ method: 'GET', url: check.url(`${MANAGEMENT}/tokens`), bearer: auth });
  const obo = mint(check, 'on-behalf-of token', created, remove);
  if (obo === undefined) {
    if (mayHaveMinted(created)) await adopt(check, 'on-behalf-of token', list(), remove);
    check.findings.push(`E1–E3: on-behalf-of create refused: ${refusal(check, created)}`);
    return;
  }
  const listed = await check.ask('E4, E5', list());
  reportOwner(check, listed, obo.minted.id, spId, callerId);
  const removed = await check.ask('E6, C5', obo.minted.remove);
  obo.minted.deleted = isSuccess(removed);
  check.findings.push(
    obo.minted.deleted
      ? `C5: the Token Management delete succeeded with ${successBody(removed)}`
      : `E6: the Token Management delete failed: ${refusal(check, removed)}`,
  );
}

/** E5: owner_id and created_by_id of the OBO token in the list, their types, and whom they name. */
function reportOwner(
  check: Check,
  list: Answer,
  id: string,
  spId: string | undefined,
  callerId: string | undefined,
): void {
  const infos = jsonOf(list)?.['token_infos'];
  const entry = Array.isArray(infos)
    ? (infos.find((info) => stringAt(info, 'token_id') === id) as
        Record<string, unknown> | undefined)
    : undefined;
  if (entry === undefined) {
    check.findings.push(
      `E4: the new on-behalf-of token is not in the list (HTTP ${statusOf(list)})`,
    );
    return;
  }
  const same = (value: unknown, other: string | undefined) =>
    other === undefined ? 'unknown' : String(value) === other ? 'yes' : '**no**';
  check.findings.push(
    `E5: the listed token: ${code(check.redactor.shape(entry))}`,
    `E5: \`owner_id\` is a ${typeof entry['owner_id']}; equals the service principal's SCIM id: ${same(entry['owner_id'], spId)}; ` +
      `\`created_by_id\` is a ${typeof entry['created_by_id']}; equals the caller's SCIM id: ${same(entry['created_by_id'], callerId)}`,
    `E5: an id above 2^53 in the list: ${'failed' in list ? 'unknown' : unsafeIds(list.body) ? '**yes**' : 'no'}`,
  );
}

/** Whether any `*_id` number in a JSON text is too large for a JavaScript number. */
function unsafeIds(body: string): boolean {
  return [...body.matchAll(/"\w*_id"\s*:\s*(\d{16,})/g)].some(
    ([, digits]) => BigInt(digits ?? '0') > BigInt(Number.MAX_SAFE_INTEGER),
  );
}

/** Deletes what a probe left behind; the lines of the report's clean-up section. */
export async function cleanUp(check: Check): Promise<string[]> {
  for (const minted of check.minted.filter((m) => !m.deleted)) {
    const answer = await check.ask('clean-up', minted.remove);
    minted.deleted = isSuccess(answer) || ('status' in answer && answer.status === 404);
  }
  const left = check.minted.filter((m) => !m.deleted);
  if (check.minted.length === 0) return ['This check created no token.'];
  if (left.length === 0)
    return [
      `Every token this check created was deleted (${check.minted.map((m) => m.kind).join(', ')}).`,
    ];
  return left.map(
    (m) =>
      `**NOT deleted**: the ${m.kind} with token id ${code(m.id)} (comment ${code(COMMENT)}). ` +
      `A workspace admin deletes it with ${code(`databricks token-management delete ${m.id}`)}; ` +
      `it expires ${LIFETIME_SECONDS / 60} minutes after it was made. Remove this line before you paste the report`,
  );
}
