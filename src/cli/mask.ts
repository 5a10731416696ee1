import {
  CI_ROWS,
  OUTPUT_READERS,
  shellQuote,
  type CiName,
  type Environment,
} from '../core/index.ts';
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
  /** The job's environment: the runner that reads the output decides the masking (see maskingRunner). */
  env?: Environment;
  format: Format;
  secrets: string[];
  note: (line: string) => void;
  /** What the no-masking note says the output holds; no note without it (token, exec). */
  holds?: string;
  /** stdout carries data that is parsed or sourced later (json, dotenv; serve's variables). */
  stdoutIsData: boolean;
  /** stdout is not ours to write (token's answer is captured, exec's is the child's): stderr only. */
  stderrOnly?: boolean;
}

/**
 * The runner whose log the output reaches, which is the one whose masking counts (OUTPUT_READERS,
 * GitHub's first: the Azure source, first in detection, may have given the token in a GitHub job).
 * Otherwise the CI the token came from (an explicit token gives none).
 */
export function maskingRunner(
  env: Environment | undefined,
  ci: CiName | undefined,
): CiName | undefined {
  const reader = OUTPUT_READERS.find(({ variable, value }) =>
    value === undefined ? Boolean(env?.[variable]) : env?.[variable] === value,
  );
  return reader?.ci ?? ci;
}

/**
 * Masks every secret with the CI's own mechanism before the first byte that holds one is written.
 * GitHub and Azure read masking commands from the step's output. GitHub's runner reads workflow
 * commands at the start of a line, on stdout and stderr; Azure's agent reads `##vso[` anywhere in
 * a line, on both too. So they go first on stdout, each a line of its own (with the shell format,
 * also a printed copy, so that an eval registers them too), except where stdout is not ours or,
 * on GitHub, is data: there they go to stderr. Buildkite's redactor is fed directly.
 */
export async function announceMasks(request: MaskRequest): Promise<void> {
  const { format, note, holds, stdoutIsData } = request;
  const values = request.secrets.filter((value) => value !== '');
  const runner = format === 'github' ? 'github' : maskingRunner(request.env, request.ci);
  const row = runner === undefined ? undefined : CI_ROWS[runner];
  const stderrOnly = request.stderrOnly === true;
  if (row?.masking === 'add-mask') {
    const toStderr = stderrOnly || stdoutIsData;
    const shell = format === 'shell' && !toStderr;
    return void writeMasks(values.map((v) => gitHubMask(v, shell)).join(''), toStderr);
  }
  if (row?.masking === 'setsecret') {
    if (stdoutIsData && !stderrOnly && format !== 'shell')
      note(
        "stdout starts with Azure's task.setsecret lines: use --output FILE for a file with the hand-off alone",
      );
    const shell = format === 'shell' && !stderrOnly;
    return void writeMasks(values.map((v) => azureMask(v, shell)).join(''), stderrOnly);
  }
  if (row?.masking === 'redactor') return redact(values, note);
  if (holds === undefined) return;
  const name = row === undefined ? 'This environment' : (row.maskingLabel ?? row.label);
  note(`${name} cannot mask values at run time: ${holds}`);
}

/**
 * `::add-mask::` as a line of its own; for the shell format inside a heredoc that an eval passes to
 * `:` (a no-op), followed by a printf that prints it under eval, once the value is already masked.
 */
function gitHubMask(value: string, shell: boolean): string {
  const line = `::add-mask::${value}\n`;
  if (!shell) return line;
  return `: <<'DATABRICKS_OIDC_MASK'\n${line}DATABRICKS_OIDC_MASK\nprintf '::%s\\n' ${shellQuote(`add-mask::${value}`)}\n`;
}

/**
 * `##vso[task.setsecret]` as a line of its own (a comment to a shell that evals it); for the shell
 * format followed by a printf that prints it under eval, written so that the printf line holds no
 * `##vso[` (the agent would take the quote after the value as part of the secret).
 */
function azureMask(value: string, shell: boolean): string {
  const line = `##vso[task.setsecret]${value}\n`;
  return shell ? `${line}printf '##%s\\n' ${shellQuote(`vso[task.setsecret]${value}`)}\n` : line;
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
