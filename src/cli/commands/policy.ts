import {
  audiences,
  audienceToRecommend,
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
  const { claims = {}, target } = await peekSubjectToken(settings.config, deps);
  const recommended = audienceToRecommend(ci, claims, [target.accountId, target.tokenEndpoint]);
  const policy = suggestPolicy(ci, claims, recommended);
  const commands = policyCommands(policy);
  // Claims are untrusted: the audience is shown JSON-quoted and #-escaped, like the policy below.
  const misset = logSafeJson(audiences(claims).join(', '));
  writeStdout(
    [
      ...(recommended === undefined
        ? []
        : [
            `# the token's audience ${misset} is neither the account ID nor the token endpoint: this policy`,
            `# lists ${recommended} instead; set the token's audience (in the job's YAML) to it`,
          ]),
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
