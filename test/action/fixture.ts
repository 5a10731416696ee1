// Shared set-up for the end-to-end suites: one emulator per file, a fresh state per test,
// and helpers that run the bundled action against it and check that nothing leaked.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import {
  addJobPolicy,
  JOB_SERVICE_PRINCIPAL,
  startEmulator,
  type Emulator,
} from '../emulator/index.ts';
import { findLeaks } from '../support/leaks.ts';
import { runAction, type ActionRun, type RunOptions } from './runner.ts';

export const SP_APPLICATION_ID = JOB_SERVICE_PRINCIPAL.applicationId;
export const SP_NUMERIC_ID = JOB_SERVICE_PRINCIPAL.numericId;

export interface Fixture {
  emulator: Emulator;
  /** Runs the action as the runner would, with the OIDC variables unless `idToken: undefined` is given. */
  run(
    inputs: Record<string, string>,
    options?: RunOptions & { withoutIdToken?: boolean },
  ): Promise<ActionRun>;
  /** The default policy: the emulator's job subject, audience = the workspace token endpoint. */
  addServicePrincipalPolicy(overrides?: { subject?: string; audiences?: string[] }): void;
}

export function useEmulator(): Fixture {
  const fixture = {} as Fixture;
  beforeAll(async () => {
    fixture.emulator = await startEmulator();
  });
  afterAll(async () => fixture.emulator?.close());
  beforeEach(() => fixture.emulator.reset());
  fixture.run = async (inputs, options = {}) => {
    const { github } = fixture.emulator;
    const idToken = options.withoutIdToken
      ? undefined
      : { url: github.requestUrl, token: github.requestToken };
    const result = await runAction(inputs, { ...options, ...(idToken && { idToken }) });
    expect(findLeaks(result, [...fixture.emulator.secrets(), github.requestToken])).toEqual([]);
    return result;
  };
  fixture.addServicePrincipalPolicy = (overrides) => addJobPolicy(fixture.emulator, overrides);
  return fixture;
}

export { requestsTo } from '../emulator/index.ts';

/** A RUNNER_TEMP of its own per test, that outlives the step (the service keeps files there). */
export function useRunnerTemp(): { readonly dir: string } {
  const temp = { dir: '' };
  beforeEach(async () => {
    temp.dir = await mkdtemp(join(tmpdir(), 'runner-temp-'));
  });
  afterEach(async () => rm(temp.dir, { recursive: true, force: true }));
  return temp;
}
