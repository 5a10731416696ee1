// A Databricks host name with a typo in its domain (`…databricks.con`) is not a Databricks domain,
// so the core would first ask for an audience. Said first instead: the name looks misspelt.
import { invalidSetting, type Config } from '../core/index.ts';

/** The registered domains of Databricks hosts (workspaces and account consoles). */
const DOMAINS = [
  'databricks.com',
  'databricks.us',
  'databricks.mil',
  'azuredatabricks.net',
  'azuredatabricks.cn',
  'databricks.azure.us',
  'databricks.azure.cn',
];

/**
 * Refuses a host of unknown kind whose domain is one letter away from a Databricks one. With
 * --audience a custom domain is meant, and a name that does not resolve says so itself.
 */
export function refuseMisspeltHost(config: Config): void {
  if (config.host.kind !== 'unknown' || config.audience !== undefined) return;
  const labels = config.host.hostname.toLowerCase().split('.');
  for (const domain of DOMAINS) {
    const tail = labels.slice(-domain.split('.').length).join('.');
    if (tail === domain || distance(tail, domain) > 1) continue;
    throw invalidSetting(
      'host',
      `ends in "${tail}", which looks like a typo of ${domain}`,
      'Check the name: set --host (DATABRICKS_HOST) to the URL the browser shows for the workspace, e.g. https://dbc-1234.cloud.databricks.com',
    );
  }
}

/** Levenshtein distance, for two short names. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = current;
  }
  return previous[b.length] ?? 0;
}
