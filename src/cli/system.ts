// The only place the command line touches the machine for the core: files and commands (stdio.ts
// writes stdout and stderr).
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { CommandResult } from '../core/index.ts';

export const readTextFile = (path: string): Promise<string> => readFile(path, 'utf8');

/** Runs a command to completion; `undefined` when it does not exist. Its stderr stays captured. */
export function runCommand(
  command: string,
  args: string[],
  stdin?: string,
): Promise<CommandResult | undefined> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') resolve(undefined);
      else resolve({ exitCode: 127, stdout, stderr: error.message });
    });
    child.on('close', (code) => resolve({ exitCode: code ?? 1, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}
