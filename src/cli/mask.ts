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
  /** stdout carries data that is parsed or sourced later (json, dotenv; serve's variables). */
  stdoutIsData: boolean;
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
 * Masks every secret with the CI's own mechanism before the first byte that holds one is written.
 * GitHub and Azure read masking commands from the step's output: they go first on stdout (as
 * `printf` lines in the shell format, so that an eval prints them), except where stdout is data on
 * GitHub, whose runner also reads workflow commands on stderr: there they go to stderr as they are.
 * Azure's agent reads logging commands on stdout only (and a failOnStderr step fails on stderr),
 * so there they stay first on stdout. Buildkite's redactor is fed directly.
 */
export async function announceMasks(request: MaskRequest): Promise<void> {
  const { ci, format, note, holds, stdoutIsData } = request;
  const values = request.secrets.filter((value) => value !== '');
  const github = format === 'github' || ci === 'github';
  const toStderr = stdoutIsData && github;
  const command = (line: string): string =>
    format === 'shell' && !toStderr ? `printf '%s\\n' ${shellQuote(line)}` : line;
  const lines = (prefix: string): string => values.map((v) => `${command(prefix + v)}\n`).join('');
  if (github) return void writeMasks(lines('::add-mask::'), toStderr);
  if (format === 'azure' || ci === 'azure-devops') {
    if (stdoutIsData && format !== 'shell')
      note(
        'stdout starts with the ##vso[task.setsecret] lines (the agent reads them only there): use --output FILE for a file with the hand-off alone',
      );
    return void writeMasks(lines('##vso[task.setsecret]'), false);
  }
  if (ci === 'buildkite') return redact(values, note);
  const name = ci === undefined ? undefined : NO_MASKING[ci];
  note(`${name ?? 'This environment'} cannot mask values at run time: ${holds}`);
}

function writeMasks(text: string, toStderr: boolean): void {
  if (toStderr) writeStderr(text);
  else writeStdout(text);
}

async function redact(values: string[], note: (line: string) => void): Promise<void> {
  for (const value of values) {
    const result = await runCommand('buildkite-agent', ['redactor', 'add'], value);
    if (result === undefined || result.exitCode !== 0) {
      note(
        'buildkite-agent redactor add is not available (agent older than v3.67?): the token is not redacted from the log; prefer exec or serve',
      );
      return;
    }
  }
}
