import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/core/clock.ts';
import { Renewing, type Lease } from '../../../src/core/metadata-service/renewing.ts';

/** A clock the test moves; its sleeps never end, so a request waits for the renewal itself. */
function manualClock(): Clock & { at: number } {
  const clock = {
    at: 1_000_000,
    now: () => clock.at,
    sleep: () => new Promise<void>(() => undefined),
    random: () => 0.5,
  };
  return clock;
}

const quiet = { warnings: [] as string[] };
const log = {
  info: () => undefined,
  notice: () => undefined,
  warning: (line: string) => void quiet.warnings.push(line),
};

describe('Renewing', () => {
  it('serves the held credential until its margin, then renews once for concurrent callers', async () => {
    const clock = manualClock();
    let obtained = 0;
    const renewing = new Renewing<string>(
      'token',
      async () => ({ value: `t${++obtained}`, expiresAt: clock.at + 10_000 }),
      clock,
      log,
    );
    renewing.hold({ value: 't0', expiresAt: clock.at + 10_000 }); // margin: 5 s
    clock.at += 4000;
    expect(await renewing.current()).toBe('t0');
    clock.at += 2000; // 4 s left, inside the margin
    expect(await Promise.all([renewing.current(), renewing.current()])).toEqual(['t1', 't1']);
    expect(obtained).toBe(1);
  });

  it('answers with the held credential while a renewal fails, retries after a pause, and fails once it expired', async () => {
    const clock = manualClock();
    let attempts = 0;
    const renewing = new Renewing<string>(
      'token',
      (): Promise<Lease<string>> => {
        attempts++;
        return Promise.reject(new Error('refused'));
      },
      clock,
      log,
    );
    renewing.hold({ value: 'held', expiresAt: clock.at + 10_000 });
    clock.at += 7000;
    expect(await renewing.current()).toBe('held');
    expect(await renewing.current()).toBe('held'); // within the pause: no new attempt
    expect(attempts).toBe(1);
    expect(quiet.warnings.at(-1)).toMatch(/still valid for 3 s/);
    clock.at += 2600; // the pause (half the 5-s margin) is over; 400 ms left
    expect(await renewing.current()).toBe('held');
    expect(attempts).toBe(2);
    clock.at += 1000; // expired
    await expect(renewing.current()).rejects.toThrow('refused');
  });
});
