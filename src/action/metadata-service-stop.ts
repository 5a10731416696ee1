// The post step's half of export-env: metadata-service: stop the detached service the main step
// started and delete libpq's password file. Self-contained, so that post.ts only calls it.
import * as core from '@actions/core';
import { readFileSync, rmSync } from 'node:fs';

export const SERVICE_STATE = {
  pid: 'metadata-service-pid',
  passfile: 'metadata-service-passfile',
} as const;

/** The service's bundle name: a pid that now belongs to another process is left alone. */
export const SERVICE_MARK = 'metadata-service';

const STOP_WAIT_MS = 2000;

/** Never a reason for the post step to fail or to skip what follows (revoking a PAT). */
export async function stopMetadataService(): Promise<void> {
  try {
    await stop();
  } catch (error) {
    core.warning(
      `The metadata service could not be stopped cleanly (${error instanceof Error ? error.message : String(error)}); the runner ends it with the job`,
    );
  }
}

async function stop(): Promise<void> {
  const pid = Number(core.getState(SERVICE_STATE.pid));
  const passfile = core.getState(SERVICE_STATE.passfile);
  if (Number.isInteger(pid) && pid > 0 && isOurService(pid)) {
    signal(pid, 'SIGTERM');
    for (let waited = 0; waited < STOP_WAIT_MS && alive(pid); waited += 100)
      await new Promise((resolve) => setTimeout(resolve, 100));
    if (alive(pid)) signal(pid, 'SIGKILL');
    core.info(`The metadata service (pid ${pid}) is stopped`);
  }
  if (passfile !== '') {
    rmSync(passfile, { force: true });
    core.info('The Lakebase password file is deleted');
  }
}

function isOurService(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(SERVICE_MARK);
  } catch {
    // No /proc (macOS): the pid is trusted while it is alive.
    return alive(pid);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}
