import { shellQuote, type CiName } from '../core/index.ts';
import type { Format } from './handoff.ts';
import { writeStderr, writeStdout } from './stdio.ts';
import { runCommand } from './system.ts';

/** What the no-masking note says the hand-off holds, and what never writes it. */
export const HOLDS_TOKEN =
  'the hand-off holds the token as is, so do not print it; exec or serve never write the token anywhere';
export const HOLDS_SERVICE_URL =
  'the hand-off holds the metadata service URL, which hands out tokens, so do not print it; serve -- CMD never writes it anywhere';

export interface MaskRequest {
  ci: CiName | undefined;
  format: Format;
  secrets: string[];
  note: (line: string) => void;
  holds: string;
  /** stdout carries only data (json or dotenv, no --output): a pipe or jq reads it. */
  stdoutIsData: boolean;
}

/**
 * Masks the secrets, then writes the masking lines before anything that holds a secret. They go
 * first on stdout, except where stdout must stay pure data: GitHub's runner also reads workflow
 * commands on stderr, so there they go to stderr. Azure's agent reads logging commands on stdout
 * only (and a failOnStderr step fails on stderr), so there they stay first on stdout.
 */
export async function announceMasks(request: MaskRequest): Promise<void> {
  const { ci, format, secrets, note, holds, stdoutIsData } = request;
  const masks = await maskSecrets(ci, format, secrets, note, holds);
  if (masks.length === 0) return;
  const text = masks.map((line) => `${line}\n`).join('');
  const github = format === 'github' || ci === 'github';
  if (stdoutIsData && github) return writeStderr(text);
  if (stdoutIsData)
    note(
      'stdout starts with the ##vso[task.setsecret] lines (the agent reads them only there): use --output FILE for a file with the hand-off alone',
    );
  writeStdout(text);
}

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
  holds: string,
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
  note(`${name ?? 'This environment'} cannot mask values at run time: ${holds}`);
  return [];
}
