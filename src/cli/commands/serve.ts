import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { invalidSetting, startMetadataService } from '../../core/index.ts';
import type { ParsedArgs } from '../args.ts';
import { checkOutputPath, render, resolveFormat, writeOutputFile } from '../handoff.ts';
import { announceMasks, HOLDS_SERVICE_URL, maskingRunner } from '../mask.ts';
import type { Session } from '../session.ts';
import type { CliSettings } from '../settings.ts';
import { writeStdout } from '../stdio.ts';
import { refuseUnmaskedAzure } from '../delivery.ts';
import { childCommand, runChild } from './exec.ts';

const PASSFILE_FS = { writeFile, rename, rm };

const SECRET = new Set(['DATABRICKS_METADATA_SERVICE_URL']);

/** The SDKs' metadata-service contract for a child command or the rest of a job (core's service). */
export async function serveCommand(
  args: ParsedArgs,
  settings: CliSettings,
  session: Session,
): Promise<number> {
  const output = typeof args.flags['output'] === 'string' ? args.flags['output'] : undefined;
  const force = args.flags['force'] === true;
  if (output !== undefined && args.child.length > 0)
    throw invalidSetting(
      'output',
      'cannot be combined with a command after --',
      'The command gets the variables in its environment; drop --output',
    );
  if (output !== undefined) await checkOutputPath(output, force);
  if (args.child.length > 0) childCommand(args.child);
  const { ci, deps } = session.coreDeps(settings);
  const env = session.env;
  const requested = resolveFormat(
    typeof args.flags['format'] === 'string' ? args.flags['format'] : undefined,
    maskingRunner(env, ci),
  );
  // No file to write the variables to: on GitHub they are printed as shell, with shell masks.
  const format = requested === 'github' ? 'shell' : requested;
  if (args.child.length === 0) refuseUnmaskedAzure(format, output, maskingRunner(env, ci));
  // libpq's password file, in a directory of its own that only this user can enter.
  const dir =
    settings.config.lakebase === undefined
      ? undefined
      : await mkdtemp(join(tmpdir(), 'databricks-oidc-pg-'));
  try {
    const service = await startMetadataService(settings.config, deps, {
      ...(dir === undefined ? {} : { passfile: { path: join(dir, 'pgpass'), fs: PASSFILE_FS } }),
    });
    try {
      const { variables } = service;
      session.log.info(
        `Metadata service listening on 127.0.0.1 (auth type metadata-service) for ${variables['DATABRICKS_HOST'] ?? ''}${variables['PGPASSFILE'] ? '; Lakebase password file kept current at PGPASSFILE' : ''}`,
      );
      if (args.child.length > 0) {
        // The child may print its environment: the URL is masked first, as exec masks its token.
        await announceMasks({
          ci,
          env,
          format: 'shell',
          secrets: [service.url],
          note: (line) => session.log.notice(line),
          stdoutIsData: true,
          stderrOnly: true,
        });
        return await runChild(args.child, { ...env, ...variables }, session);
      }
      await announceMasks({
        ci,
        env,
        // Into a file, the masks are plain commands on stdout, not lines for an eval.
        format: output !== undefined && format === 'shell' ? 'dotenv' : format,
        secrets: [service.url],
        note: (line) => session.log.notice(line),
        holds: HOLDS_SERVICE_URL,
        // Whatever the format but Azure's commands, the variables are read or sourced later.
        stdoutIsData: output === undefined && format !== 'azure',
      });
      const text = render(format, variables, SECRET);
      if (output === undefined) writeStdout(text);
      else {
        await writeOutputFile(output, text, force);
        session.log.info(`The variables are in ${output}; the service runs until SIGINT/SIGTERM`);
      }
      return await untilSignalled();
    } finally {
      await service.close();
    }
  } finally {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    session.dispose();
  }
}

function untilSignalled(): Promise<number> {
  return new Promise((resolve) => {
    const stop = (): void => resolve(0);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    process.once('SIGHUP', stop);
  });
}
