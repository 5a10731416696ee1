/**
 * Throw-away PostgreSQL server for tests: a real server that accepts a role's password (a
 * short-lived token, like Lakebase's) over SSL on port 5432.
 *
 * - Listens only on a random loopback address 127.0.0.X:5432 (X in 2..254; another one is
 *   tried when the address is taken), so it never clashes with a server on 127.0.0.1:5432; its
 *   unix socket is in its own temp dir, not /var/run/postgresql.
 * - SSL with a self-signed certificate generated at start (openssl CLI).
 * - pg_hba: unix socket `trust` for the superuser only; TCP needs SSL + scram-sha-256.
 * - Server binaries run as the `postgres` OS user when we are root (initdb refuses root).
 *
 * Needs Debian's `postgresql` package and openssl: see .ci/install-postgres.sh.
 */
import { execFile, execFileSync } from 'node:child_process';
import {
  chmod,
  chown,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rm,
  writeFile,
} from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface PostgresServer {
  /** Loopback IP the server listens on (127.0.0.X). */
  host: string;
  /** Always 5432 (Lakebase's port; the action hard-codes 5432). */
  port: number;
  /** 'databricks_postgres' (created at start). */
  database: string;
  /** Server log file (inside the temp dir; gone after stop()). */
  logFile: string;
  /**
   * Creates the LOGIN role if missing, sets its PASSWORD and VALID UNTIL, grants CONNECT on the
   * database and USAGE, CREATE on schema public.
   */
  setLoginPassword(role: string, password: string, validUntil: Date): Promise<void>;
  /** Runs a query as the superuser over the unix socket; resolves to the rows. */
  query(sql: string, params?: unknown[]): Promise<unknown[]>;
  /** Stops the server and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

const PORT = 5432;
const DATABASE = 'databricks_postgres';
const SUPERUSER = 'postgres';
const OS_USER = 'postgres';
/** Server starts that may fail to bind (the address got taken after our probe) before giving up. */
const MAX_START_ATTEMPTS = 5;

interface RunAs {
  uid: number;
  gid: number;
  /** Prefix for server binaries: ['runuser', '-u', 'postgres', '--'] when root, else []. */
  prefix: string[];
}

class CommandError extends Error {
  readonly output: string;
  constructor(message: string, output: string) {
    super(message);
    this.name = 'CommandError';
    this.output = output;
  }
}

function run(argv: string[], cwd: string): Promise<string> {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('empty command');
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { cwd, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } },
      (error, stdout, stderr) => {
        const output = `${stdout}${stderr}`.trim();
        if (error) {
          reject(new CommandError(`${argv.join(' ')} failed: ${error.message}\n${output}`, output));
        } else {
          resolve(output);
        }
      },
    );
  });
}

/** The directory of an `initdb` on PATH (Homebrew, Nix, …), as .ci/install-postgres.sh finds it. */
async function initdbOnPath(): Promise<string | undefined> {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter).filter(Boolean)) {
    try {
      // A symlink (/usr/local/bin/initdb → …/bin/initdb): the server's other binaries sit by the target.
      return path.dirname(await realpath(path.join(dir, 'initdb')));
    } catch {
      // not here
    }
  }
  return undefined;
}

async function findBinDir(): Promise<string> {
  const fromEnv = process.env['PG_BINDIR'];
  if (fromEnv) return fromEnv;
  const onPath = await initdbOnPath();
  if (onPath !== undefined) return onPath;
  const root = '/usr/lib/postgresql';
  let majors: string[] = [];
  try {
    majors = (await readdir(root)).filter((name) => /^\d+$/.test(name));
  } catch {
    // fall through
  }
  majors.sort((a, b) => Number(b) - Number(a));
  for (const major of majors) {
    const dir = path.join(root, major, 'bin');
    try {
      await readFile(path.join(dir, 'initdb'));
      return dir;
    } catch {
      // try the next one
    }
  }
  throw new Error(
    `no PostgreSQL server found under ${root}/*/bin (run .ci/install-postgres.sh, or set PG_BINDIR)`,
  );
}

async function resolveRunAs(): Promise<RunAs> {
  const uid = process.getuid?.() ?? -1;
  if (uid !== 0) return { uid, gid: process.getgid?.() ?? -1, prefix: [] };
  const passwd = await readFile('/etc/passwd', 'utf8');
  const entry = passwd
    .split('\n')
    .map((line) => line.split(':'))
    .find((fields) => fields[0] === OS_USER);
  if (!entry || entry[2] === undefined || entry[3] === undefined) {
    throw new Error(`running as root but there is no '${OS_USER}' OS user to run PostgreSQL as`);
  }
  return {
    uid: Number(entry[2]),
    gid: Number(entry[3]),
    prefix: ['runuser', '-u', OS_USER, '--'],
  };
}

/** Resolves true when nothing is listening on address:port (we can bind it ourselves). */
function canBind(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host: address, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** 127.0.0.2 .. 127.0.0.254 in random order. */
function shuffledLoopbackAddresses(): string[] {
  const addresses = Array.from({ length: 253 }, (_, i) => `127.0.0.${i + 2}`);
  for (let i = addresses.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [addresses[i], addresses[j]] = [addresses[j] as string, addresses[i] as string];
  }
  return addresses;
}

/** Quotes a string as a postgresql.conf value. */
function confString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

function isBindFailure(log: string): boolean {
  return /could not bind|could not create any TCP\/IP sockets|Address already in use/i.test(log);
}

async function tail(file: string, lines = 40): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export async function startPostgres(): Promise<PostgresServer> {
  const binDir = await findBinDir();
  const runAs = await resolveRunAs();
  const bin = (name: string) => [...runAs.prefix, path.join(binDir, name)];

  const tempDir = await mkdtemp(path.join(os.tmpdir(), 'pg-harness-'));
  const dataDir = path.join(tempDir, 'data');
  const logFile = path.join(tempDir, 'postgres.log');
  const certFile = path.join(tempDir, 'server.crt');
  const keyFile = path.join(tempDir, 'server.key');
  let started = false;
  let client: pg.Client | undefined;

  // If the test process exits without stop(), don't leave an orphaned postmaster behind.
  const onExit = () => {
    if (started) {
      try {
        execFileSync(
          bin('pg_ctl')[0] ?? '',
          [...bin('pg_ctl').slice(1), 'stop', '-m', 'immediate', '-D', dataDir],
          { cwd: tempDir, stdio: 'ignore' },
        );
      } catch {
        // best effort
      }
    }
    try {
      execFileSync('rm', ['-rf', tempDir], { stdio: 'ignore' });
    } catch {
      // best effort
    }
  };

  const cleanup = async () => {
    process.off('exit', onExit);
    if (client) {
      const c = client;
      client = undefined;
      await c.end().catch(() => undefined);
    }
    if (started) {
      started = false;
      await run([...bin('pg_ctl'), 'stop', '-m', 'immediate', '-w', '-D', dataDir], tempDir).catch(
        () => undefined,
      );
    }
    await rm(tempDir, { recursive: true, force: true });
  };
  process.on('exit', onExit);

  try {
    await chmod(tempDir, 0o700);
    if (runAs.prefix.length > 0) await chown(tempDir, runAs.uid, runAs.gid);

    // initdb and the certificate are independent: do them in parallel.
    const initdb = run(
      [
        ...bin('initdb'),
        '-D',
        dataDir,
        '-U',
        SUPERUSER,
        '-E',
        'UTF8',
        '--locale=C',
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '--no-sync',
        '--no-instructions',
      ],
      tempDir,
    );
    const cert = (async () => {
      await run(
        [
          'openssl',
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-keyout',
          keyFile,
          '-out',
          certFile,
          '-days',
          '2',
          '-subj',
          '/CN=postgres-test-harness',
        ],
        tempDir,
      );
      for (const file of [keyFile, certFile]) {
        if (runAs.prefix.length > 0) await chown(file, runAs.uid, runAs.gid);
      }
      await chmod(keyFile, 0o600);
      await chmod(certFile, 0o644);
    })();
    // Wait for both before failing, so cleanup doesn't race a still-running command.
    for (const result of await Promise.allSettled([initdb, cert])) {
      if (result.status === 'rejected') throw result.reason;
    }

    // Settings live in an included file that is rewritten for each address attempt.
    const conf = path.join(dataDir, 'postgresql.conf');
    await writeFile(conf, `${await readFile(conf, 'utf8')}\ninclude 'harness.conf'\n`);

    let host = '';
    let attempt = 0;
    for (const candidate of shuffledLoopbackAddresses()) {
      // Cheap probe first: skip addresses where something already listens on the port.
      if (!(await canBind(candidate, PORT))) continue;
      attempt++;

      const settings: Record<string, string | number> = {
        listen_addresses: confString(candidate),
        port: PORT,
        unix_socket_directories: confString(tempDir),
        ssl: 'on',
        ssl_cert_file: confString(certFile),
        ssl_key_file: confString(keyFile),
        password_encryption: confString('scram-sha-256'),
        fsync: 'off',
        synchronous_commit: 'off',
        full_page_writes: 'off',
        shared_buffers: confString('16MB'),
        max_connections: 30,
        max_wal_senders: 0,
        wal_level: 'minimal',
        logging_collector: 'off',
        log_connections: 'on',
        log_min_messages: 'warning',
        timezone: confString('UTC'),
      };
      await writeFile(
        path.join(dataDir, 'harness.conf'),
        Object.entries(settings)
          .map(([key, value]) => `${key} = ${value}\n`)
          .join(''),
      );
      // The TCP client's source address is 127.0.0.1 whatever loopback address it connects to
      // (the kernel's 127.0.0.0/8 route has `src 127.0.0.1`), so match the whole loopback net;
      // the server only listens on `candidate` anyway.
      await writeFile(
        path.join(dataDir, 'pg_hba.conf'),
        [
          `local all ${SUPERUSER} trust`,
          'local all all reject',
          'hostssl all all 127.0.0.0/8 scram-sha-256',
          'hostnossl all all all reject',
          '',
        ].join('\n'),
      );
      if (runAs.prefix.length > 0) {
        await chown(path.join(dataDir, 'harness.conf'), runAs.uid, runAs.gid);
      }

      try {
        started = true;
        await run(
          [...bin('pg_ctl'), 'start', '-w', '-t', '30', '-D', dataDir, '-l', logFile],
          tempDir,
        );
        host = candidate;
        break;
      } catch (error) {
        started = false;
        const log = await tail(logFile);
        const output = error instanceof CommandError ? error.output : String(error);
        // pg_ctl may give up on a postmaster that is still starting; make sure it is gone.
        await run(
          [...bin('pg_ctl'), 'stop', '-m', 'immediate', '-w', '-D', dataDir],
          tempDir,
        ).catch(() => undefined);
        if (isBindFailure(log) && attempt < MAX_START_ATTEMPTS) {
          await writeFile(logFile, '').catch(() => undefined);
          continue;
        }
        throw new Error(
          `PostgreSQL failed to start:\n${output}\n--- ${logFile} (tail) ---\n${log}`,
          { cause: error },
        );
      }
    }
    if (!host) {
      throw new Error(
        `no free loopback address 127.0.0.2-254 for port ${PORT} ` +
          '(is something listening on 0.0.0.0:5432, e.g. a cluster with listen_addresses = *?)',
      );
    }

    const admin = new pg.Client({
      host: tempDir,
      port: PORT,
      user: SUPERUSER,
      database: 'postgres',
    });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(DATABASE)}`);
    } finally {
      await admin.end();
    }
    const superuser = new pg.Client({
      host: tempDir,
      port: PORT,
      user: SUPERUSER,
      database: DATABASE,
    });
    await superuser.connect();
    client = superuser;

    const query = async (sql: string, params?: unknown[]): Promise<unknown[]> => {
      if (!client) throw new Error('PostgreSQL server is stopped');
      const result = await client.query(sql, params);
      return result.rows as unknown[];
    };

    const setLoginPassword = async (
      role: string,
      password: string,
      validUntil: Date,
    ): Promise<void> => {
      if (!client) throw new Error('PostgreSQL server is stopped');
      if (Number.isNaN(validUntil.getTime())) throw new Error('validUntil is an invalid Date');
      const ident = client.escapeIdentifier(role);
      const existing = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
      if (existing.rowCount === 0) {
        try {
          await client.query(`CREATE ROLE ${ident} LOGIN`);
        } catch (error) {
          // 42710 duplicate_object: created concurrently, fine.
          if ((error as { code?: unknown }).code !== '42710') throw error;
        }
      }
      // PASSWORD / VALID UNTIL take no bind parameters: pass escaped literals.
      await client.query(
        `ALTER ROLE ${ident} WITH LOGIN PASSWORD ${client.escapeLiteral(password)} ` +
          `VALID UNTIL ${client.escapeLiteral(validUntil.toISOString())}`,
      );
      await client.query(
        `GRANT CONNECT ON DATABASE ${client.escapeIdentifier(DATABASE)} TO ${ident}`,
      );
      await client.query(`GRANT USAGE, CREATE ON SCHEMA public TO ${ident}`);
    };

    return {
      host,
      port: PORT,
      database: DATABASE,
      logFile,
      setLoginPassword,
      query,
      stop: cleanup,
    };
  } catch (error) {
    await cleanup().catch(() => undefined);
    throw error;
  }
}
