// node tools/dist-diff.ts: run by .ci/run when dist/ differs from a fresh build. For each file that
// differs it prints the sizes, the first differing byte and the text around it in the committed and
// the fresh bundle, so a failure on a machine nobody can log into still says what changed. dist/
// holds only bundled public code, so printing it leaks nothing.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, homedir } from 'node:os';

const CONTEXT = 160;
const git = (...args: string[]): Buffer =>
  execFileSync('git', args, { maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'ignore'] });

function firstDifference(a: Buffer, b: Buffer): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i;
  return length;
}

function tracked(path: string): Buffer | undefined {
  try {
    return git('show', `HEAD:${path}`);
  } catch {
    return undefined;
  }
}

const around = (bytes: Buffer, at: number): string =>
  JSON.stringify(bytes.subarray(Math.max(0, at - CONTEXT), at + CONTEXT).toString('latin1'));

// `git status --porcelain`: modified, deleted and new files alike ("XY path" per line).
const changed = git('status', '--porcelain', '--untracked-files=all', '--', 'dist')
  .toString()
  .split('\n')
  .filter(Boolean)
  .map((line) => line.slice(3));
for (const path of changed) {
  const committed = tracked(path);
  const fresh = existsSync(path) ? readFileSync(path) : undefined;
  if (committed === undefined || fresh === undefined) {
    console.log(
      `${path}: ${committed === undefined ? 'new, not committed' : 'committed, not built'}`,
    );
    continue;
  }
  const at = firstDifference(committed, fresh);
  console.log(`${path}: committed ${committed.length} bytes, fresh ${fresh.length} bytes`);
  console.log(`  first difference at byte ${at}`);
  console.log(`  committed: ${around(committed, at)}`);
  console.log(`  fresh:     ${around(fresh, at)}`);
}
const mode = git('diff', '--summary', '--', 'dist').toString().trim();
if (mode) console.log(mode);
console.log(
  `node ${process.version}, cwd ${process.cwd()}, home ${homedir()}, ` +
    `XDG_CACHE_HOME ${process.env['XDG_CACHE_HOME'] ?? '(unset)'}, ${cpus().length} cpus, ` +
    `umask ${process.umask().toString(8)}`,
);
