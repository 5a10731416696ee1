// Standard output and error, written synchronously. Apart from system.ts, which loads
// child_process, so that the cached `token` path writes without it.
import { writeSync } from 'node:fs';

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
