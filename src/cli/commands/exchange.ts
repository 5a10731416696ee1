import { obtainCredentials } from '../../core/index.ts';
import type { ParsedArgs } from '../args.ts';
import { prepareDelivery, requestedFormat } from '../delivery.ts';
import { mintedPat, patRevokeCommand, revokeMinted, type MintedPat } from '../revoke.ts';
import { credentialEnv, type Session } from '../session.ts';
import type { CliSettings } from '../settings.ts';

export async function exchangeCommand(
  args: ParsedArgs,
  settings: CliSettings,
  session: Session,
): Promise<number> {
  requestedFormat(args);
  const { ci, deps } = session.coreDeps(settings);
  const deliver = await prepareDelivery(args, session, ci);
  let minted: MintedPat | undefined;
  const credentials = await obtainCredentials(settings.config, {
    ...deps,
    onPat: (pat, workspaceUrl) => (minted = mintedPat(pat, workspaceUrl, settings, deps)),
  });
  if (minted !== undefined)
    session.log.info(
      `DATABRICKS_TOKEN is the job-scoped PAT ${minted.saved.tokenId}; nothing revokes it for you: run ${patRevokeCommand(minted.saved)} in the pipeline's final (always-run) step`,
    );
  try {
    await deliver(credentialEnv(credentials));
  } catch (error) {
    // A PAT nobody received must not outlive this run.
    if (minted !== undefined) await revokeMinted(session, minted);
    throw error;
  }
  return 0;
}
