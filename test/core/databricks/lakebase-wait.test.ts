// The wait for a starting Lakebase instance is bounded by its own limit and the token's life, not by
// the exchange's two-minute run deadline. Real HTTP to the emulator; only time is simulated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/core/clock.ts';
import { createTransport } from '../../../src/core/http/transport.ts';
import {
  mintLakebaseCredential,
  type LakebaseCredential,
} from '../../../src/core/databricks/lakebase.ts';
import type { LogSink } from '../../../src/core/secrets/log.ts';
import { DEFAULT_RETRY_POLICY } from '../../../src/core/http/retry.ts';
import { SecretRegistry } from '../../../src/core/secrets/registry.ts';
import { startEmulator, type Emulator } from '../../emulator/index.ts';

const CLIENT_ID = '7cb2f8a4-49a7-4147-83db-35cb69e5cede';

function simulatedClock(): Clock {
  let now = Date.now();
  return { now: () => now, sleep: async (ms) => void (now += ms), random: () => 0.5 };
}

function collectingLog(lines: string[]): LogSink {
  return {
    info: (l) => lines.push(l),
    notice: (l) => lines.push(l),
    warning: (l) => lines.push(l),
  };
}

async function databricksToken(emulator: Emulator): Promise<string> {
  emulator.policies.addServicePrincipalPolicy({
    servicePrincipalId: '1',
    applicationId: CLIENT_ID,
    issuer: emulator.github.issuer,
    subject: emulator.github.claims.sub,
  });
  const form = new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    subject_token: emulator.github.mintJwt({ aud: emulator.account.accountId }),
    scope: 'all-apis',
    client_id: CLIENT_ID,
  });
  const response = await fetch(`${emulator.workspace.url}/oidc/v1/token`, {
    method: 'POST',
    body: form,
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

interface Attempt {
  result: Promise<LakebaseCredential>;
  /** Simulated time spent, read once the result has settled. */
  elapsed: () => number;
  lines: string[];
}

/** Mints for an instance that stays STARTING for `gets` reads, with a run deadline of 120 s. */
async function mintStartingInstance(
  emulator: Emulator,
  name: string,
  gets: number,
  tokenLifeMs: number,
): Promise<Attempt> {
  const accessToken = await databricksToken(emulator);
  emulator.lakebase.addInstance({
    name,
    state: 'STARTING',
    readWriteDns: 'db.example',
    becomesAvailableAfterGets: gets,
  });
  const clock = simulatedClock();
  const started = clock.now();
  const lines: string[] = [];
  const transport = createTransport('test');
  const result = mintLakebaseCredential(
    {
      transport,
      clock,
      log: collectingLog(lines),
      secrets: new SecretRegistry(() => undefined),
      policy: DEFAULT_RETRY_POLICY,
      deadline: started + 120_000,
    },
    {
      workspaceUrl: emulator.workspace.url,
      accessToken,
      tokenExpiresAt: new Date(started + tokenLifeMs),
      target: { kind: 'instance', name, database: 'databricks_postgres' },
      scope: 'all-apis',
    },
  );
  result.then(
    () => transport.dispose(),
    () => transport.dispose(),
  );
  return { result, elapsed: () => clock.now() - started, lines };
}

describe('waiting for a starting Lakebase instance', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(async () => emulator?.close());

  it('outlasts the run deadline while the token lives, then mints', async () => {
    const attempt = await mintStartingInstance(emulator, 'slow-db', 25, 3600_000);
    expect((await attempt.result).host).toBe('db.example');
    expect(attempt.elapsed()).toBeGreaterThan(120_000);
    expect(attempt.lines.filter((line) => line.includes('is STARTING; waiting'))).toHaveLength(25);
  });

  it('gives up clearly before the token expires', async () => {
    const attempt = await mintStartingInstance(emulator, 'stuck-db', 1000, 300_000);
    await expect(attempt.result).rejects.toThrow(
      /Lakebase instance "stuck-db" is still STARTING after \d+\.\d s\. Start it ahead of this step/,
    );
    expect(attempt.elapsed()).toBeLessThanOrEqual(270_000);
  });
});
