// `obo mint` and `obo prune`: the two phases of a partner service principal's token rotation.
import {
  invalidSetting,
  logSafeJson,
  obtainCredentials,
  type ManagedToken,
  type PruneResult,
} from '../../core/index.ts';
import type { ParsedArgs } from '../args.ts';
import { prepareDelivery, requestedFormat } from '../delivery.ts';
import type { Session } from '../session.ts';
import type { CliSettings } from '../settings.ts';
import { writeStdout } from '../stdio.ts';

const NO_PRINCIPAL =
  'Name the partner service principal with --application-id: its application ID (a UUID) or display name (e.g. FIVETRAN_USER)';

/** Mints an on-behalf-of token and hands it off as exchange does; the OAuth token is not handed off. */
export async function oboMintCommand(
  args: ParsedArgs,
  settings: CliSettings,
  session: Session,
): Promise<number> {
  if (settings.config.obo?.mint === undefined)
    throw invalidSetting('application-id', 'is not set', NO_PRINCIPAL);
  requestedFormat(args);
  const { ci, deps } = session.coreDeps(settings);
  const deliver = await prepareDelivery(args, session, ci);
  const { tokens } = await obtainCredentials(settings.config, deps);
  const minted = tokens?.oboMint;
  if (minted === undefined) throw new Error('the on-behalf-of token was asked for but not minted');
  await deliver({
    DATABRICKS_OBO_TOKEN: minted.token.value,
    DATABRICKS_OBO_TOKEN_ID: minted.token.id,
    DATABRICKS_OBO_TOKEN_EXPIRES_AT: minted.token.expiresAt?.toISOString() ?? '',
    DATABRICKS_OBO_APPLICATION_ID: minted.principal.applicationId,
  });
  return 0;
}

/** Deletes the older marked tokens (or, with --dry-run, only says which) and prints the plan. */
export async function oboPruneCommand(
  args: ParsedArgs,
  settings: CliSettings,
  session: Session,
): Promise<number> {
  if (settings.config.obo?.prune === undefined)
    throw invalidSetting('application-id', 'is not set', NO_PRINCIPAL);
  const { tokens } = (await session.credentials(settings)).credentials;
  const result = tokens?.oboPrune;
  if (result === undefined) throw new Error('the prune was asked for but not run');
  writeStdout(
    args.flags['json'] === true ? pruneJson(result, session) : pruneText(result, session),
  );
  return 0;
}

function pruneJson({ principal, plan, dryRun }: PruneResult, session: Session): string {
  const list = (tokens: ManagedToken[]): object[] =>
    tokens.map((t) => ({
      token_id: t.id,
      comment: session.secrets.redact(t.comment),
      created: t.createdAt?.toISOString() ?? null,
      expires: t.expiresAt?.toISOString() ?? null,
    }));
  return `${logSafeJson({
    application_id: principal.applicationId,
    display_name: session.secrets.redact(principal.displayName),
    dry_run: dryRun,
    kept: list(plan.keep),
    [dryRun ? 'would_delete' : 'deleted']: list(plan.remove),
    untouched: list(plan.untouched),
  })}\n`;
}

function pruneText({ principal, plan, dryRun }: PruneResult, session: Session): string {
  const clean = (text: string): string => session.secrets.sanitise(text, 120);
  const line = (label: string, t: ManagedToken): string =>
    `${label.padEnd(12)} ${t.id}  created ${t.createdAt?.toISOString() ?? '?'}  expires ${t.expiresAt?.toISOString() ?? 'never'}  ${clean(t.comment)}\n`;
  return [
    `# ${clean(principal.displayName)} (${principal.applicationId})${dryRun ? ': dry run, nothing deleted' : ''}\n`,
    ...plan.keep.map((t) => line('kept', t)),
    ...plan.remove.map((t) => line(dryRun ? 'would delete' : 'deleted', t)),
    ...plan.untouched.map((t) => line('untouched', t)),
  ].join('');
}
