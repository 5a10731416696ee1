// The stand-in `circleci` and `buildkite-agent` executables (bin/): the real agents cannot run
// here, so these parse the same argument forms and ask the emulator's 'ci' server instead.
//
//   circleci run oidc get [--claims '{"aud":"X"}']      env EMULATOR_CI_URL, EMULATOR_CIRCLECI_AGENT_TOKEN
//   buildkite-agent oidc request-token [--audience X] [--lifetime N] [--claim C[,C]]...
//                                                        env BUILDKITE_AGENT_ENDPOINT, _ACCESS_TOKEN, BUILDKITE_JOB_ID
//   buildkite-agent redactor add  < value               appends the value (one JSON string a line)
//                                                        to the file named by BUILDKITE_REDACTOR_LOG
//
// Each prints the JWT and a newline on stdout; usage errors exit 2, failures 1, with a message
// on stderr.

import { appendFileSync } from 'node:fs';
import { CIRCLECI_AGENT_PATH } from './ci-agents.ts';

class CliError extends Error {
  readonly code: number;
  constructor(message: string, code: number) {
    super(message);
    this.code = code;
  }
}

const usage = (message: string) => new CliError(message, 2);

type Env = Record<string, string | undefined>;

function required(env: Env, name: string): string {
  const value = env[name];
  if (!value) throw new CliError(`${name} is not set: not running inside a job`, 1);
  return value;
}

/** `--name value` and `--name=value` flags; every flag must be listed in `names`. */
function parseFlags(args: string[], names: string[]): Map<string, string[]> {
  const flags = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const match = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    if (!match?.[1] || !names.includes(match[1])) throw usage(`unknown argument '${arg}'`);
    let value = match[2];
    if (value === undefined) {
      value = args[++i];
      if (value === undefined) throw usage(`--${match[1]} needs a value`);
    }
    flags.set(match[1], [...(flags.get(match[1]) ?? []), value]);
  }
  return flags;
}

function single(flags: Map<string, string[]>, name: string): string | undefined {
  const values = flags.get(name);
  if (values && values.length > 1) throw usage(`--${name} may be given once`);
  return values?.[0];
}

async function postForToken(url: string, authorization: string, body: unknown): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new CliError(`request to ${url} failed: ${String(error)}`, 1);
  }
  const text = await res.text();
  if (!res.ok) throw new CliError(`token request failed: HTTP ${res.status} ${text}`, 1);
  const token = (JSON.parse(text) as { token?: unknown }).token;
  if (typeof token !== 'string') throw new CliError('token response has no token', 1);
  return token;
}

async function circleci(args: string[], env: Env): Promise<string> {
  const [run, oidc, get, ...rest] = args;
  if (run !== 'run' || oidc !== 'oidc' || get !== 'get') {
    throw usage('usage: circleci run oidc get [--claims \'{"aud":"..."}\']');
  }
  const claimsText = single(parseFlags(rest, ['claims']), 'claims');
  let claims: unknown = {};
  if (claimsText !== undefined) {
    try {
      claims = JSON.parse(claimsText);
    } catch {
      throw usage(`--claims is not JSON: ${claimsText}`);
    }
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
      throw usage('--claims must be a JSON object');
    }
  }
  const base = required(env, 'EMULATOR_CI_URL');
  const token = required(env, 'EMULATOR_CIRCLECI_AGENT_TOKEN');
  return postForToken(`${base}${CIRCLECI_AGENT_PATH}`, `Bearer ${token}`, { claims });
}

async function requestToken(args: string[], env: Env): Promise<string> {
  const flags = parseFlags(args, ['audience', 'lifetime', 'claim']);
  const audience = single(flags, 'audience');
  const lifetimeText = single(flags, 'lifetime');
  if (lifetimeText !== undefined && !/^\d+$/.test(lifetimeText)) {
    throw usage(`--lifetime must be a number of seconds, got '${lifetimeText}'`);
  }
  const claims = (flags.get('claim') ?? []).flatMap((c) => c.split(',')).filter(Boolean);
  const endpoint = required(env, 'BUILDKITE_AGENT_ENDPOINT').replace(/\/$/, '');
  const token = required(env, 'BUILDKITE_AGENT_ACCESS_TOKEN');
  const job = required(env, 'BUILDKITE_JOB_ID');
  const body = {
    ...(audience === undefined ? {} : { audience }),
    ...(lifetimeText === undefined ? {} : { lifetime: Number(lifetimeText) }),
    ...(claims.length === 0 ? {} : { claims }),
  };
  const url = `${endpoint}/jobs/${encodeURIComponent(job)}/oidc/tokens`;
  return postForToken(url, `Token ${token}`, body);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function redactorAdd(args: string[], env: Env): Promise<undefined> {
  if (args.length > 0)
    throw usage(`unknown argument '${args[0] ?? ''}' (the value comes on stdin)`);
  const value = (await readStdin()).replace(/\r?\n$/, '');
  if (value === '') throw new CliError('nothing to redact: stdin was empty', 1);
  const log = env['BUILDKITE_REDACTOR_LOG'];
  if (log) appendFileSync(log, `${JSON.stringify(value)}\n`, { mode: 0o600 });
  return undefined;
}

async function buildkiteAgent(args: string[], env: Env): Promise<string | undefined> {
  const [group, command, ...rest] = args;
  if (group === 'oidc' && command === 'request-token') return requestToken(rest, env);
  if (group === 'redactor' && command === 'add') return redactorAdd(rest, env);
  throw usage('usage: buildkite-agent oidc request-token [--audience X] | redactor add');
}

/** Runs one stand-in and sets process.exitCode; `tool` is the executable's name. */
export async function main(tool: 'circleci' | 'buildkite-agent'): Promise<void> {
  const args = process.argv.slice(2);
  try {
    const out =
      tool === 'circleci'
        ? await circleci(args, process.env)
        : await buildkiteAgent(args, process.env);
    if (out !== undefined) process.stdout.write(`${out}\n`);
  } catch (error) {
    const code = error instanceof CliError ? error.code : 1;
    process.stderr.write(`${tool}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = code;
  }
}
