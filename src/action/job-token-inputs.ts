import type { SettingReader } from '../core/index.ts';

/**
 * The defaults that need the runner's environment: a PAT comment a later sweep can parse
 * (gha/<owner>/<repo>/run/<run id>/<attempt>/<job>) and a rotation marker naming the repository.
 */
export function withJobDefaults(
  read: SettingReader,
  env: Record<string, string | undefined>,
): SettingReader {
  return (name) => {
    const value = read(name);
    if (value !== '') return value;
    if (name === 'pat-comment') return defaultPatComment(env);
    if (name === 'obo-comment') return `rotated-by:${env['GITHUB_REPOSITORY'] ?? 'unknown'}`;
    return value;
  };
}

export function defaultPatComment(env: Record<string, string | undefined>): string {
  const part = (name: string): string => env[name] || 'unknown';
  return `gha/${part('GITHUB_REPOSITORY')}/run/${part('GITHUB_RUN_ID')}/${part('GITHUB_RUN_ATTEMPT')}/${part('GITHUB_JOB')}`;
}
