import { peekSubjectToken, policyCommands, suggestPolicy } from '../../core/index.ts';
import type { Session } from '../session.ts';
import type { CliSettings } from '../settings.ts';
import { writeStdout } from '../stdio.ts';

/** The federation policy that would accept this job's token; no exchange. */
export async function policyCommand(settings: CliSettings, session: Session): Promise<number> {
  const { ci, deps } = session.coreDeps(settings);
  const { claims } = await peekSubjectToken(settings.config, deps);
  const policy = suggestPolicy(ci, claims ?? {});
  const commands = policyCommands(policy);
  writeStdout(
    [
      JSON.stringify({ oidc_policy: policy }, null, 2),
      '',
      '# for one service principal (its numeric ID):',
      commands.servicePrincipal,
      '# account-wide (then omit --client-id): no subject; it signs in as the Databricks user',
      '# named by the claim you pin, which a CI token rarely holds: prefer the command above',
      commands.accountWide,
      '',
    ].join('\n'),
  );
  return 0;
}
