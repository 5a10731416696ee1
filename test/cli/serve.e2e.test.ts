// `serve` end to end: the SDKs' metadata-service contract from dist/cli.js, a token exchanged once
// per lifetime (seconds-long JWTs), the loopback hardening, and the held token when renewal fails.
import { request } from 'node:http';
import { connect } from 'node:net';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliEmulator } from './fixture.ts';
import { cliLeaks, startCli } from './runner.ts';

const fx = useCliEmulator();
const sleepUntil = (epochMs: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, epochMs - Date.now())));

/** serve over a GitLab-style JWT file that the test rewrites; the JWTs live `seconds`. */
async function serveFromFile(seconds: number, extra: string[] = [], fileName = 'jwt') {
  const gitlab = fx.emulator.ci.gitlab;
  const aud = fx.tokenEndpoint();
  fx.trust(gitlab, [aud]);
  const tokenFile = join(fx.dir, fileName);
  const writeJwt = (expiresInSeconds = seconds) =>
    writeFile(tokenFile, gitlab.mintJwt({ aud }, { expiresInSeconds }));
  await writeJwt();
  const server = startCli(
    ['serve', '--format', 'shell', '--oidc-token-file', tokenFile, ...fx.settings(), ...extra],
    { GITLAB_CI: 'true', TMPDIR: fx.dir },
  );
  const url = (await server.waitFor(/DATABRICKS_METADATA_SERVICE_URL='([^']+)'/))[1] ?? '';
  const contract = {
    'X-Databricks-Metadata-Version': '1',
    'X-Databricks-Host': fx.emulator.workspace.url,
  };
  const ask = async (headers: Record<string, string> = contract) => {
    const response = await fetch(url, { headers });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return { server, url, ask, writeJwt, contract };
}

/** A raw GET with a Host and headers fetch would not send (Host, Origin). */
function rawGet(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.on('error', reject).end();
  });
}

describe('serve', () => {
  it('answers the contract from its cache, with a margin scaled to a 10-second token, and re-exchanges near expiry', async () => {
    const { server, url, ask, writeJwt, contract } = await serveFromFile(10);
    try {
      expect(new URL(url).hostname).toBe('127.0.0.1');
      expect(new URL(url).pathname.length).toBeGreaterThan(20);
      expect((await ask({ 'X-Databricks-Host': fx.emulator.workspace.url })).status).toBe(400);
      expect(
        (await ask({ ...contract, 'X-Databricks-Host': 'https://other.example.com' })).status,
      ).toBe(404);
      expect((await fetch(new URL('/', url))).status).toBe(404);
      const first = await ask();
      expect(first.status).toBe(200);
      expect(first.body['token_type']).toBe('Bearer');
      expect(Number(first.body['expires_on']) * 1000).toBeGreaterThan(Date.now());
      // A fixed two-minute margin would re-exchange a 10-second token on every request.
      const again = await ask();
      expect(again.body['access_token']).toBe(first.body['access_token']);
      expect(fx.exchanges()).toBe(1);
      await writeJwt(); // the file is read again at each exchange, as a projected token is
      await sleepUntil(Number(first.body['expires_on']) * 1000 - 1500);
      const second = await ask();
      expect(second.status).toBe(200);
      expect(second.body['access_token']).not.toBe(first.body['access_token']);
      expect(fx.exchanges()).toBe(2);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      const served = [String(first.body['access_token']), String(second.body['access_token'])];
      expect(
        cliLeaks({ exitCode: 0, ...server.output() }, [...fx.emulator.secrets(), ...served]),
      ).toEqual([]);
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('refuses a foreign Host (DNS rebinding) and a browser Origin, even on its own path', async () => {
    const { server, url, contract } = await serveFromFile(300);
    try {
      const port = new URL(url).port;
      expect(await rawGet(url, { ...contract, Host: `127.0.0.1:${port}` })).toBe(200);
      expect(await rawGet(url, { ...contract, Host: `rebind.attacker.example:${port}` })).toBe(403);
      expect(await rawGet(url, { ...contract, Origin: 'https://attacker.example' })).toBe(403);
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('closes a connection that sends nothing', async () => {
    const { server, url } = await serveFromFile(300);
    try {
      const socket = connect(Number(new URL(url).port), '127.0.0.1');
      // Resolves only when the service hangs up; the test's timeout fails it otherwise.
      await new Promise<void>((resolve) => socket.on('close', () => resolve()).resume());
      expect(socket.destroyed).toBe(true);
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('says at start that a token file cannot be renewed, serves the held token while a renewal fails, then an error the SDK shows', async () => {
    // A file name that carries a workflow command: neutralised where the source names it, and
    // again on the way out, the 503 must not pass it on to the SDK that prints it.
    const { server, ask, writeJwt } = await serveFromFile(10, [], 'jwt::warning::planted');
    try {
      const first = await ask();
      expect(first.status).toBe(200);
      expect(server.output().stderr).toMatch(/cannot renew: it serves tokens only until \S+Z/);
      await writeJwt(-5); // nobody rotates the file: what is left in it has expired
      await sleepUntil(Number(first.body['expires_on']) * 1000 - 1500);
      const held = await ask();
      expect(held).toMatchObject({
        status: 200,
        body: { access_token: first.body['access_token'] },
      });
      await sleepUntil(Number(first.body['expires_on']) * 1000 + 1000);
      const failed = await ask();
      expect(failed.status).toBe(503);
      expect(String(failed.body['message'])).toMatch(/expired/);
      expect(String(failed.body['message'])).toContain('jwt');
      expect(String(failed.body['message'])).not.toContain('::warning::');
      expect(failed.body).not.toHaveProperty('access_token');
      expect(server.output().stderr).toContain('Renewing the Databricks token failed');
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('--output FILE: the variables go to a new 0600 file, not stdout', async () => {
    const file = join(fx.dir, 'serve.env');
    const server = startCli(['serve', '--output', file, '--format', 'dotenv', ...fx.settings()], {
      ...fx.gitlabJob(),
      TMPDIR: fx.dir,
    });
    try {
      let text = '';
      for (let i = 0; i < 300 && !text.includes('\n'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        text = await readFile(file, 'utf8').catch(() => '');
      }
      expect(text).toMatch(/^DATABRICKS_AUTH_TYPE=metadata-service$/m);
      const url = /^DATABRICKS_METADATA_SERVICE_URL=(\S+)$/m.exec(text)?.[1] ?? '';
      expect(new URL(url).hostname).toBe('127.0.0.1');
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(server.output().stdout).not.toContain(url);
      const answer = await fetch(url, {
        headers: {
          'X-Databricks-Metadata-Version': '1',
          'X-Databricks-Host': fx.emulator.workspace.url,
        },
      });
      expect(answer.status).toBe(200);
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('serve -- CMD on GitHub masks the service URL first, since the child may print its environment', async () => {
    const run = await fx.run(
      ['serve', '--', 'sh', '-c', 'echo "url=$DATABRICKS_METADATA_SERVICE_URL"'],
      { ...fx.gitlabJob(), GITHUB_ACTIONS: 'true' },
      (done) => [/^url=(\S+)$/m.exec(done.stdout)?.[1] ?? ''],
      true,
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const url = /^url=(\S+)$/m.exec(run.stdout)?.[1] ?? '';
    expect(new URL(url).hostname).toBe('127.0.0.1');
    expect(run.stderr.split('\n')).toContain(`::add-mask::${url}`);
  });

  it('refuses an empty command and an unmasked Azure format before any exchange', async () => {
    const empty = await fx.run(['serve', '--', ''], fx.gitlabJob());
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr).toContain('after -- is empty');
    const azure = await fx.run(['serve', '--format', 'azure'], fx.gitlabJob());
    expect(azure.exitCode).toBe(2);
    expect(azure.stderr).toContain('is azure, but this is no Azure Pipelines job');
    expect(fx.exchanges()).toBe(0);
  });
});
