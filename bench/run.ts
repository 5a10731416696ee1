// npm run bench [-- --smoke] [-- --runs N] [-- --baseline OTHER/dist/index.js] [-- --only REGEX]
// (--only 'long job' runs the long job alone)
//
// Side by side, each after a warm-up and interleaved run by run so that drift hits all alike:
//   - the bundled action (dist/index.js), run as the runner runs it, against the emulator with
//     50 ms added to every answer and with none, exchange only and with a Lakebase credential;
//   - floor (a): the same requests in the same order, loading @actions/core (bundled with ncc);
//   - floor (b): the same requests with Node built-ins only;
//   - node -e '' (start-up alone) and the bundle alone (load, then fail at the first input check).
// Reports median and p95 wall time, peak RSS (GNU time), the ratios to each floor, the HTTP round
// trips and how many of them are sequential, the size of dist/, and the time to the first request.
// Then a long job (bench/long-job.ts): export-env: metadata-service over compressed token lifetimes.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  JOB_SERVICE_PRINCIPAL,
  addJobPolicy,
  startEmulator,
  type Emulator,
} from '../test/emulator/index.ts';
import { actionManifest } from '../test/action/runner.ts';
import { longJob } from './long-job.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
const SP_APPLICATION_ID = JOB_SERVICE_PRINCIPAL.applicationId;
const GNU_TIME = '/usr/bin/time';

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    runs: { type: 'string' },
    warmup: { type: 'string' },
    /** Another build's dist/index.js, measured side by side (e.g. the commit before a refactor). */
    baseline: { type: 'string' },
    /** Runs only the variants whose name matches, e.g. --only "cached|node -e". */
    only: { type: 'string' },
  },
});
const RUNS = Number(args.runs ?? (args.smoke ? 3 : 25));
const WARMUP = Number(args.warmup ?? (args.smoke ? 1 : 3));

interface Sample {
  wallMs: number;
  rssKb: number | undefined;
  /** From spawn to the first request the emulator saw. */
  firstRequestMs: number | undefined;
  requests: number;
  waves: number;
}

interface Variant {
  name: string;
  latencyMs: number;
  /** The command after `node`; undefined for none (plain start-up variants). */
  args: string[];
  inputs?: Record<string, string>;
  /** Whether it talks to the emulator (and must leave a token in GITHUB_OUTPUT). */
  exchanges: boolean;
  /** A databricks-oidc (dist/cli.js) run: must exit 0 with something on stdout. */
  cli?: boolean;
  samples: Sample[];
}

async function bundleFloor(dir: string): Promise<string> {
  const ncc = join(ROOT, 'node_modules', '.bin', 'ncc');
  await run(
    ncc,
    [
      'build',
      join(ROOT, 'bench', 'floors', 'with-core.mjs'),
      '-o',
      dir,
      '--minify',
      '--no-source-map-register',
      '-q',
    ],
    {
      ...process.env,
    },
  );
  return join(dir, 'index.mjs');
}

function run(
  command: string,
  argv: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? 1, stdout, stderr, ms: performance.now() - started }),
    );
  });
}

async function inputEnv(inputs: Record<string, string>): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const [name, spec] of Object.entries((await actionManifest()).inputs)) {
    const value = inputs[name] ?? spec.default;
    if (value !== undefined) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  return env;
}

/** Requests that arrive within a third of the added latency of the previous one run concurrently. */
function countWaves(times: number[], latencyMs: number): number {
  let waves = 0;
  let last = -Infinity;
  for (const at of [...times].sort((a, b) => a - b)) {
    if (at - last > latencyMs / 3) waves++;
    last = at;
  }
  return waves;
}

async function measure(variant: Variant, emulator: Emulator, workDir: string): Promise<Sample> {
  emulator.setLatency(variant.latencyMs);
  const files = {
    GITHUB_OUTPUT: join(workDir, 'output'),
    GITHUB_ENV: join(workDir, 'env'),
    GITHUB_STATE: join(workDir, 'state'),
    GITHUB_PATH: join(workDir, 'path'),
    GITHUB_STEP_SUMMARY: join(workDir, 'summary'),
  };
  await Promise.all(Object.values(files).map((file) => writeFile(file, '')));
  const env = {
    PATH: process.env['PATH'] ?? '',
    HOME: workDir,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    RUNNER_TEMP: workDir,
    GITHUB_WORKSPACE: workDir,
    GITHUB_REPOSITORY: 'octo-org/octo-repo',
    ...files,
    ...(variant.inputs && (await inputEnv(variant.inputs))),
    ACTIONS_ID_TOKEN_REQUEST_URL: emulator.github.requestUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: emulator.github.requestToken,
  };
  const rssFile = join(workDir, 'rss');
  const before = emulator.requests.length;
  const spawnedAt = Date.now();
  const gnuTime = existsSync(GNU_TIME);
  const result = gnuTime
    ? await run(GNU_TIME, ['-f', '%M', '-o', rssFile, process.execPath, ...variant.args], env)
    : await run(process.execPath, variant.args, env);
  // The emulator's own JWKS fetches are not the action's.
  const requests = emulator.requests
    .slice(before)
    .filter((r) => !(r.server === 'github' && r.path.startsWith('/.well-known/')));
  if (variant.exchanges) {
    const output = await readFile(files.GITHUB_OUTPUT, 'utf8');
    if (result.code !== 0 || !/^token(<<|=)/m.test(output))
      throw new Error(`${variant.name} failed (${result.code}): ${result.stdout}${result.stderr}`);
  }
  if (variant.cli && (result.code !== 0 || result.stdout === ''))
    throw new Error(`${variant.name} failed (${result.code}): ${result.stderr}`);
  const rss = gnuTime ? Number((await readFile(rssFile, 'utf8')).trim().split('\n').pop()) : NaN;
  return {
    wallMs: result.ms,
    rssKb: Number.isFinite(rss) ? rss : undefined,
    firstRequestMs: requests[0] === undefined ? undefined : requests[0].at - spawnedAt,
    requests: requests.length,
    waves: countWaves(
      requests.map((r) => r.at),
      Math.max(variant.latencyMs, 30),
    ),
  };
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

const median = (values: number[]) => quantile(values, 0.5);

async function dirSize(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size;
  return total;
}

async function main(): Promise<void> {
  const workDir = await mkdtemp(join(tmpdir(), 'bench-'));
  const emulator = await startEmulator();
  try {
    const { workspace } = emulator;
    addJobPolicy(emulator, { audiences: [`${workspace.url}/oidc/v1/token`, 'bench-audience'] });
    emulator.lakebase.addInstance({
      name: 'orders-db',
      state: 'AVAILABLE',
      readWriteDns: 'instance-1.database.example.test',
    });
    const floorCore = await bundleFloor(join(workDir, 'floor-core'));
    const floorNode = join(ROOT, 'bench', 'floors', 'node-only.mjs');
    const action = join(DIST, 'index.js');
    const exchange = { host: workspace.url, 'client-id': SP_APPLICATION_ID };
    const lakebase = { ...exchange, 'lakebase-instance': 'orders-db' };
    const withAudience = { ...exchange, audience: 'bench-audience' };
    const variants: Variant[] = [];
    const add = (
      name: string,
      latencyMs: number,
      argv: string[],
      inputs?: Record<string, string>,
    ) =>
      variants.push({
        name,
        latencyMs,
        args: argv,
        exchanges: inputs !== undefined,
        samples: [],
        ...(inputs && { inputs }),
      });
    for (const latency of [50, 0]) {
      add(`action, exchange (+${latency} ms)`, latency, [action], exchange);
      add(`floor (a) core, exchange (+${latency} ms)`, latency, [floorCore], exchange);
      add(`floor (b) node, exchange (+${latency} ms)`, latency, [floorNode], exchange);
      add(`action, exchange + Lakebase (+${latency} ms)`, latency, [action], lakebase);
      add(`floor (a) core, exchange + Lakebase (+${latency} ms)`, latency, [floorCore], lakebase);
      add(`floor (b) node, exchange + Lakebase (+${latency} ms)`, latency, [floorNode], lakebase);
    }
    if (args.baseline !== undefined)
      for (const latency of [50, 0]) {
        add(`baseline, exchange (+${latency} ms)`, latency, [args.baseline], exchange);
        add(`baseline, exchange + Lakebase (+${latency} ms)`, latency, [args.baseline], lakebase);
      }
    add('action, exchange, audience given (+50 ms)', 50, [action], withAudience);
    // The command line beside the action: the same GitHub job, the same exchange.
    const cli = join(DIST, 'cli.js');
    const cliFlags = ['--host', workspace.url, '--client-id', SP_APPLICATION_ID];
    const addCli = (name: string, latencyMs: number, argv: string[]) =>
      variants.push({
        name,
        latencyMs,
        args: [cli, ...argv, ...cliFlags],
        exchanges: false,
        cli: true,
        samples: [],
      });
    addCli('cli exchange (+50 ms)', 50, ['exchange', '--format', 'json']);
    addCli('cli exchange (+0 ms)', 0, ['exchange', '--format', 'json']);
    // Filled by the warm-up round, then served from the cache file with no request.
    addCli('cli token, cached', 0, ['token']);
    add("node -e ''", 0, ['-e', '']);
    add('action bundle alone (load, fail at inputs)', 0, [action]);
    add('floor (a) bundle alone (load, no inputs)', 0, [
      '-e',
      `import(${JSON.stringify(floorCore)}).catch(() => {})`,
    ]);

    const only = args.only === undefined ? undefined : new RegExp(args.only);
    const chosen = variants.filter((variant) => only?.test(variant.name) ?? true);
    const longRun = only === undefined || only.test('long job');
    if (chosen.length === 0 && !longRun) throw new Error(`--only ${args.only}: no variant matches`);
    for (let round = 0; round < WARMUP + RUNS; round++) {
      for (const variant of chosen) {
        const sample = await measure(variant, emulator, workDir);
        if (round >= WARMUP) variant.samples.push(sample);
      }
      process.stderr.write(`\rround ${round + 1}/${WARMUP + RUNS}`);
    }
    process.stderr.write('\n');
    if (chosen.length > 0) report(chosen, await dirSize(DIST));
    if (longRun) await longJob(emulator, workDir, args.smoke ? 'smoke' : 'full');
  } finally {
    await emulator.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

function report(variants: Variant[], distBytes: number): void {
  const stats = new Map(
    variants.map((v) => {
      const wall = v.samples.map((s) => s.wallMs);
      const rss = v.samples.flatMap((s) => (s.rssKb === undefined ? [] : [s.rssKb]));
      const first = v.samples.flatMap((s) =>
        s.firstRequestMs === undefined ? [] : [s.firstRequestMs],
      );
      return [
        v.name,
        {
          median: median(wall),
          p95: quantile(wall, 0.95),
          rssMb: rss.length === 0 ? NaN : median(rss) / 1024,
          firstRequest: first.length === 0 ? NaN : median(first),
          requests: median(v.samples.map((s) => s.requests)),
          waves: median(v.samples.map((s) => s.waves)),
        },
      ];
    }),
  );
  const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
  console.log(
    `\nNode ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB; ${RUNS} runs after ${WARMUP} warm-up(s)${existsSync(GNU_TIME) ? '' : '; no /usr/bin/time, so no RSS'}\n`,
  );
  console.log(
    '| variant | median ms | p95 ms | peak RSS MB | first request ms | requests | sequential |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [name, s] of stats)
    console.log(
      `| ${name} | ${fmt(s.median)} | ${fmt(s.p95)} | ${fmt(s.rssMb)} | ${fmt(s.firstRequest)} | ${s.requests || '–'} | ${s.waves || '–'} |`,
    );
  const ratio = (a: string, b: string) => {
    const x = stats.get(a)?.median ?? NaN;
    const y = stats.get(b)?.median ?? NaN;
    return `${fmt(x / y, 2)}×`;
  };
  console.log("\n| ratio of medians | to floor (a) core | to floor (b) node | to node -e '' |");
  console.log('| --- | ---: | ---: | ---: |');
  for (const latency of [50, 0])
    for (const kind of ['exchange', 'exchange + Lakebase']) {
      const suffix = `${kind} (+${latency} ms)`;
      if (stats.has(`action, ${suffix}`))
        console.log(
          `| action, ${suffix} | ${ratio(`action, ${suffix}`, `floor (a) core, ${suffix}`)} | ${ratio(`action, ${suffix}`, `floor (b) node, ${suffix}`)} | ${ratio(`action, ${suffix}`, "node -e ''")} |`,
        );
    }
  for (const latency of [50, 0])
    if (stats.has(`cli exchange (+${latency} ms)`))
      console.log(
        `\ncli exchange (+${latency} ms) / action, exchange (+${latency} ms): ${ratio(`cli exchange (+${latency} ms)`, `action, exchange (+${latency} ms)`)}`,
      );
  const cached = stats.get('cli token, cached')?.median ?? NaN;
  console.log(
    `cli token, cached: ${fmt(cached)} ms, ${fmt(cached - (stats.get("node -e ''")?.median ?? NaN))} ms over node -e ''; requests ${stats.get('cli token, cached')?.requests ?? '–'}`,
  );
  const node = stats.get("node -e ''")?.median ?? NaN;
  const alone = stats.get('action bundle alone (load, fail at inputs)')?.median ?? NaN;
  console.log(
    `\ndist/: ${(distBytes / 1024).toFixed(0)} KiB; loading the bundle costs ${fmt(alone - node)} ms over Node start-up (${fmt(alone)} ms vs ${fmt(node)} ms)`,
  );
}

await main();
