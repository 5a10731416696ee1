import { shellQuote, type CiName } from '../core/index.ts';
import type { Format } from './handoff.ts';
import { runCommand } from './system.ts';

const NO_MASKING: Partial<Record<CiName, string>> = {
  gitlab: 'GitLab',
  circleci: 'CircleCI',
  bitbucket: 'Bitbucket Pipelines',
  jenkins: 'Jenkins',
  'terraform-cloud': 'HCP Terraform',
  kubernetes: 'Kubernetes',
};

/**
 * Masks every secret with the CI's own mechanism, before the first byte that holds one is written:
 * returns the masking lines that go first on stdout; Buildkite's redactor is fed directly.
 */
export async function maskSecrets(
  ci: CiName | undefined,
  format: Format,
  secrets: string[],
  note: (line: string) => void,
): Promise<string[]> {
  const values = secrets.filter((value) => value !== '');
  const command = (line: string): string =>
    format === 'shell' ? `printf '%s\\n' ${shellQuote(line)}` : line;
  if (format === 'github' || ci === 'github') return values.map((v) => command(`::add-mask::${v}`));
  if (format === 'azure' || ci === 'azure-devops')
    return values.map((v) => command(`##vso[task.setsecret]${v}`));
  if (ci === 'buildkite') {
    for (const value of values) {
      const result = await runCommand('buildkite-agent', ['redactor', 'add'], value);
      if (result === undefined || result.exitCode !== 0) {
        note(
          'buildkite-agent redactor add is not available (agent older than v3.67?): the token is not redacted from the log; prefer exec or serve',
        );
        break;
      }
    }
    return [];
  }
  const name = ci === undefined ? undefined : NO_MASKING[ci];
  note(
    `${name ?? 'This environment'} cannot mask values at run time: the hand-off holds the token as is, so do not print it; exec or serve never write the token anywhere`,
  );
  return [];
}
