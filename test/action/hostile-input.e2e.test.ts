// Hostile and malformed input against the bundled action, run as the runner runs it:
// - generated inputs (fast-check, fixed seed): the action never crashes with a stack trace, ends
//   with at most one ::error:: line that names the stage, prints no secret, emits no workflow
//   command of its own making, and sends nothing to any host but the configured one;
// - generated server answers (fixed seed) on every route: tokens with line breaks, zero-width or
//   bidi characters, huge or not strings; `?sslmode=` and look-alike Lakebase hosts; huge
//   expires_in and exp; deeply nested values and claims; error text that echoes a secret;
// - secrets pasted into client-id or account-id, and look-alike Databricks hosts;
// - for every secret issued or supplied, no piece longer than 8 characters shows anywhere
//   (test/support/leaks.ts);
// - a server that puts workflow commands, newlines or heredoc delimiters into its answers cannot
//   make the runner execute a command or set an extra output or variable.
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHost, isLoopback } from '../../src/core/databricks/host.ts';
import {
  JOB_SERVICE_PRINCIPAL,
  addJobPolicy,
  startEmulator,
  type Emulator,
  type RouteName,
} from '../emulator/index.ts';
import { startForwardProxy, type ForwardProxy } from '../proxy/forward-proxy.ts';
import { FAILURE_PREFIXES } from '../support/stages.ts';
import { findLeaks } from '../support/leaks.ts';
import { runAction, type ActionRun } from './runner.ts';

const SP_APPLICATION_ID = JOB_SERVICE_PRINCIPAL.applicationId;
const RESOLVER = fileURLToPath(new URL('../proxy/resolve-hosts.mjs', import.meta.url));
/** Fixed, so that a failure reproduces; change it to explore. */
const SEED = 20_261_123;
const GENERATED_RUNS = 60;
const POOL_SIZE = 6;

/** The workflow commands the action itself may print. */
const OWN_COMMANDS = new Set(['add-mask', 'error', 'notice', 'warning', 'group', 'endgroup']);

/** One environment for a run: an emulator and a forward proxy that refuses and records everything. */
interface Lane {
  emulator: Emulator;
  proxy: ForwardProxy;
}

async function startLane(): Promise<Lane> {
  const [emulator, proxy] = await Promise.all([
    startEmulator(),
    startForwardProxy(() => undefined),
  ]);
  return { emulator, proxy };
}

/** `count` lanes, started before the suite's own hooks run and closed after it. */
function useLanes(count: number): Lane[] {
  const lanes: Lane[] = [];
  beforeAll(async () => {
    lanes.push(...(await Promise.all(Array.from({ length: count }, startLane))));
  });
  afterAll(async () => {
    await Promise.all(lanes.flatMap(({ emulator, proxy }) => [emulator.close(), proxy.close()]));
  });
  return lanes;
}

/** Each case in the next free lane, freshly prepared: its result, or what it threw, in case order. */
async function runAcrossLanes<Case, Result>(
  lanes: Lane[],
  cases: readonly Case[],
  work: (lane: Lane, item: Case) => Promise<Result>,
): Promise<Array<Result | Error>> {
  const results: Array<Result | Error> = [];
  let next = 0;
  await Promise.all(
    lanes.map(async (lane) => {
      for (let index = next++; index < cases.length; index = next++) {
        prepare(lane);
        try {
          results[index] = await work(lane, cases[index] as Case);
        } catch (error) {
          results[index] = error instanceof Error ? error : new Error(String(error));
        }
      }
    }),
  );
  return results;
}

function prepare({ emulator, proxy }: Lane): void {
  emulator.reset();
  proxy.requests.length = 0;
  addJobPolicy(emulator);
  emulator.lakebase.addInstance({
    name: 'orders-db',
    state: 'AVAILABLE',
    readWriteDns: 'instance-1.database.example.test',
  });
}

/**
 * Runs the action with every non-loopback request sent to the lane's refusing proxy, and with a
 * resolver that fails every name at once, so nothing can reach a real network or DNS.
 */
function runIn(lane: Lane, inputs: Record<string, string>): Promise<ActionRun> {
  const { github } = lane.emulator;
  return runAction(inputs, {
    idToken: { url: github.requestUrl, token: github.requestToken },
    env: { HTTPS_PROXY: lane.proxy.url, NODE_OPTIONS: `--import ${RESOLVER}`, TEST_HOSTS: '' },
  });
}

/** Lines the runner would execute as workflow commands: `::name ...::` at the start, `##[` anywhere. */
function commandsIn(stdout: string): { name: string; line: string }[] {
  const found: { name: string; line: string }[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const v2 = /^::([^ :]+)[^:]*::/.exec(line.trimStart());
    if (v2) found.push({ name: v2[1] ?? '', line });
    else if (line.includes('##[')) found.push({ name: 'legacy ##[', line });
  }
  return found;
}

/** What every run must satisfy, whatever went in. */
function expectWellBehaved(run: ActionRun, secrets: string[]): void {
  expect([0, 1]).toContain(run.exitCode);
  expect(run.stdout + run.stderr).not.toMatch(/^\s+at .*(:\d+:\d+|\(node:)/m);
  expect(run.stderr).toBe('');
  expect(findLeaks(run, secrets)).toEqual([]);
  const commands = commandsIn(run.stdout);
  expect(commands.filter((c) => !OWN_COMMANDS.has(c.name))).toEqual([]);
  // Every mask is, or wraps (the database URL), a secret the run was given or received; never
  // text that a server or an input chose.
  for (const mask of run.masks)
    expect(secrets.some((secret) => secret.length >= 8 && mask.includes(secret))).toBe(true);
  if (run.exitCode === 0) {
    expect(run.errors).toEqual([]);
  } else {
    expect(run.errors).toHaveLength(1);
    const [error = ''] = run.errors;
    expect(FAILURE_PREFIXES.some((prefix) => error.startsWith(prefix))).toBe(true);
    expect(error).not.toMatch(/[\r\n]/);
    expect(run.outputs).toEqual({});
    expect(run.env).toEqual({});
  }
}

// Values the runner can pass as INPUT_* variables: anything but NUL, within the size of one variable.
const FRAGMENTS = [
  '::',
  '##[',
  '%0A',
  '%25',
  '\n',
  '\r\n',
  '\u2028',
  '\u0085',
  '\u001b[31m',
  '\u202e',
  '\u200b',
  '\u2066',
  '\ufeff',
  '?sslmode=disable&',
  ' ',
  '\t',
  '@',
  '?',
  '#',
  '/',
  '\\',
  '.',
  ':',
  '\u3002',
  'ｄ',
  'é',
  'xn--',
  'evil.test',
  '=',
  '"',
  '::add-mask::',
  '::error::x',
  '##[set-output name=token]x',
  '::stop-commands::t',
  'ghadelimiter_',
  '<<EOF',
  '$(id)',
  '`id`',
  'all-apis',
  'orders-db',
  SP_APPLICATION_ID,
  'oidc',
  'token',
  '300',
];
/**
 * Characters that break lines, commands or display, at most two long: between random chunks of 8,
 * every 9-character piece of a secret still holds random characters, so finding one is a leak.
 */
const BREAKERS = [
  '\r',
  '\n',
  '\r\n',
  '\u0085',
  '\u2028',
  '\u200b',
  '\u200d',
  '\ufeff',
  '\u202e',
  '\u2066',
  '::',
  '%',
  '#',
  '"',
  ' ',
  '=',
];
const chunk = fc.stringMatching(/^[A-Za-z0-9_-]{8}$/);
/** A secret-looking value with breakers inside: what a user might paste, or a server might answer. */
const brokenSecret = fc
  .array(fc.tuple(chunk, fc.constantFrom(...BREAKERS)), { minLength: 2, maxLength: 6 })
  .chain((parts) => chunk.map((last) => `${parts.map(([c, b]) => c + b).join('')}${last}`));
/** Shapes of real secrets: a PAT, a JWT, an OAuth token; each unique. */
const plausibleSecret = fc.oneof(
  fc.stringMatching(/^[0-9a-f]{32}$/).map((hex) => `dapi${hex}`),
  fc
    .tuple(
      chunk,
      fc.stringMatching(/^[A-Za-z0-9_-]{40}$/),
      fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    )
    .map(([h, p, sig]) => `eyJ${h}.eyJ${p}.${sig}`),
  fc.stringMatching(/^[A-Za-z0-9._-]{24,64}$/),
);
/** Longer than the 16 KiB a token may be, and not one repeated piece. */
const hugeSecret = (max: number) =>
  fc
    .tuple(fc.array(chunk, { minLength: 64, maxLength: 64 }), fc.integer({ min: 17_000, max }))
    .map(([chunks, size]) => {
      let value = '';
      for (let i = 0; value.length < size; i++) value += `${chunks[i % chunks.length] ?? ''}${i}`;
      return value;
    });
const secretOf = (max: number) =>
  fc.oneof(
    { weight: 3, arbitrary: plausibleSecret },
    { weight: 3, arbitrary: brokenSecret },
    { weight: 1, arbitrary: hugeSecret(max) },
  );
/** An input must fit one environment variable (128 KiB on Linux); a server answer need not. */
const secretValue = secretOf(100_000);
const serverSecret = secretOf(200_000);

const text = fc
  .oneof(
    {
      weight: 3,
      arbitrary: fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 8 }).map((p) => p.join('')),
    },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ minLength: 5000, maxLength: 20_000 }) },
  )
  .map((value) => value.replaceAll('\u0000', ''));

type HostChoice =
  { kind: 'emulator' } | { kind: 'variant'; template: string } | { kind: 'text'; value: string };
const hostChoice: fc.Arbitrary<HostChoice> = fc.oneof(
  { weight: 7, arbitrary: fc.constant({ kind: 'emulator' as const }) },
  {
    weight: 4,
    arbitrary: fc
      .constantFrom(
        'http://x@{hostport}',
        'http://{hostport}@evil.test',
        'http://{hostport}/path?q',
        'http://{hostport}/?q',
        'http://{hostport}#frag',
        'http://{hostport}\\@evil.test',
        'http://{hostport}%2F@evil.test',
        ' http://{hostport}/ ',
        'HTTP://{hostport}',
        'http://127.0.0.1.evil.test:{port}',
        'https://x@evil.test',
        'https://dbc.cloud.databricks.com.evil.test/',
        'https://host/path?q',
        'https://dbc-1234.cloud.databricks.com\u3002evil.test',
        'https://ｄbc-1234.cloud.databricks.com',
        'https://xn--dbc-1234-9za.cloud.databricks.com',
        'https://dbc-1234.cloud.databricks.com%0A::error::x',
        'javascript:alert(1)',
        'file:///etc/passwd',
      )
      .map((template) => ({ kind: 'variant' as const, template })),
  },
  {
    weight: 2,
    arbitrary: lookAlikeHost().map((value) => ({ kind: 'text' as const, value })),
  },
  { weight: 2, arbitrary: text.map((value) => ({ kind: 'text' as const, value })) },
);

/** A Databricks host name with the domain bent: a suffix, a dash, a missing dot, a wrong TLD. */
function lookAlikeHost(): fc.Arbitrary<string> {
  const name = fc.constantFrom('dbc-1234', 'accounts', 'adb-1234567890123456.7', 'accounts-dod');
  const domain = fc.constantFrom(
    'cloud.databricks.com',
    'azuredatabricks.net',
    'gcp.databricks.com',
    'cloud.databricks.us',
    'databricks.azure.cn',
  );
  const bend = fc.constantFrom(
    (d: string) => `${d}.evil.test`,
    (d: string) => `${d}-evil.test`,
    (d: string) => d.replace('.', ''),
    (d: string) => d.replace('.', '-'),
    (d: string) => `${d.slice(0, -1)}`,
    (d: string) => d.replace('databricks', 'databrick5'),
    (d: string) => `${d}.`,
  );
  return fc
    .tuple(name, domain, bend, fc.constantFrom('', ':8443', '/'))
    .map(([n, d, b, tail]) => `https://${n}.${b(d)}${tail}`);
}

/** Mostly valid values, so that runs get past the inputs, with hostile text in every field. */
const mostly = <T>(valid: fc.Arbitrary<T>, weight = 4) =>
  fc.oneof({ weight, arbitrary: valid }, { weight: 1, arbitrary: text });
/** A secret pasted into the wrong field: the error may recognise it, never show it. */
const pastedSecret = fc.oneof(
  { weight: 6, arbitrary: fc.constant(null) },
  {
    weight: 1,
    arbitrary: fc.record({
      field: fc.constantFrom('client-id', 'account-id'),
      value: secretValue,
    }),
  },
);
const generatedInputs = fc.record({
  host: hostChoice,
  'client-id': mostly(fc.constant(SP_APPLICATION_ID)),
  'account-id': mostly(fc.constant(''), 8),
  audience: mostly(fc.constant(''), 6),
  scope: mostly(fc.constantFrom('', 'all-apis', ' all-apis  sql ')),
  'oidc-token': fc.oneof(
    { weight: 6, arbitrary: fc.constant('') },
    // Random chunks in every token, so that finding a piece of it in the log is a leak.
    { weight: 1, arbitrary: secretValue },
  ),
  'export-env': mostly(fc.constantFrom('', 'token', 'oidc', 'none', 'TRUE')),
  'lakebase-instance': mostly(fc.constantFrom('', '', 'orders-db')),
  'lakebase-database': mostly(fc.constant(''), 6),
  'lakebase-ttl': mostly(fc.constant(''), 8),
});

function hostValue(choice: HostChoice, emulator: Emulator): string {
  const url = new URL(emulator.workspace.url);
  switch (choice.kind) {
    case 'emulator':
      return emulator.workspace.url;
    case 'variant':
      return choice.template.replaceAll('{hostport}', url.host).replaceAll('{port}', url.port);
    case 'text':
      return choice.value;
  }
}

/** The only host:port the proxy may be asked for: the configured host, when it is valid and remote. */
function allowedProxyTargets(host: string): string[] {
  try {
    const parsed = parseHost(host);
    if (isLoopback(parsed.hostname)) return [];
    return [`${parsed.hostname}:${new URL(parsed.url).port || '443'}`];
  } catch {
    return [];
  }
}

describe('generated hostile inputs, whole-action runs', () => {
  const lanes = useLanes(POOL_SIZE);
  const cases = fc.sample(fc.tuple(generatedInputs, pastedSecret), {
    numRuns: GENERATED_RUNS,
    seed: SEED,
  });
  const results: Array<
    { inputs: Record<string, string>; run: ActionRun; secrets: string[]; proxied: string[] } | Error
  > = [];

  beforeAll(async () => {
    const runs = await runAcrossLanes(lanes, cases, async (lane, [generated, pasted]) => {
      const inputs: Record<string, string> = {
        ...generated,
        host: hostValue(generated.host, lane.emulator),
        ...(pasted && { [pasted.field]: pasted.value }),
      };
      const run = await runIn(lane, inputs);
      const token = inputs['oidc-token']?.trim() ?? '';
      const supplied = [token, pasted?.value.trim() ?? ''].filter((v) => v.length >= 8);
      return {
        inputs,
        run,
        secrets: [...lane.emulator.secrets(), lane.emulator.github.requestToken, ...supplied],
        proxied: lane.proxy.requests.map((r) => r.target),
      };
    });
    results.push(...runs);
  }, 240_000);

  it('generated a mix of accepted and refused inputs', () => {
    const runs = results.flatMap((r) => (r instanceof Error ? [] : [r]));
    expect(runs).toHaveLength(GENERATED_RUNS);
    expect(runs.some((r) => r.run.exitCode === 0)).toBe(true);
    expect(runs.some((r) => r.run.errors[0]?.startsWith('Reading inputs failed: '))).toBe(true);
  });

  it.each(Array.from({ length: GENERATED_RUNS }, (_, i) => i))('run %i behaves', (index) => {
    const result = results[index];
    if (result === undefined || result instanceof Error) throw result ?? new Error('not run');
    const { run, inputs, secrets, proxied } = result;
    try {
      expectWellBehaved(run, secrets);
      const allowed = allowedProxyTargets(inputs['host'] ?? '');
      for (const target of proxied) expect(allowed).toContain(target);
    } catch (error) {
      // Enough to reproduce the run by hand.
      console.log(JSON.stringify({ index, inputs }, null, 2));
      throw error;
    }
  });
});

describe('a look-alike host', () => {
  const lanes = useLanes(2);

  it.concurrent.each([
    [
      0,
      'https://dbc-1234.cloud.databricks.com.evil.test/',
      'dbc-1234.cloud.databricks.com.evil.test:443',
    ],
    [
      1,
      'dbc-1234.cloud.databricks.com-evil.test:8443',
      'dbc-1234.cloud.databricks.com-evil.test:8443',
    ],
  ])(
    '%#: %s gets nothing without an explicit audience, and is contacted only there with one',
    async (lane, host, target) => {
      const own = lanes[lane];
      if (own === undefined) throw new Error('no lane');
      prepare(own);
      const guessed = await runIn(own, { host, 'client-id': SP_APPLICATION_ID });
      expectWellBehaved(guessed, own.emulator.secrets());
      expect(guessed.exitCode).toBe(1);
      expect(guessed.errors[0]).toMatch(
        /^Discovering the Databricks host failed: .* is not under a Databricks domain/,
      );
      expect(own.proxy.requests).toEqual([]);
      prepare(own);
      const run = await runIn(own, { host, 'client-id': SP_APPLICATION_ID, audience: 'explicit' });
      expectWellBehaved(run, own.emulator.secrets());
      expect(run.exitCode).toBe(1);
      expect(run.errors[0]).toMatch(
        /^Exchanging the token at Databricks failed: Token exchange did not succeed after 5 attempts/,
      );
      expect(new Set(own.proxy.requests.map((r) => r.target))).toEqual(new Set([target]));
    },
    60_000,
  );
});

describe('a server that answers with workflow commands, newlines and delimiters', () => {
  let lane: Lane;
  beforeAll(async () => {
    lane = await startLane();
  });
  afterAll(async () => {
    await Promise.all([lane?.emulator.close(), lane?.proxy.close()]);
  });

  const inputs = (extra: Record<string, string> = {}) => ({
    host: lane.emulator.workspace.url,
    'client-id': SP_APPLICATION_ID,
    ...extra,
  });
  const INJECTION =
    'x\n::add-mask::octo\r\n##[set-output name=token]pwned ::error::injected %0A::warning::w ##[add-mask]cat ::stop-commands::s';

  it('in an OAuth error body: one error line, nothing executed', async () => {
    prepare(lane);
    lane.emulator.faults.add('workspace.token', {
      kind: 'json',
      status: 400,
      body: { error: `invalid_request ${INJECTION}`, error_description: INJECTION },
    });
    const run = await runIn(lane, inputs());
    expectWellBehaved(run, lane.emulator.secrets());
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toMatch(/^Exchanging the token at Databricks failed: Databricks refused/);
    expect(run.warnings).toEqual([]);
    expect(run.stdout).not.toContain('##[');
  });

  it('in headers (Location, Retry-After): not executed, redirect not followed', async () => {
    prepare(lane);
    lane.emulator.faults.add('workspace.token', {
      kind: 'status',
      status: 503,
      headers: { 'Retry-After': '##[add-mask]cat ::error::x' },
    });
    lane.emulator.faults.add('workspace.token', {
      kind: 'redirect',
      status: 302,
      location: 'https://evil.test/::add-mask::octo ##[set-output name=token]pwned',
    });
    const run = await runIn(lane, inputs());
    expectWellBehaved(run, lane.emulator.secrets());
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toMatch(/redirect \(HTTP 302 to https:\/\/evil\.test\/: :add-mask/);
    expect(lane.proxy.requests).toEqual([]);
  });

  it('in the user name: refused as not a user name, no command, no output or variable', async () => {
    prepare(lane);
    const userName = `sp\n::add-mask::octo\nINJECTED_OUTPUT=1\nghadelimiter_x\n##[set-output name=token]pwned`;
    lane.emulator.faults.add('workspace.scim', {
      kind: 'json',
      status: 200,
      body: { userName },
    });
    const run = await runIn(lane, inputs({ 'lakebase-instance': 'orders-db' }));
    expectWellBehaved(run, lane.emulator.secrets());
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      expect.stringMatching(/the userName Databricks answered with is not a user name/),
    ]);
    expect(run.outputs).toEqual({});
    expect(run.env).toEqual({});
    expect(run.stdout).not.toContain('##[');
  });

  it('in the access token: newlines and a fake delimiter: masked, then refused, nothing exported', async () => {
    prepare(lane);
    const accessToken = `tok-${'a'.repeat(20)}\nDATABRICKS_HOST=https://evil.test\nghadelimiter_0\nEVIL<<EOF\nx\nEOF`;
    lane.emulator.faults.add('workspace.token', {
      kind: 'json',
      status: 200,
      body: { access_token: accessToken, token_type: 'Bearer', expires_in: 3600 },
    });
    const run = await runIn(lane, inputs());
    expectWellBehaved(run, [...lane.emulator.secrets(), accessToken]);
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      expect.stringMatching(
        /^Exchanging the token at Databricks failed: the access_token Databricks answered with is not a token/,
      ),
    ]);
    expect(run.outputs).toEqual({});
    expect(run.env).toEqual({});
    expect(run.masks).toContain(accessToken);
  });

  it('in a Lakebase state that is not usable: the error names it, defused', async () => {
    prepare(lane);
    lane.emulator.faults.add('lakebase.instance', {
      kind: 'json',
      status: 200,
      body: { state: '##[add-mask]cat\n::warning::w', read_write_dns: 'h.example.test' },
    });
    const run = await runIn(lane, inputs({ 'lakebase-instance': 'orders-db' }));
    expectWellBehaved(run, lane.emulator.secrets());
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toMatch(
      /^Minting the Lakebase credential failed: .* is # #\[add-mask\]cat/,
    );
    expect(run.stdout).not.toContain('##[');
  });
});

/** A value where a server should put a string: a string, or something else entirely. */
const NOT_STRINGS: unknown[] = [{ toString: 1 }, 12_345, null, [], ['a'], true, { value: 'x' }];
const serverString = fc.oneof(
  { weight: 4, arbitrary: text },
  { weight: 1, arbitrary: fc.constantFrom(...NOT_STRINGS) },
);
const deeplyNested = fc.integer({ min: 100, max: 1500 }).map((depth) => {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { a: value } : [value];
  return value;
});
const hugeNumber = fc.constantFrom(1e308, 2 ** 53 + 2, 1e21, -1, 0, 3.5, '3600', {});
const lakebaseHost = fc.oneof(
  fc.constantFrom(
    'instance-1.database.example.test?sslmode=disable&x=1',
    'instance-1.database.example.test/?sslmode=disable',
    'instance-1.database.example.test#sslmode=disable',
    'user:pw@instance-1.database.example.test',
    'instance-1.database.example.test:5432',
    'instance-1.database.cloud.databricks.com.evil.test',
    `${'a'.repeat(70)}.example.test`,
    `${'instance.'.repeat(40_000)}test`,
  ),
  text,
);

/** base64url of JSON, as a JWT part. */
const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** One hostile answer from one route; `tokens` are the secrets in it (strings a server called a token). */
interface ServerAnswer {
  route: RouteName;
  status: number;
  body: unknown;
  tokens: string[];
  lakebase: boolean;
}

const serverAnswer: fc.Arbitrary<ServerAnswer> = fc.oneof(
  fc
    .tuple(fc.oneof(serverSecret, fc.constantFrom(...NOT_STRINGS)), serverString, hugeNumber)
    .map(([token, type, expires]) => ({
      route: 'workspace.token' as const,
      status: 200,
      body: { access_token: token, token_type: type, expires_in: expires },
      tokens: typeof token === 'string' ? [token] : [],
      lakebase: false,
    })),
  // An OAuth error that echoes what the action sent, the GitHub token service's bearer included.
  fc.tuple(serverString, text, fc.boolean()).map(([error, description, echo]) => ({
    route: 'workspace.token' as const,
    status: 400,
    body: {
      error,
      error_description: echo ? `${description}{requestToken}${description}` : description,
    },
    tokens: [],
    lakebase: false,
  })),
  fc
    .tuple(serverString, fc.oneof(serverString, deeplyNested), fc.oneof(serverString, deeplyNested))
    .map(([hostType, accountId, audiences]) => ({
      route: 'workspace.metadata' as const,
      status: 200,
      body: {
        host_type: hostType,
        account_id: accountId,
        oidc_endpoint: hostType,
        token_federation_default_oidc_audiences: audiences,
      },
      tokens: [],
      lakebase: false,
    })),
  fc.oneof(serverString, deeplyNested).map((userName) => ({
    route: 'workspace.scim' as const,
    status: 200,
    body: { userName, id: userName },
    tokens: [],
    lakebase: true,
  })),
  fc.tuple(fc.oneof(fc.constant('AVAILABLE'), serverString), lakebaseHost).map(([state, host]) => ({
    route: 'lakebase.instance' as const,
    status: 200,
    body: { name: 'orders-db', state, read_write_dns: host },
    tokens: [],
    lakebase: true,
  })),
  fc
    .tuple(
      fc.oneof(serverSecret, fc.constantFrom(...NOT_STRINGS)),
      fc.oneof(serverString, hugeNumber),
    )
    .map(([token, expiry]) => ({
      route: 'lakebase.instance-credential' as const,
      status: 200,
      body: { token, expiration_time: expiry },
      tokens: typeof token === 'string' ? [token] : [],
      lakebase: true,
    })),
  // A GitHub token with hostile claims: deeply nested, beyond any date, not strings, line breaks.
  fc
    .tuple(fc.oneof(serverString, deeplyNested), hugeNumber, deeplyNested, chunk)
    .map(([sub, exp, nested, signature]) => {
      const jwt = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ sub, exp, iat: exp, aud: sub, nested })}.${signature}${signature}`;
      return {
        route: 'github.idtoken' as const,
        status: 200,
        body: { value: jwt },
        tokens: [jwt],
        lakebase: false,
      };
    }),
);

const SERVER_SEED = 20_261_202;
const SERVER_RUNS = 40;
const SERVER_POOL = 4;

describe('generated hostile server answers, whole-action runs', () => {
  const lanes = useLanes(SERVER_POOL);
  const answers = fc.sample(serverAnswer, { numRuns: SERVER_RUNS, seed: SERVER_SEED });
  const results: Array<{ answer: ServerAnswer; run: ActionRun; secrets: string[] } | Error> = [];

  beforeAll(async () => {
    const runs = await runAcrossLanes(lanes, answers, async (lane, answer) => {
      const { requestToken } = lane.emulator.github;
      const body = JSON.parse(
        JSON.stringify(answer.body).replaceAll('{requestToken}', requestToken),
      ) as unknown;
      lane.emulator.faults.add(answer.route, { kind: 'json', status: answer.status, body });
      const run = await runIn(lane, {
        host: lane.emulator.workspace.url,
        'client-id': SP_APPLICATION_ID,
        ...(answer.lakebase && { 'lakebase-instance': 'orders-db' }),
      });
      const secrets = [...lane.emulator.secrets(), requestToken, ...answer.tokens];
      return { answer, run, secrets: secrets.map((s) => s.trim()) };
    });
    results.push(...runs);
  }, 240_000);

  it('generated answers from every route, some of them refused', () => {
    const runs = results.flatMap((r) => (r instanceof Error ? [] : [r]));
    expect(runs).toHaveLength(SERVER_RUNS);
    expect(new Set(runs.map((r) => r.answer.route)).size).toBeGreaterThanOrEqual(6);
    expect(runs.some((r) => r.run.exitCode === 1)).toBe(true);
  });

  it.each(Array.from({ length: SERVER_RUNS }, (_, i) => i))(
    'answer %i: no piece of a secret shows',
    (index) => {
      const result = results[index];
      if (result === undefined || result instanceof Error) throw result ?? new Error('not run');
      const { run, answer, secrets } = result;
      try {
        expectWellBehaved(run, secrets);
        expect(run.stdout).not.toMatch(/Unexpected internal error/);
      } catch (error) {
        console.log(JSON.stringify({ index, route: answer.route, status: answer.status }));
        throw error;
      }
    },
  );
});

describe('the post step and its saved state', () => {
  const lanes = useLanes(1);
  const lane = (): Lane => {
    if (lanes[0] === undefined) throw new Error('no lane');
    return lanes[0];
  };
  const PAT = `dapi${'f'.repeat(32)}`;

  function postIn(state: Record<string, string>): Promise<ActionRun> {
    const { github } = lane().emulator;
    return runAction(
      { host: lane().emulator.workspace.url, 'client-id': SP_APPLICATION_ID },
      {
        idToken: { url: github.requestUrl, token: github.requestToken },
        env: {
          HTTPS_PROXY: lane().proxy.url,
          NODE_OPTIONS: `--import ${RESOLVER}`,
          TEST_HOSTS: '',
        },
        post: { state },
      },
    );
  }

  it('refuses a saved host that is not the configured one: the PAT is sent nowhere', async () => {
    prepare(lane());
    const run = await postIn({
      'pat-id': 'abc123',
      'pat-host': 'https://dbc-1234.cloud.databricks.com.evil.test',
      'pat-value': PAT,
      'pat-expires-at': '',
      'pat-revoke': 'true',
    });
    expectWellBehaved(run, [...lane().emulator.secrets(), PAT]);
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toMatch(
      /^Revoking the job-scoped PAT failed: the job-scoped PAT abc123 was not revoked \(the saved state names the host https:\/\/dbc-1234\.cloud\.databricks\.com\.evil\.test, not the configured http:\/\/127\.0\.0\.1:\d+; the PAT is sent to no other host\)/,
    );
    expect(lane().proxy.requests).toEqual([]);
    expect(lane().emulator.requests.filter((r) => r.route?.startsWith('tokens.'))).toEqual([]);
  });

  it('a saved token id with commands and HTML is defused in the log and escaped in the summary', async () => {
    prepare(lane());
    const run = await postIn({
      'pat-id': 'x::error::pwned ##vso[task.complete]<img src=x onerror=alert(1)>',
      'pat-host': lane().emulator.workspace.url,
      'pat-value': '',
      'pat-expires-at': '',
      'pat-revoke': 'false',
    });
    expectWellBehaved(run, lane().emulator.secrets());
    expect(run.stdout).not.toMatch(/##vso\[/);
    expect(run.summary).not.toContain('<img');
    expect(run.summary).toContain('&lt;img');
  });
});
