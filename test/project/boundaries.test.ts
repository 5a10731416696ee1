// The lint rules that hold the architecture: each break below must fail `npm run lint`.
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: ROOT });

async function ruleBreaks(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}/${file}` });
  return (result?.messages ?? []).map((message) => `${message.ruleId}: ${message.message}`);
}

describe('architecture boundaries', () => {
  it.each([
    ['src/core/x.ts', "import * as core from '@actions/core';\nexport const c = core;\n"],
    ['src/core/x.ts', 'export const env = process.env;\n'],
    ['src/core/x.ts', "import { run } from '../action/main.ts';\nexport const r = run;\n"],
    [
      'src/action/x.ts',
      "import { neutralise } from '../core/secrets/text.ts';\nexport const n = neutralise;\n",
    ],
    [
      'src/cli/x.ts',
      "import { parseInputs } from '../action/inputs.ts';\nexport const p = parseInputs;\n",
    ],
  ])('%s: refuses %j', async (file, code) => {
    expect(await ruleBreaks(file, code)).not.toEqual([]);
  });

  it('lets an edge import the core entry', async () => {
    const code = "import { parseConfig } from '../core/index.ts';\nexport const p = parseConfig;\n";
    expect(await ruleBreaks('src/cli/x.ts', code)).toEqual([]);
  });
});
