// The metadata service both edges run (`databricks-oidc serve`, the action's export-env:
// metadata-service): the SDKs' contract on 127.0.0.1 under an unguessable path, a Databricks token
// exchanged once per lifetime rather than per request, and with a Lakebase target, libpq's password
// file kept current ahead of each credential's expiry.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config.ts';
import { callContext, obtainCredentials, type CoreDeps, type Credentials } from '../credentials.ts';
import { mintLakebaseCredential, type LakebaseCredential } from '../databricks/lakebase.ts';
import { describeFailure } from '../errors.ts';
import { serviceVariables } from '../handoff-variables.ts';
import { serverDate } from '../secrets/server-values.ts';
import { refusalOf, tokenBody } from './contract.ts';
import { removePassfile, writePassfile, type Passfile } from './passfile.ts';
import { Renewing, type Lease } from './renewing.ts';

/** When Databricks does not say: the life of a GitHub token, and Lakebase's documented hour. */
const ASSUMED_TOKEN_MS = 5 * 60_000;
const ASSUMED_DATABASE_MS = 60 * 60_000;
/** A failed passfile renewal is tried again after this. */
const PASSFILE_RETRY_MS = 5000;
/** A keep-alive connection with no request is closed after this; a slow request after IDLE_MS. */
const KEEP_ALIVE_MS = 5000;
const IDLE_MS = 10_000;

export interface ServiceOptions {
  /** Where to keep libpq's password file (mode 0600) when the configuration has a Lakebase target. */
  passfile?: Passfile;
}

export interface MetadataService {
  url: string;
  /** The first credentials, obtained before the service listened. */
  credentials: Credentials;
  /** What a later process reads: the SDKs' metadata-service variables, and libpq's without a password. */
  variables: Record<string, string>;
  /** Stops answering and renewing, and deletes the passfile. */
  close(): Promise<void>;
}

type TokenLease = Lease<Credentials['token']>;

export async function startMetadataService(
  config: Config,
  deps: CoreDeps,
  options: ServiceOptions = {},
): Promise<MetadataService> {
  const { clock, log } = deps;
  // Never a PAT or an on-behalf-of token: those are the edge's, minted once and revoked by it.
  const served: Config = { ...config, pat: undefined, obo: undefined };
  const first = await obtainCredentials(served, deps); // fails before announcing a useless service
  warnIfNotRenewable(first, deps);
  const tokenOnly: Config = { ...served, lakebase: undefined };
  const tokenLease = (token: Credentials['token']): TokenLease => ({
    value: token,
    expiresAt: token.expiresAt?.getTime() ?? clock.now() + ASSUMED_TOKEN_MS,
  });
  const tokens = new Renewing(
    'Databricks token',
    async () => tokenLease((await obtainCredentials(tokenOnly, deps)).token),
    clock,
    log,
  );
  tokens.hold(tokenLease(first.token));
  const passfile =
    first.database !== undefined && options.passfile !== undefined
      ? await keepPassfile(options.passfile, config, first, tokens, deps)
      : undefined;
  const host = first.target.host.url;
  const path = `/${randomBytes(24).toString('base64url')}`;
  const server = createServer({ connectionsCheckingInterval: 1000 }, (request, response) => {
    void answer(request, response, { path, port: portOf(server), host }, tokens, deps);
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = IDLE_MS;
  server.requestTimeout = IDLE_MS;
  server.setTimeout(IDLE_MS * 2, (socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = deps.secrets.add(`http://127.0.0.1:${portOf(server)}${path}`);
  return {
    url,
    credentials: first,
    variables: serviceVariables(first, url, options.passfile?.path),
    close: async () => {
      await passfile?.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function portOf(server: ReturnType<typeof createServer>): number {
  return (server.address() as AddressInfo | null)?.port ?? 0;
}

async function answer(
  request: IncomingMessage,
  response: ServerResponse,
  expected: { path: string; port: number; host: string },
  tokens: Renewing<Credentials['token']>,
  deps: CoreDeps,
): Promise<void> {
  const reply = (status: number, body: object): void => {
    response.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    response.end(JSON.stringify(body));
  };
  const refused = refusalOf(request, expected);
  if (refused !== undefined) {
    const { status, ...body } = refused;
    return reply(status, body);
  }
  try {
    const token = await tokens.current();
    const expiresAt = token.expiresAt?.getTime() ?? tokens.held?.expiresAt ?? 0;
    reply(200, tokenBody(token.accessToken, expiresAt));
  } catch (error) {
    // The SDKs show the status and this text; the service's own log has the same line.
    reply(503, {
      error: 'temporarily_unavailable',
      message: deps.secrets.sanitise(describeFailure(error), 2000),
    });
  }
}

/** A non-renewable source (a variable, a file, an input) runs out: say when, at start. */
function warnIfNotRenewable(first: Credentials, deps: CoreDeps): void {
  if (deps.subjectToken.choosesAudience) return;
  const exp = first.claims?.exp;
  const expiry = typeof exp === 'number' ? serverDate(exp * 1000) : undefined;
  const until =
    expiry === undefined
      ? 'until its token expires'
      : `until ${expiry.toISOString()} (in ${Math.round((expiry.getTime() - deps.clock.now()) / 60_000)} min)`;
  deps.log.warning(
    `The token comes from ${deps.subjectToken.description}, which this service cannot renew: it serves tokens only ${until}, unless that source holds a newer token by then (a projected Kubernetes token file is rotated by the kubelet). For a longer job, use a source that can be asked again (the CI's token service).`,
  );
}

/** Writes the first passfile and renews it ahead of each credential's expiry, until stopped. */
async function keepPassfile(
  passfile: Passfile,
  config: Config,
  first: Credentials,
  tokens: Renewing<Credentials['token']>,
  deps: CoreDeps,
): Promise<{ stop(): Promise<void> }> {
  const { clock, log } = deps;
  const target = first.target;
  const lakebase = first.database as LakebaseCredential;
  const lease = (credential: LakebaseCredential): Lease<LakebaseCredential> => ({
    value: credential,
    expiresAt: credential.expiresAt?.getTime() ?? clock.now() + ASSUMED_DATABASE_MS,
  });
  const lakebaseTarget = config.lakebase as NonNullable<Config['lakebase']>;
  const credentials = new Renewing(
    'Lakebase credential',
    async () => {
      const token = await tokens.current();
      const renewed = await mintLakebaseCredential(callContext(deps), {
        scope: config.scope,
        workspaceUrl: target.host.url,
        accessToken: token.accessToken,
        tokenExpiresAt: token.expiresAt,
        target: lakebaseTarget,
      });
      await writePassfile(passfile, renewed);
      log.info(
        `Lakebase credential renewed in the passfile; expires at ${renewed.expiresAt?.toISOString() ?? 'an unstated time'}`,
      );
      return lease(renewed);
    },
    clock,
    log,
  );
  await writePassfile(passfile, lakebase);
  credentials.hold(lease(lakebase));
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = (wait: number): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      credentials.renew().then(
        () => schedule(Math.max(0, credentials.renewAt - clock.now())),
        () => schedule(PASSFILE_RETRY_MS),
      );
    }, wait);
  };
  schedule(Math.max(0, credentials.renewAt - clock.now()));
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await removePassfile(passfile);
    },
  };
}
