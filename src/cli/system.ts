// The only place the command line touches the machine for the core: files, commands, stdio.
import { spawn } from 'node:child_process';
import { writeSync } from 'node:fs';
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

/** Written at once and in order: a mask must precede the secret it hides. */
export function writeStdout(text: string): void {
  writeAll(1, text);
}

export function writeStderr(text: string): void {
  writeAll(2, text);
}

function writeAll(fd: number, text: string): void {
  const buffer = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < buffer.length) {
    try {
      offset += writeSync(fd, buffer, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    }
  }
}
