import { readFile, stat } from 'node:fs/promises';
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
