// The CLI's exit code for each kind of failure (the README's table), from errors the core and the
// CLI really build: by their builders (settings, detection, hand-off), by the flow against the
// emulator on 127.0.0.1 (a refusal, an outage, nothing listening), and by the exported classes.
import { createServer } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EXIT, exitCodeOf } from '../../../src/cli/exit-codes.ts';
import { render, resolveFormat } from '../../../src/cli/handoff.ts';
import {
  createTransport,
  detectSubjectToken,
  gitHubActionsSource,
  notRevoked,
  obtainCredentials,
  parseConfig,
  SecretRegistry,
  StageError,
  systemClock,
  type Credentials,
  type SourceOptions,
  type SubjectTokenSource,
} from '../../../src/core/index.ts';
import { ConfigurationError } from '../../../src/core/errors.ts';
import { ExchangeRefusedError } from '../../../src/core/databricks/exchange.ts';
import type { Stage } from '../../../src/core/errors.ts';
import {
  addJobPolicy,
  JOB_SERVICE_PRINCIPAL,
  startEmulator,
  type Emulator,
} from '../../emulator/index.ts';

/** What the error thrown by `fail` exits with. */
function exitOf(fail: () => unknown): number {
  try {
    fail();
  } catch (error) {
    return exitCodeOf(error);
  }
  throw new Error('it did not fail');
}

async function exitOfAsync(fail: () => Promise<unknown>): Promise<number> {
  return exitCodeOf(
    await fail().then(
      () => new Error('it did not fail'),
      (error: unknown) => error,
    ),
  );
}

const secrets = new SecretRegistry(() => undefined);
const AUTO: SourceOptions = {
  ci: 'auto',
  tokenFile: undefined,
  tokenEnv: undefined,
  audience: undefined,
};

function detect(
  env: Record<string, string>,
  options: Partial<SourceOptions> = {},
): SubjectTokenSource {
  const deps = {
    env,
    readFile: () => Promise.resolve(''),
    runCommand: () => Promise.resolve(undefined),
    secrets,
  };
  return detectSubjectToken(deps, { ...AUTO, ...options }).source;
}

describe('exit code 2: bad input', () => {
  it('a setting that fails validation', () => {
    expect(exitOf(() => parseConfig((name) => (name === 'client-id' ? '123' : '')))).toBe(
      EXIT.usage,
    );
    expect(exitOf(() => parseConfig(() => ''))).toBe(EXIT.usage);
  });

  it('an unknown --format, and --ci env without the variable to read', () => {
    expect(exitOf(() => resolveFormat('xml', undefined))).toBe(EXIT.usage);
    expect(exitOf(() => detect({}, { ci: 'env' }))).toBe(EXIT.usage);
  });

  it('a value no hand-off can carry (the outputs stage)', () => {
    expect(exitOf(() => render('shell', { PGHOST: 'a\nb' }, new Set()))).toBe(EXIT.usage);
  });

  it.each<Stage>(['discovery', 'exchange', 'lakebase', 'pat', 'obo'])(
    'settings that cannot work, found at the %s stage',
    (stage) => {
      expect(exitCodeOf(new ConfigurationError(stage, 'cannot work', 'Fix the setting'))).toBe(
        EXIT.usage,
      );
    },
  );
});

describe('exit code 3: no token source', () => {
  it('nothing in the environment gives a JWT', () => {
    expect(exitOf(() => detect({}))).toBe(EXIT.noSource);
  });
});

describe('exit code 4: the CI is there, its token is not', () => {
  it('a GitLab job without an ID token', async () => {
    // Whether the source refuses when it is detected or when it is asked for the token.
    const ctx = {
      transport: createTransport('test'),
      clock: systemClock,
      log: { info: () => undefined, notice: () => undefined, warning: () => undefined },
      secrets,
      policy: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, attemptTimeoutMs: 1000 },
      deadline: Date.now() + 10_000,
    };
    const token = async (): Promise<string> => detect({ GITLAB_CI: 'true' }).token(ctx, 'aud');
    expect(await exitOfAsync(token)).toBe(EXIT.unavailable);
    ctx.transport.dispose();
  });

  it.each<Stage>(['ci-token', 'github-token'])(
    "a %s failure, a setting problem at the CI's own token service included",
    (stage) => {
      expect(exitCodeOf(new StageError(stage, 'refused', 'Check the job'))).toBe(EXIT.unavailable);
      expect(exitCodeOf(new ConfigurationError(stage, 'certificate', 'Trust the CA'))).toBe(
        EXIT.unavailable,
      );
    },
  );
});

describe('exit code 5: refused', () => {
  it('Databricks refused the exchange', () => {
    expect(
      exitCodeOf(new ExchangeRefusedError(400, 'invalid_request', 'no policy', 'Add one')),
    ).toBe(EXIT.refused);
  });

  it.each<Stage>(['discovery', 'exchange', 'lakebase', 'pat', 'obo', 'revoke'])(
    'any other failure of the %s stage',
    (stage) => {
      expect(exitCodeOf(new StageError(stage, 'said no', 'Check the permission'))).toBe(
        EXIT.refused,
      );
    },
  );
});

describe('exit code 1: a bug', () => {
  it.each([
    [new Error('undefined is not a function')],
    [new TypeError('x')],
    ['a string'],
    [undefined],
  ])('%j is no failure the CLI knows', (thrown) => {
    expect(exitCodeOf(thrown)).toBe(1);
  });
});

describe('from the flow against the emulator', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.close());
  beforeEach(() => emulator.reset());

  const FAST = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1, attemptTimeoutMs: 5000 };

  async function obtain(host: string): Promise<Credentials> {
    const transport = createTransport('test');
    const registry = new SecretRegistry(() => undefined);
    const settings: Record<string, string> = {
      host,
      'client-id': JOB_SERVICE_PRINCIPAL.applicationId,
    };
    try {
      return await obtainCredentials(
        parseConfig((name) => settings[name] ?? ''),
        {
          transport,
          clock: systemClock,
          log: { info: () => undefined, notice: () => undefined, warning: () => undefined },
          secrets: registry,
          policy: FAST,
          subjectToken: gitHubActionsSource(
            { url: emulator.github.requestUrl, token: emulator.github.requestToken },
            registry,
          ),
        },
      );
    } finally {
      transport.dispose();
    }
  }

  it('the exchange succeeds with a policy (the baseline of the others)', async () => {
    addJobPolicy(emulator);
    await expect(obtain(emulator.workspace.url)).resolves.toBeDefined();
  });

  it('5: no federation policy accepts the job', async () => {
    expect(await exitOfAsync(() => obtain(emulator.workspace.url))).toBe(EXIT.refused);
  });

  it('6: Databricks is down for every attempt', async () => {
    addJobPolicy(emulator);
    emulator.faults.add('workspace.token', { kind: 'status', status: 503 }, FAST.maxAttempts);
    expect(await exitOfAsync(() => obtain(emulator.workspace.url))).toBe(EXIT.transient);
  });

  it("6: GitHub's token service is down for every attempt", async () => {
    addJobPolicy(emulator);
    emulator.faults.add('github.idtoken', { kind: 'status', status: 503 }, FAST.maxAttempts);
    expect(await exitOfAsync(() => obtain(emulator.workspace.url))).toBe(EXIT.transient);
  });

  it("4: GitHub's token service refuses the request", async () => {
    emulator.faults.add('github.idtoken', { kind: 'status', status: 403, body: 'forbidden' });
    expect(await exitOfAsync(() => obtain(emulator.workspace.url))).toBe(EXIT.unavailable);
  });

  it('2: nothing listens at the host (a wrong port is a setting, not an outage)', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    expect(await exitOfAsync(() => obtain(`http://127.0.0.1:${port}`))).toBe(EXIT.usage);
  });

  it('6: a failure caused by a transient one (a PAT left live by an outage) stays transient', async () => {
    addJobPolicy(emulator);
    emulator.faults.add('workspace.token', { kind: 'status', status: 503 }, FAST.maxAttempts);
    const outage = await obtain(emulator.workspace.url).catch((error: unknown) => error);
    // The builder of the revocation failure gives it its kind from what caused it.
    const saved = { workspaceUrl: emulator.workspace.url, tokenId: 'abc' };
    expect(exitCodeOf(notRevoked(saved, 'the fresh exchange failed', outage))).toBe(EXIT.transient);
    expect(exitCodeOf(notRevoked(saved, 'refused', new Error('x')))).toBe(EXIT.refused);
    expect(exitCodeOf(notRevoked(saved, 'refused'))).toBe(EXIT.refused);
  });
});
