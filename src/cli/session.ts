import {
  CI_CATALOG,
  checkedSource,
  createTransport,
  describeFailure,
  detectSubjectToken,
  tokenVariables,
  obtainCredentials,
  safeLog,
  SecretRegistry,
  systemClock,
  type CiName,
  type CoreDeps,
  type Credentials,
  type Environment,
  type LogSink,
  type Transport,
  unexpandedMacro,
  VERSION,
} from '../core/index.ts';
import type { CliSettings } from './settings.ts';
import { writeStderr } from './stdio.ts';
import { cliWords } from './vocabulary.ts';
import { readTextFile, runCommand } from './system.ts';

export const USER_AGENT = `databricks-oidc-cli/${VERSION}`;

const stderrSink: LogSink = {
  info: (line) => writeStderr(`${cliWords(line)}\n`),
  notice: (line) => writeStderr(`note: ${cliWords(line)}\n`),
  warning: (line) => writeStderr(`warning: ${cliWords(line)}\n`),
};

/** One run's secrets, safe log and transport; the registry only redacts: masking is the hand-off's. */
export class Session {
  readonly secrets = new SecretRegistry(() => undefined);
  readonly log: LogSink;
  readonly transport: Transport = createTransport(USER_AGENT);
  readonly env: Environment;

  /** Progress lines held back by --quiet: printed only when the run fails (see showHeld). */
  private readonly held: string[] = [];

  /** `quiet`: progress lines (info) are held back; warnings, notes and errors are printed. */
  constructor(env: Environment, quiet = false) {
    this.env = env;
    const sink = quiet
      ? { ...stderrSink, info: (line: string) => this.held.push(line) }
      : stderrSink;
    this.log = safeLog(sink, this.secrets);
    // The CI's own credentials are secrets before anything can print them; an unexpanded Azure
    // macro in their place is not one, and its name is what the error must show.
    for (const name of CI_CATALOG.flatMap((row) => row.credentials)) {
      const value = env[name] ?? '';
      if (unexpandedMacro('ci-token', name, value) === undefined) this.secrets.add(value);
    }
  }

  /** The detected CI and the core's dependencies, with the JWT checked before it is presented. */
  coreDeps(settings: CliSettings): { ci: CiName | undefined; deps: CoreDeps } {
    const detected = detectSubjectToken(
      { env: this.env, readFile: readTextFile, runCommand, secrets: this.secrets },
      settings.source,
    );
    this.log.info(`Token source: ${detected.source.description}`);
    return {
      ci: detected.ci,
      deps: {
        ...(detected.ci === undefined ? {} : { ci: detected.ci }),
        transport: this.transport,
        clock: systemClock,
        log: this.log,
        secrets: this.secrets,
        subjectToken: checkedSource(detected.source, settings.source.audience, systemClock),
      },
    };
  }

  async credentials(
    settings: CliSettings,
  ): Promise<{ ci: CiName | undefined; credentials: Credentials }> {
    const { ci, deps } = this.coreDeps(settings);
    return { ci, credentials: await obtainCredentials(settings.config, deps) };
  }

  /**
   * The one line a failure ends in: redacted, with no runner's command in it (it may quote a
   * server or a setting), cut only when far longer than any message (a policy command included).
   */
  errorLine(error: unknown): string {
    return `databricks-oidc: ${cliWords(this.secrets.sanitise(describeFailure(error), 8000))}\n`;
  }

  /** A transport of its own, for work after the session's was disposed (revoking after exec). */
  freshTransport(): Transport {
    return createTransport(USER_AGENT);
  }

  /** A failed run under --quiet shows what led to its error (the refusal's diagnosis, …). */
  showHeld(): void {
    for (const line of this.held.splice(0)) stderrSink.info(line);
  }

  dispose(): void {
    this.transport.dispose();
  }
}

/**
 * The variables a later command reads: the SDKs' names, and libpq's for Lakebase. With a job-scoped
 * PAT, DATABRICKS_TOKEN is the PAT (the reason to mint one), and its id and expiry come along.
 * DATABRICKS_AUTH_TYPE=pat, as the action sets it: a job that also sets DATABRICKS_CLIENT_ID (every
 * recipe does) would otherwise leave the SDKs "more than one authorization method configured".
 */
export function credentialEnv(credentials: Credentials): Record<string, string> {
  const pat = credentials.tokens?.pat;
  return {
    ...tokenVariables(credentials),
    ...(pat === undefined
      ? {}
      : {
          DATABRICKS_PAT_ID: pat.id,
          DATABRICKS_PAT_EXPIRES_AT: pat.expiresAt?.toISOString() ?? '',
        }),
  };
}

export const SECRET_VARIABLES = new Set(['DATABRICKS_TOKEN', 'PGPASSWORD', 'DATABRICKS_OBO_TOKEN']);
