// src/core/index.ts is the core's one public face: it exports what an edge (src/action, src/cli) or
// a tool (tools/) imports, and nothing else, so the core can change behind it without asking anyone.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function sources(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => readFileSync(join(ROOT, folder, name), 'utf8'));
}

/** The names in `export { … }` and `export type { … }` of a module. */
function exportedNames(text: string): string[] {
  return [...text.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)].flatMap((match) =>
    (match[1] ?? '')
      .split(',')
      .map(
        (name) =>
          name
            .trim()
            .replace(/^type\s+/, '')
            .split(/\s+as\s+/)
            .at(-1) ?? '',
      )
      .filter((name) => name !== ''),
  );
}

/** The names imported from the core's entry, however many lines the import spans. */
function importedFromCore(texts: string[]): Set<string> {
  const names = new Set<string>();
  for (const text of texts)
    for (const match of text.matchAll(
      /import\s+(?:type\s+)?\{([^}]*)\}\s*from\s*'[^']*core\/index\.ts'/g,
    ))
      for (const name of (match[1] ?? '').split(','))
        names.add(
          name
            .trim()
            .replace(/^type\s+/, '')
            .split(/\s+as\s+/)[0] ?? '',
        );
  return names;
}

describe('src/core/index.ts', () => {
  it('exports only what an edge or a tool imports', () => {
    const exported = exportedNames(readFileSync(join(ROOT, 'src/core/index.ts'), 'utf8'));
    const imported = importedFromCore(['src/action', 'src/cli', 'tools'].flatMap(sources));
    expect(exported.length).toBeGreaterThan(10);
    expect(exported.filter((name) => !imported.has(name))).toEqual([]);
  });
});
