// Standard output and error, written synchronously. Apart from system.ts, which loads
// child_process, so that the cached `token` path writes without it.
import { writeSync } from 'node:fs';
import { StageError } from '../core/startup.ts';

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
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EPIPE')
        throw new StageError(
          'outputs',
          `${fd === 1 ? 'stdout' : 'stderr'} was closed before everything was written (EPIPE)`,
          'What reads it (a pipe such as | head, a helper that gave up) exited first: let it read the whole answer, or write the hand-off with --output FILE',
        );
      if (code !== 'EAGAIN') throw error;
    }
  }
}
