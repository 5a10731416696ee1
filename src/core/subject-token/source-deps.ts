import { StageError } from '../errors.ts';
import { unexpandedMacro } from './azure-macro.ts';
import type { SecretRegistry } from '../secrets/registry.ts';

/** Environment variables as an edge passes them in; the core never reads `process` itself. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** What a command printed; `undefined` from the runner means the command does not exist. */
export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The outside world a token source may touch, passed in by the edge (the core spawns nothing). */
export interface SourceDeps {
  env: Environment;
  /** Rejects with a Node-style error (`code`: ENOENT, EISDIR, EACCES, …) when it cannot read. */
  readFile: (path: string) => Promise<string>;
  runCommand: (
    command: string,
    args: string[],
    stdin?: string,
  ) => Promise<CommandResult | undefined>;
  secrets: SecretRegistry;
}

/** Inside a detected CI whose token cannot be had: the message holds that CI's fix. */
export function tokenUnavailable(problem: string, hint: string): StageError {
  return new StageError('ci-token', problem, hint, { kind: 'unavailable' });
}

/** No token source at all: neither a CI nor an explicit token was found. */
export function noTokenSource(problem: string, hint: string): StageError {
  return new StageError('ci-token', problem, hint, { kind: 'no-source' });
}

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** A JWT as found in a variable, a file or a command's output: trimmed, shape-checked, a secret. */
export function acceptJwt(value: string, secrets: SecretRegistry, where: string): string {
  // Checked before it is a secret: the macro's name is no secret, and redacted it would say nothing.
  const unexpanded = unexpandedMacro('ci-token', where, value);
  if (unexpanded !== undefined) throw unexpanded;
  const jwt = secrets.add(value.trim());
  if (!JWT.test(jwt))
    throw tokenUnavailable(
      `${where} does not hold a JWT (three base64url parts separated by dots)`,
      'Put the raw OIDC ID token there, with nothing else',
    );
  return jwt;
}
