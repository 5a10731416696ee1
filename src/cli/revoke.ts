// Revoking the job-scoped PAT this run minted (exec when the child exits; exchange when the hand-off
// fails): with the PAT itself, else a fresh exchange. A PAT left valid is said loudly on stderr.
import {
  obtainCredentials,
  REVOKE_POLICY,
  revokeJobPat,
  systemClock,
  type CoreDeps,
  type Credentials,
  type Pat,
  type RevokeFallback,
  type SavedPat,
} from '../core/index.ts';
import type { Session } from './session.ts';
import type { CliSettings } from './settings.ts';
import { writeStderr } from './stdio.ts';

/** No runner grace to fit in, but a CI kills a cancelled job after its own: stay short. */
export const REVOKE_BUDGET_MS = 10_000;

export interface MintedPat {
  saved: SavedPat;
  fallback: RevokeFallback;
}

/** What revoking needs, captured the moment the PAT exists (CoreDeps.onPat). */
function mintedPat(
  pat: Pat,
  workspaceUrl: string,
  settings: CliSettings,
  deps: CoreDeps,
): MintedPat {
  return {
    saved: { workspaceUrl, tokenId: pat.id, value: pat.value },
    fallback: revokeFallback(settings, deps),
  };
}

/**
 * The exchange (and what it mints), then `then`; a PAT minted on the way is revoked, or said
 * loudly that it could not be, when anything after it fails: nobody received it.
 */
export async function withJobPat<T>(
  session: Session,
  settings: CliSettings,
  deps: CoreDeps,
  then: (credentials: Credentials, pat: MintedPat | undefined) => Promise<T>,
): Promise<T> {
  const held: { pat?: MintedPat } = {};
  try {
    const credentials = await obtainCredentials(settings.config, {
      ...deps,
      onPat: (pat, workspaceUrl) => (held.pat = mintedPat(pat, workspaceUrl, settings, deps)),
    });
    return await then(credentials, held.pat);
  } catch (error) {
    if (held.pat !== undefined) await revokeMinted(session, held.pat);
    throw error;
  }
}

/** The same exchange again, minting nothing: what `pat revoke` and the fallback authenticate with. */
export function revokeFallback(settings: CliSettings, deps: CoreDeps): RevokeFallback {
  return {
    config: { ...settings.config, lakebase: undefined, pat: undefined, obo: undefined },
    subjectToken: deps.subjectToken,
  };
}

/** The command a later step runs to revoke a PAT by its id (printed after every mint). */
export function patRevokeCommand(saved: Pick<SavedPat, 'workspaceUrl' | 'tokenId'>): string {
  return `databricks-oidc pat revoke --token-id ${saved.tokenId} --host ${saved.workspaceUrl}`;
}

/** Revokes it; on failure prints the error (token id, manual command) and returns it. */
export async function revokeMinted(
  session: Session,
  { saved, fallback }: MintedPat,
): Promise<unknown> {
  const transport = session.freshTransport();
  const deps = {
    transport,
    clock: systemClock,
    log: session.log,
    secrets: session.secrets,
    policy: REVOKE_POLICY,
  };
  try {
    const revocation = await revokeJobPat(saved, fallback, deps, REVOKE_BUDGET_MS);
    const what =
      revocation.outcome === 'revoked' ? `revoked with ${revocation.by}` : 'already gone';
    session.log.info(`The job-scoped PAT ${saved.tokenId} is ${what}`);
    return undefined;
  } catch (error) {
    writeStderr(session.errorLine(error));
    writeStderr(
      `databricks-oidc: or, from any later step with the same settings: ${patRevokeCommand(saved)}\n`,
    );
    return error;
  } finally {
    transport.dispose();
  }
}
