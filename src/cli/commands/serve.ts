import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { obtainCredentials } from '../../core/index.ts';
import type { ParsedArgs } from '../args.ts';
import { render, resolveFormat } from '../handoff.ts';
import { announceMasks, HOLDS_SERVICE_URL } from '../mask.ts';
import type { Session } from '../session.ts';
import type { CliSettings } from '../settings.ts';
import { writeStdout } from '../stdio.ts';
import { runChild } from './exec.ts';

/** A token closer than this to its expiry is replaced before it is served. */
const REFRESH_MARGIN_MS = 120_000;

interface Served {
  accessToken: string;
  expiresOn: number;
}

/** The SDKs' metadata-service contract: GET with the version and host headers, a Bearer token back. */
export async function serveCommand(
  args: ParsedArgs,
  settings: CliSettings,
  session: Session,
): Promise<number> {
  const { ci, deps } = session.coreDeps(settings);
  const host = settings.config.host.url;
  let current: Served | undefined;
  let pending: Promise<Served> | undefined;
  const fresh = async (): Promise<Served> => {
    if (current !== undefined && current.expiresOn * 1000 - Date.now() > REFRESH_MARGIN_MS)
      return current;
    pending ??= obtainCredentials(settings.config, deps)
      .then(({ token }) => {
        const expiresAt = token.expiresAt?.getTime() ?? Date.now() + 5 * 60_000;
        current = { accessToken: token.accessToken, expiresOn: Math.floor(expiresAt / 1000) };
        return current;
      })
      .finally(() => (pending = undefined));
    return pending;
  };
  await fresh(); // fail before announcing a service that cannot serve
  const path = `/${randomBytes(24).toString('base64url')}`;
  const server = createServer(
    (request, response) => void answer(request, response, path, host, fresh, session),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  session.secrets.add(url);
  const variables = {
    DATABRICKS_AUTH_TYPE: 'metadata-service',
    DATABRICKS_METADATA_SERVICE_URL: url,
    DATABRICKS_HOST: host,
  };
  session.log.info(
    `Metadata service listening on 127.0.0.1 (auth type metadata-service) for ${host}`,
  );
  try {
    if (args.child.length > 0)
      return await runChild(args.child, { ...session.env, ...variables }, session);
    const requested = resolveFormat(
      typeof args.flags['format'] === 'string' ? args.flags['format'] : undefined,
      ci,
    );
    // No file to write the variables to: on GitHub they are printed as shell, with shell masks.
    const format = requested === 'github' ? 'shell' : requested;
    await announceMasks({
      ci,
      format,
      secrets: [url],
      note: (line) => session.log.notice(line),
      holds: HOLDS_SERVICE_URL,
      // Whatever the format but Azure's commands, the variables are read or sourced later.
      stdoutIsData: format !== 'azure',
    });
    writeStdout(render(format, variables, new Set(['DATABRICKS_METADATA_SERVICE_URL'])));
    return await untilSignalled();
  } finally {
    server.close();
    session.dispose();
  }
}

async function answer(
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  host: string,
  fresh: () => Promise<Served>,
  session: Session,
): Promise<void> {
  const reply = (status: number, body: object): void => {
    response.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    response.end(JSON.stringify(body));
  };
  if (request.method !== 'GET' || request.url !== path) return reply(404, { error: 'not found' });
  if (request.headers['x-databricks-metadata-version'] !== '1')
    return reply(400, { error: 'X-Databricks-Metadata-Version must be 1' });
  const asked = String(request.headers['x-databricks-host'] ?? '').replace(/\/+$/, '');
  if (asked !== host.replace(/\/+$/, ''))
    return reply(404, { error: 'X-Databricks-Host is not the host this service serves' });
  try {
    const served = await fresh();
    reply(200, {
      access_token: served.accessToken,
      token_type: 'Bearer',
      expires_on: served.expiresOn,
    });
  } catch (error) {
    session.log.warning(
      session.secrets.redact(error instanceof Error ? error.message : String(error)),
    );
    reply(502, { error: 'the exchange failed; see the log of databricks-oidc serve' });
  }
}

function untilSignalled(): Promise<number> {
  return new Promise((resolve) => {
    const stop = (): void => resolve(0);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
