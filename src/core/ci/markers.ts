import type { Environment } from '../subject-token/source-deps.ts';
import { CI_CATALOG, type CiName, type CiRow } from './catalog.ts';

/** Why this CI is taken to be running (the first of its markers that is set), or undefined. */
export function presence(row: CiRow, env: Environment): string | undefined {
  for (const marker of row.markers) {
    const base = marker.endsWith('_*') ? marker.slice(0, -2) : marker;
    const set = (name: string): boolean => (env[name] ?? '') !== '';
    const found =
      base === marker
        ? set(marker)
        : Object.keys(env).some(
            (name) => (name === base || name.startsWith(`${base}_`)) && set(name),
          );
    if (found) return `${base} is set`;
  }
  return undefined;
}

/** The CI whose variables are present, in the catalog's order (Kubernetes last). */
export function detectCi(env: Environment): CiName | undefined {
  return CI_CATALOG.find((row) => presence(row, env) !== undefined)?.name;
}
