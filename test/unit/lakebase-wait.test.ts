// The wait for a starting Lakebase instance is bounded by its own limit and the token's life, not by
// the exchange's two-minute run deadline. Real HTTP to the emulator; only time is simulated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock.ts';
import { createTransport } from '../../src/http.ts';
import { mintLakebaseCredential } from '../../src/lakebase.ts';
import type { LogSink } from '../../src/log.ts';
import { DEFAULT_RETRY_POLICY } from '../../src/retry.ts';
import { SecretRegistry } from '../../src/secrets.ts';
import { startEmulator, type Emulator } from '../emulator/index.ts';

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

describe('waiting for a starting Lakebase instance', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(async () => emulator?.close());

  it('outlasts the run deadline while the token lives, then mints', async () => {
    const accessToken = await databricksToken(emulator);
    emulator.lakebase.addInstance({
      name: 'slow-db',
      state: 'STARTING',
      readWriteDns: 'db.example',
      becomesAvailableAfterGets: 25,
    });
    const clock = simulatedClock();
    const started = clock.now();
    const lines: string[] = [];
    const transport = createTransport('test');
    try {
      const credential = await mintLakebaseCredential(
        {
          transport,
          clock,
          log: collectingLog(lines),
          policy: DEFAULT_RETRY_POLICY,
          deadline: started + 120_000,
        },
        new SecretRegistry(() => undefined),
        {
          workspaceUrl: emulator.workspace.url,
          accessToken,
          tokenExpiresAt: new Date(started + 3600_000),
          target: { kind: 'instance', name: 'slow-db', database: 'databricks_postgres' },
        },
      );
      expect(credential.host).toBe('db.example');
      expect(clock.now() - started).toBeGreaterThan(120_000);
      expect(lines.filter((line) => line.includes('is STARTING; waiting'))).toHaveLength(25);
    } finally {
      transport.dispose();
    }
  });

  it('gives up clearly before the token expires', async () => {
    const accessToken = await databricksToken(emulator);
    emulator.lakebase.addInstance({
      name: 'stuck-db',
      state: 'STARTING',
      readWriteDns: 'db.example',
      becomesAvailableAfterGets: 1000,
    });
    const clock = simulatedClock();
    const started = clock.now();
    const transport = createTransport('test');
    try {
      await expect(
        mintLakebaseCredential(
          {
            transport,
            clock,
            log: collectingLog([]),
            policy: DEFAULT_RETRY_POLICY,
            deadline: started + 120_000,
          },
          new SecretRegistry(() => undefined),
          {
            workspaceUrl: emulator.workspace.url,
            accessToken,
            tokenExpiresAt: new Date(started + 300_000),
            target: { kind: 'instance', name: 'stuck-db', database: 'databricks_postgres' },
          },
        ),
      ).rejects.toThrow(
        /Lakebase instance "stuck-db" is still STARTING after \d+ s\. Start it ahead of this step/,
      );
      expect(clock.now() - started).toBeLessThanOrEqual(270_000);
    } finally {
      transport.dispose();
    }
  });
});
