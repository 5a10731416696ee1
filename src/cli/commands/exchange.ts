import type { ParsedArgs } from '../args.ts';
import { prepareDelivery, requestedFormat } from '../delivery.ts';
import { patRevokeCommand, withJobPat } from '../revoke.ts';
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
  await withJobPat(session, settings, deps, async (credentials, pat) => {
    if (pat !== undefined)
      session.log.info(
        `DATABRICKS_TOKEN is the job-scoped PAT ${pat.saved.tokenId}; nothing revokes it for you: run ${patRevokeCommand(pat.saved)} in the pipeline's final (always-run) step`,
      );
    await deliver(credentialEnv(credentials));
  });
  return 0;
}
