// A large matrix build: 200 copies of the bundled action started at once against one workspace
// whose token endpoint admits 20 exchanges a second and answers the excess 429 + Retry-After.
// Every job must get its own token inside its deadline, and none may leak anything. The total time
// and the distribution of attempts are printed (not asserted: timing belongs to `npm run bench`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  JOB_SERVICE_PRINCIPAL,
  addJobPolicy,
  startEmulator,
  type Emulator,
} from '../emulator/index.ts';
import { findLeaks } from '../support/leaks.ts';
import { runAction, type ActionRun } from './runner.ts';

const SP_APPLICATION_ID = JOB_SERVICE_PRINCIPAL.applicationId;
const JOBS = 200;
const EXCHANGES_PER_SECOND = 20;
const RUN_DEADLINE_MS = 120_000;

interface Job {
  run: ActionRun;
  elapsedMs: number;
}

describe(`${JOBS} jobs at once against a token endpoint throttled to ${EXCHANGES_PER_SECOND}/s`, () => {
  let emulator: Emulator;
  const jobs: Job[] = [];
  let totalMs = 0;

  beforeAll(async () => {
    emulator = await startEmulator({ rateLimit: { exchangesPerSecond: EXCHANGES_PER_SECOND } });
    const { github, workspace } = emulator;
    addJobPolicy(emulator);
    const started = Date.now();
    jobs.push(
      ...(await Promise.all(
        Array.from({ length: JOBS }, async () => {
          const jobStarted = Date.now();
          const run = await runAction(
            { host: workspace.url, 'client-id': SP_APPLICATION_ID },
            { idToken: { url: github.requestUrl, token: github.requestToken } },
          );
          return { run, elapsedMs: Date.now() - jobStarted };
        }),
      )),
    );
    totalMs = Date.now() - started;
  }, 300_000);

  afterAll(async () => emulator?.close());

  it('every job succeeds inside its deadline', () => {
    const failed = jobs.filter((job) => job.run.exitCode !== 0).map((job) => job.run.errors);
    expect(failed).toEqual([]);
    for (const job of jobs) expect(job.elapsedMs).toBeLessThan(RUN_DEADLINE_MS + 10_000);
  });

  it('every job gets its own token, one the emulator issued', () => {
    const tokens = jobs.map((job) => job.run.outputs['token']);
    expect(new Set(tokens).size).toBe(JOBS);
    const issued = new Set(emulator.issuedTokens.map((t) => t.token));
    for (const token of tokens) expect(issued.has(token ?? '')).toBe(true);
  });

  it('the endpoint throttled, and the jobs waited instead of failing', () => {
    const exchanges = emulator.requests.filter((r) => r.path === '/oidc/v1/token');
    const throttled = exchanges.filter((r) => r.fault === 'rate-limit');
    expect(throttled.length).toBeGreaterThan(0);
    expect(exchanges.length - throttled.length).toBe(JOBS);
    // One retry line per throttled answer: every 429 was retried, none ended a job.
    const retryLines = jobs.flatMap((job) =>
      job.run.log.filter((line) => line.startsWith('Token exchange: HTTP 429')),
    );
    expect(retryLines).toHaveLength(throttled.length);

    const attempts = new Map<number, number>();
    for (const job of jobs) {
      const n =
        1 + job.run.log.filter((line) => line.startsWith('Token exchange: HTTP 429')).length;
      attempts.set(n, (attempts.get(n) ?? 0) + 1);
    }
    const elapsed = jobs.map((job) => job.elapsedMs).sort((a, b) => a - b);
    const at = (q: number) => elapsed[Math.min(elapsed.length - 1, Math.floor(q * elapsed.length))];
    console.log(
      [
        `${JOBS} jobs, token endpoint at ${EXCHANGES_PER_SECOND}/s: all done in ${(totalMs / 1000).toFixed(1)} s`,
        `  job wall time: median ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${elapsed.at(-1)} ms`,
        `  exchange attempts per job: ${[...attempts]
          .sort(([a], [b]) => a - b)
          .map(([n, count]) => `${n}: ${count}`)
          .join(', ')}`,
        `  429 answers: ${throttled.length}`,
      ].join('\n'),
    );
  });

  it('no job leaks a secret', () => {
    const secrets = [...emulator.secrets()];
    for (const job of jobs) expect(findLeaks(job.run, secrets)).toEqual([]);
  });
});
