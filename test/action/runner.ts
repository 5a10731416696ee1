// Runs the bundled action the way the GitHub runner does: a child process of Node 24 with INPUT_*
// variables (action.yml defaults filled in), the file commands, and workflow commands read from stdout.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ACTION_ENTRY = join(ROOT, 'dist', 'index.js');
/** action.yml's runs.post: run after the job's steps, with STATE_<name> from the main step's GITHUB_STATE. */
export const POST_ENTRY = join(ROOT, 'dist', 'post', 'index.js');

export interface ActionRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  env: Record<string, string>;
  summary: string;
  /** What the step saved with core.saveState (its GITHUB_STATE file), by name. */
  state: Record<string, string>;
  /** Values registered with ::add-mask::, in order. */
  masks: string[];
  errors: string[];
  notices: string[];
  warnings: string[];
  /** Plain log lines (not workflow commands). */
  log: string[];
}

export interface RunOptions {
  /** ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN; omitted = the job lacks id-token: write. */
  idToken?: { url: string; token: string };
  env?: Record<string, string>;
  /** The post stage: the main step's saved state, passed as STATE_<name> the way the runner does. */
  post?: { state: Record<string, string> };
}

interface ActionManifest {
  inputs: Record<string, { default?: string }>;
}

let manifest: ActionManifest | undefined;

export async function actionManifest(): Promise<ActionManifest> {
  manifest ??= parse(await readFile(join(ROOT, 'action.yml'), 'utf8')) as ActionManifest;
  return manifest;
}

/** INPUT_<NAME> as the runner sets it: upper case, spaces to underscores, defaults from action.yml. */
async function inputEnv(inputs: Record<string, string>): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const [name, spec] of Object.entries((await actionManifest()).inputs)) {
    const value = inputs[name] ?? spec.default;
    if (value !== undefined) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  for (const name of Object.keys(inputs))
    if (!(name in (await actionManifest()).inputs)) throw new Error(`unknown input ${name}`);
  return env;
}

export async function runAction(
  inputs: Record<string, string>,
  options: RunOptions = {},
): Promise<ActionRun> {
  if (Number(process.versions.node.split('.')[0]) < 24)
    throw new Error('run the tests on Node 24 (npm test does)');
  const dir = await mkdtemp(join(tmpdir(), 'action-run-'));
  const files = {
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_ENV: join(dir, 'env'),
    GITHUB_STATE: join(dir, 'state'),
    GITHUB_PATH: join(dir, 'path'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary'),
  };
  await Promise.all(Object.values(files).map((file) => writeFile(file, '')));
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: dir,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    RUNNER_TEMP: dir,
    GITHUB_WORKSPACE: dir,
    GITHUB_REPOSITORY: 'octo-org/octo-repo',
    ...files,
    ...(await inputEnv(inputs)),
    ...(options.idToken && {
      ACTIONS_ID_TOKEN_REQUEST_URL: options.idToken.url,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: options.idToken.token,
    }),
    ...Object.fromEntries(
      Object.entries(options.post?.state ?? {}).map(([name, value]) => [`STATE_${name}`, value]),
    ),
    ...options.env,
  };
  try {
    const entry = options.post === undefined ? ACTION_ENTRY : POST_ENTRY;
    const { exitCode, stdout, stderr } = await execNode([entry], env, dir);
    const commands = parseWorkflowCommands(stdout);
    return {
      exitCode,
      stdout,
      stderr,
      outputs: parseFileCommand(await readFile(files.GITHUB_OUTPUT, 'utf8')),
      env: parseFileCommand(await readFile(files.GITHUB_ENV, 'utf8')),
      summary: await readFile(files.GITHUB_STEP_SUMMARY, 'utf8'),
      state: parseFileCommand(await readFile(files.GITHUB_STATE, 'utf8')),
      ...commands,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function execNode(
  args: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { env, cwd, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ exitCode: code, stdout, stderr });
      },
    );
  });
}

/** The runner's reading of `::command::data` lines (data escaping: %25 %0D %0A). */
export function parseWorkflowCommands(
  stdout: string,
): Pick<ActionRun, 'masks' | 'errors' | 'notices' | 'warnings' | 'log'> {
  const result = {
    masks: [] as string[],
    errors: [] as string[],
    notices: [] as string[],
    warnings: [] as string[],
    log: [] as string[],
  };
  for (const line of stdout.split(/\r?\n/)) {
    const match = /^::([a-z-]+)(?: [^:]*)?::(.*)$/.exec(line.trimStart());
    if (match === null) {
      if (line !== '') result.log.push(line);
      continue;
    }
    const data = unescapeData(match[2] ?? '');
    const lists: Record<string, string[]> = {
      'add-mask': result.masks,
      error: result.errors,
      notice: result.notices,
      warning: result.warnings,
    };
    (lists[match[1] ?? ''] ?? result.log).push(data);
  }
  return result;
}

function unescapeData(data: string): string {
  return data.replaceAll('%0D', '\r').replaceAll('%0A', '\n').replaceAll('%25', '%');
}

/** `name<<DELIMITER\nvalue\nDELIMITER` or `name=value`, as the runner's FileCommandManager reads them. */
export function parseFileCommand(content: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = content.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name = '', delimiter] = heredoc;
      const end = lines.indexOf(delimiter ?? '', i + 1);
      if (end < 0) throw new Error(`matching delimiter not found for ${name}`);
      values[name] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else {
      const eq = line.indexOf('=');
      if (eq < 0) throw new Error(`invalid file command line: ${line}`);
      values[line.slice(0, eq)] = line.slice(eq + 1);
    }
  }
  return values;
}
