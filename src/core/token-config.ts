import { invalidSetting, quoted, type SettingReader } from './config.ts';
import type { PatRequest } from './databricks/tokens/index.ts';

/** One job, in seconds; more only with pat-allow-long-lifetime. */
export const MAX_PAT_LIFETIME = 86_400;
export const DEFAULT_PAT_COMMENT = 'databricks-oidc job token';
export const DEFAULT_OBO_MARKER = 'rotated-by:databricks-oidc';
export const DEFAULT_OBO_KEEP = 2;
/** 90 days: the Partner Connect example uses 14; the workspace maximum caps it anyway. */
const MAX_OBO_LIFETIME = 90 * 86_400;
const DEFAULT_OBO_LIFETIME = 14 * 86_400;

export interface OboConfig {
  mint: { principal: string; lifetimeSeconds: number; comment: string } | undefined;
  prune:
    | { principal: string; marker: string; keep: number; adoptUnmanaged: boolean; dryRun: boolean }
    | undefined;
}

/** pat-lifetime (empty: no PAT), pat-comment, pat-allow-long-lifetime. */
export function parsePat(read: SettingReader): PatRequest | undefined {
  const lifetime = read('pat-lifetime');
  const allowLong = parseBoolean(read, 'pat-allow-long-lifetime', false);
  const comment = read('pat-comment') || DEFAULT_PAT_COMMENT;
  if (lifetime === '') return undefined;
  const seconds = /^\d{1,9}$/.test(lifetime) ? Number(lifetime) : NaN;
  if (!(seconds >= 1))
    throw invalidSetting(
      'pat-lifetime',
      `${quoted(lifetime)} is not a positive whole number of seconds`,
      'Give the PAT lifetime in seconds, e.g. 3600; leave it empty for no PAT',
    );
  if (seconds > MAX_PAT_LIFETIME && !allowLong)
    throw invalidSetting(
      'pat-lifetime',
      `${seconds} is over one day (86400 s)`,
      'A job-scoped PAT should not outlive its job by much: lower it, or set pat-allow-long-lifetime: true',
    );
  return { lifetimeSeconds: seconds, comment };
}

export function parseObo(read: SettingReader): OboConfig | undefined {
  const mintPrincipal = read('obo-application-id');
  const prunePrincipal = read('obo-prune');
  const marker = read('obo-comment') || DEFAULT_OBO_MARKER;
  const dryRun = parseBoolean(read, 'obo-dry-run', false);
  const lifetimeSeconds = parseOboLifetime(read('obo-lifetime'));
  const keep = parseKeep(read('obo-keep'));
  const adoptUnmanaged = parseBoolean(read, 'obo-adopt-unmanaged', false);
  if (mintPrincipal === '' && prunePrincipal === '') return undefined;
  return {
    mint:
      mintPrincipal === ''
        ? undefined
        : { principal: mintPrincipal, lifetimeSeconds, comment: marker },
    prune:
      prunePrincipal === ''
        ? undefined
        : { principal: prunePrincipal, marker, keep, adoptUnmanaged, dryRun },
  };
}

function parseOboLifetime(value: string): number {
  if (value === '') return DEFAULT_OBO_LIFETIME;
  const seconds = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!(seconds >= 60 && seconds <= MAX_OBO_LIFETIME))
    throw invalidSetting(
      'obo-lifetime',
      `${quoted(value)} is not a whole number of seconds from 60 to 7776000 (90 days)`,
      'Leave it unset for 1209600 (14 days); the workspace maximum token lifetime also caps it',
    );
  return seconds;
}

function parseKeep(value: string): number {
  if (value === '') return DEFAULT_OBO_KEEP;
  const keep = /^\d{1,3}$/.test(value) ? Number(value) : NaN;
  if (!(keep >= 1))
    throw invalidSetting(
      'obo-keep',
      `${quoted(value)} is not a whole number from 1`,
      'Keep at least the token the partner now holds; the default 2 also keeps the previous one',
    );
  return keep;
}

function parseBoolean(read: SettingReader, name: string, fallback: boolean): boolean {
  const value = read(name).toLowerCase();
  if (value === '') return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalidSetting(name, `${quoted(value)} is not true or false`, 'Use true or false');
}
