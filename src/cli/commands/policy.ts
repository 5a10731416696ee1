import {
  hashEscaped,
  logSafeJson,
  peekSubjectToken,
  policyCommands,
  suggestPolicy,
} from '../../core/index.ts';
import type { Session } from '../session.ts';
import type { CliSettings } from '../settings.ts';
import { writeStdout } from '../stdio.ts';

/**
 * The federation policy that would accept this job's token; no exchange. Claims go only inside
 * JSON strings (the commands' too), where `#` is escaped: no runner reads a command in them.
 */
export async function policyCommand(settings: CliSettings, session: Session): Promise<number> {
  const { ci, deps } = session.coreDeps(settings);
  const { claims } = await peekSubjectToken(settings.config, deps);
  const policy = suggestPolicy(ci, claims ?? {});
  const commands = policyCommands(policy);
  writeStdout(
    [
      logSafeJson({ oidc_policy: policy }, 2),
      '',
      '# for one service principal (its numeric ID):',
      hashEscaped(commands.servicePrincipal),
      '# account-wide (then omit --client-id): no subject; it signs in as the Databricks user',
      '# named by the claim you pin, which a CI token rarely holds: prefer the command above',
      hashEscaped(commands.accountWide),
      '',
    ].join('\n'),
  );
  return 0;
}
