// npm run build: type-check and emit src/ into build/, bundle each edge with ncc into dist/, and
// leave nothing else behind. dist/ is committed; .ci/run fails if it differs from a fresh build.
//
// The bundles are CommonJS, though the sources are ES modules: ncc emits CommonJS when the entry's
// package scope is not "type": "module", and a CommonJS entry starts faster. Node evaluates it
// without the ES module loader, and the built-ins it needs are plain require() calls rather than an
// `import { createRequire } from "module"`: 2 to 3 ms off every run, which a cached
// `databricks-oidc token` call notices (docs/benchmarks.md).
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUILD = join(ROOT, 'build');
const DIST = join(ROOT, 'dist');
const bin = (name: string): string => join(ROOT, 'node_modules', '.bin', name);

// --no-cache: ncc's webpack cache lives in ~/.cache, outside the clone, so a build could depend on
// what an earlier build on the same machine left there; the bundle must depend on the sources only.
function ncc(entry: string, out: string, ...flags: string[]): void {
  const args = ['build', join(BUILD, entry), '-o', out, '--minify', '--no-source-map-register'];
  execFileSync(bin('ncc'), [...args, '--no-cache', '-q', ...flags], { stdio: 'inherit' });
}

// package.json is where the version lives; the sources carry a placeholder that every bundle
// replaces, so `--version`, the user agents and the job summary cannot drift from it.
function stampVersion(file: string): void {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    version: string;
  };
  const placeholder = "'0.0.0-source'";
  const code = readFileSync(file, 'utf8');
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) throw new Error(`bad version ${version}`);
  if (code.split(placeholder).length !== 2) throw new Error(`${file}: no single ${placeholder}`);
  writeFileSync(file, code.replace(placeholder, JSON.stringify(version)));
}

rmSync(BUILD, { recursive: true, force: true });
rmSync(DIST, { recursive: true, force: true });
execFileSync(bin('tsc'), ['-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
stampVersion(join(BUILD, 'core', 'version.js'));
// Not "type": "module", so ncc emits CommonJS; "sideEffects": false, as in the root package.json,
// lets it drop the core modules an edge does not use.
writeFileSync(join(BUILD, 'package.json'), '{ "sideEffects": false }\n');

ncc('action/index.js', DIST, '--license', 'licenses.txt');
ncc('action/post-entry.js', join(DIST, 'post'));
ncc('action/metadata-service-entry.js', join(DIST, 'metadata-service'));
ncc('cli/index.js', join(BUILD, 'cli-bundle'));
const cli = join(DIST, 'cli.js');
writeFileSync(
  cli,
  `#!/usr/bin/env node\n${readFileSync(join(BUILD, 'cli-bundle', 'index.js'), 'utf8')}`,
);
chmodSync(cli, 0o755);
// The repository's package.json says "type": "module" (for src/ and test/); dist/ says otherwise.
writeFileSync(join(DIST, 'package.json'), '{ "type": "commonjs" }\n');
rmSync(BUILD, { recursive: true, force: true });
