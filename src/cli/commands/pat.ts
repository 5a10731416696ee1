// `pat revoke --token-id ID`: the final step of a pipeline that minted a PAT with exchange.
import { invalidSetting, quoted, revokePatById } from '../../core/index.ts';
import type { ParsedArgs } from '../args.ts';
import { REVOKE_BUDGET_MS, revokeFallback } from '../revoke.ts';
import type { Session } from '../session.ts';
import type { CliSettings } from '../settings.ts';

const TOKEN_ID = /^[A-Za-z0-9_-]{1,128}$/;

export async function patRevokeCommand(
  args: ParsedArgs,
  settings: CliSettings,
  session: Session,
): Promise<number> {
  const tokenId = readTokenId(args, session);
  // A final step has no cancel grace to fit in: the exchange's usual retries, then a bounded delete.
  const { deps } = session.coreDeps(settings);
  const revocation = await revokePatById(
    tokenId,
    revokeFallback(settings, deps),
    deps,
    REVOKE_BUDGET_MS,
  );
  session.log.info(
    revocation.outcome === 'revoked'
      ? `The PAT ${tokenId} is revoked (with a fresh exchange)`
      : `The PAT ${tokenId} is already gone: this identity has no such live token in ${revocation.workspaceUrl} (revoked, expired, or never its own)`,
  );
  return 0;
}

function readTokenId(args: ParsedArgs, session: Session): string {
  const given = typeof args.flags['token-id'] === 'string' ? args.flags['token-id'].trim() : '';
  if (given === '')
    throw invalidSetting(
      'token-id',
      'is not set',
      'Give the id of the PAT to revoke: DATABRICKS_PAT_ID from the exchange that minted it',
    );
  // The PAT itself in the wrong flag: a secret from here on, and refused.
  if (/^dapi/i.test(given)) {
    session.secrets.add(given);
    throw invalidSetting(
      'token-id',
      'is a token, not a token id',
      'Give DATABRICKS_PAT_ID (the token id), never the token itself',
    );
  }
  if (!TOKEN_ID.test(given))
    throw invalidSetting(
      'token-id',
      `${quoted(given)} is not a token id`,
      'Give DATABRICKS_PAT_ID from the exchange that minted the PAT (letters, digits, - and _)',
    );
  return given;
}
