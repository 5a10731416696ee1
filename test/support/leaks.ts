import type { ActionRun } from '../action/runner.ts';

/** Output names whose values are secrets and may therefore carry a secret (masked by the runner). */
export const SECRET_OUTPUTS = new Set([
  'token',
  'database-password',
  'database-url',
  'pat',
  'obo-token',
]);
export const SECRET_ENV = new Set(['DATABRICKS_TOKEN', 'PGPASSWORD']);

/** The longest piece of a secret that may show: the runner masks whole values only. */
export const LONGEST_VISIBLE_PIECE = 8;

const labelOf = (secret: string): string => `${secret.slice(0, 6)}…(${secret.length} chars)`;

/** Every piece of every secret, indexed once per list of secrets (200-job suites pass one list). */
const pieceIndexes = new WeakMap<string[], Map<string, string>>();

function pieceIndex(secrets: string[]): Map<string, string> {
  let index = pieceIndexes.get(secrets);
  if (index !== undefined) return index;
  index = new Map();
  const size = LONGEST_VISIBLE_PIECE + 1;
  for (const secret of secrets.filter((value) => value.length >= 8))
    for (let start = 0; start + size <= secret.length; start++)
      index.set(secret.slice(start, start + size), secret);
  pieceIndexes.set(secrets, index);
  return index;
}

/** The places that hold a piece (over 8 characters) of a secret but not the whole of it. */
export function sharedPieces(places: Array<[string, string]>, secrets: string[]): string[] {
  const index = pieceIndex(secrets);
  const size = LONGEST_VISIBLE_PIECE + 1;
  const found: string[] = [];
  for (const [place, text] of places) {
    const reported = new Set<string>();
    for (let start = 0; start + size <= text.length; start++) {
      const piece = text.slice(start, start + size);
      const secret = index.get(piece);
      if (secret === undefined || reported.has(secret) || text.includes(secret)) continue;
      reported.add(secret);
      found.push(`${place} carries the piece "${piece}" of ${labelOf(secret)}`);
    }
  }
  return found;
}

function encodings(secret: string): string[] {
  return [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret)];
}

/**
 * Every way a secret could leave the step unmasked: printed (outside its own ::add-mask:: line),
 * written to stderr or the summary, or put into an output or variable that is not a secret one,
 * or used in an output/variable without having been masked first; and any piece of it longer than
 * 8 characters in any of those places (a cut or rewritten secret is not masked by the runner).
 */
export function findLeaks(run: ActionRun, secrets: string[]): string[] {
  const leaks: string[] = [];
  const logged = run.stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  const places: Array<[string, string]> = [
    ['stdout', logged],
    ['stderr', run.stderr],
    ['summary', run.summary],
    ...Object.entries(run.outputs)
      .filter(([name]) => !SECRET_OUTPUTS.has(name))
      .map(([name, value]): [string, string] => [`output ${name}`, value]),
    ...Object.entries(run.env)
      .filter(([name]) => !SECRET_ENV.has(name))
      .map(([name, value]): [string, string] => [`env ${name}`, value]),
  ];
  leaks.push(...sharedPieces(places, secrets));
  for (const secret of secrets.filter((value) => value.length >= 8)) {
    const label = labelOf(secret);
    for (const form of encodings(secret)) {
      if (logged.includes(form)) leaks.push(`stdout carries ${label}`);
      if (run.stderr.includes(form)) leaks.push(`stderr carries ${label}`);
      if (run.summary.includes(form)) leaks.push(`summary carries ${label}`);
    }
    for (const [name, value] of Object.entries(run.outputs)) {
      if (!value.includes(secret)) continue;
      if (!SECRET_OUTPUTS.has(name)) leaks.push(`output ${name} carries ${label}`);
      else if (!run.masks.includes(secret)) leaks.push(`output ${name} carries ${label} unmasked`);
    }
    for (const [name, value] of Object.entries(run.env)) {
      if (!value.includes(secret)) continue;
      if (!SECRET_ENV.has(name)) leaks.push(`env ${name} carries ${label}`);
      else if (!run.masks.includes(secret)) leaks.push(`env ${name} carries ${label} unmasked`);
    }
  }
  return leaks;
}
