import { readdir, readFile, stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

const BUNDLE = new URL('../../dist/index.js', import.meta.url);

describe('the bundle', () => {
  it('stays under the 700 KB budget', async () => {
    expect((await stat(BUNDLE)).size).toBeLessThan(700_000);
  });

  // The npm override that swaps undici for tools/undici-stub names @actions/http-client's exact
  // version: an upgrade that forgets it brings ~440 KiB and ~30 ms of start-up back.
  it('carries the undici stub, not undici', async () => {
    const code = await readFile(BUNDLE, 'utf8');
    expect(code).toContain('undici is not bundled with this action');
    expect(code).not.toMatch(/UND_ERR_/);
  });
});

// CommonJS starts 2 to 3 ms sooner than an ES module (tools/build.ts): dist/package.json must say
// so, since the repository's own package.json says "type": "module".
describe('the bundles', () => {
  it.each(['index.js', 'post/index.js', 'metadata-service/index.js', 'cli.js'])(
    'dist/%s is CommonJS',
    async (name) => {
      const code = await readFile(new URL(`../../dist/${name}`, import.meta.url), 'utf8');
      expect(code.replace(/^#!.*\n/, '')).toMatch(/^\(\(\)=>\{/);
      expect(code).toContain('require("');
      expect(code).not.toContain('import.meta');
      expect(code).not.toMatch(/^import[\s{]/m);
    },
  );

  it('dist/package.json makes Node read them as CommonJS', async () => {
    const manifest = await readFile(new URL('../../dist/package.json', import.meta.url), 'utf8');
    expect(JSON.parse(manifest)).toEqual({ type: 'commonjs' });
  });
});

const CLI = new URL('../../dist/cli.js', import.meta.url);

describe('the command-line bundle', () => {
  it('is an executable node script named in package.json bin', async () => {
    const code = await readFile(CLI, 'utf8');
    expect(code.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect((await stat(CLI)).mode & 0o111).not.toBe(0);
    const manifest = JSON.parse(
      await readFile(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as {
      name: string;
      bin: Record<string, string>;
      private?: boolean;
    };
    expect(manifest).toMatchObject({
      name: 'databricks-oidc',
      bin: { 'databricks-oidc': 'dist/cli.js' },
    });
    expect(manifest.private).toBeUndefined();
  });

  // The cached token path defers the rest with an eager import(): still one file, no chunk.
  it('is one file beside the action bundle', async () => {
    const scripts = (await readdir(new URL('../../dist/', import.meta.url))).filter((name) =>
      name.endsWith('.js'),
    );
    expect(scripts.sort()).toEqual(['cli.js', 'index.js']);
  });

  it('stays under the 700 KB budget and carries the undici stub', async () => {
    expect((await stat(CLI)).size).toBeLessThan(700_000);
    expect(await readFile(CLI, 'utf8')).not.toMatch(/UND_ERR_/);
  });
});

const POST = new URL('../../dist/post/index.js', import.meta.url);

describe('the post-step bundle', () => {
  // post.ts once imported main.ts for the JWT source, which dragged the main edge in.
  it('carries the post step without the main edge (its summary and file-command checks)', async () => {
    const code = await readFile(POST, 'utf8');
    expect(code).toContain('could not revoke itself');
    expect(code).not.toContain('The job summary could not be written');
    expect(code).not.toContain('The runner is too old');
  });

  it('is smaller than the main bundle', async () => {
    expect((await stat(POST)).size).toBeLessThan((await stat(BUNDLE)).size);
  });
});
