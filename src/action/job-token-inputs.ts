import { jobName, type SettingReader } from '../core/index.ts';

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
    // The action runs only on a GitHub runner: its comment is always the gha/ form.
    if (name === 'pat-comment') return jobName(env, 'github');
    if (name === 'obo-comment') return `rotated-by:${env['GITHUB_REPOSITORY'] ?? 'unknown'}`;
    return value;
  };
}
