import type { SecretRegistry } from '../secrets/registry.ts';
import { neutralise } from '../secrets/text.ts';
import { acceptJwt, tokenUnavailable, type SourceDeps } from './source-deps.ts';
import type { SubjectTokenSource } from './source.ts';

/** A JWT in a file, re-read on every request (a projected or refreshed token changes under us). */
export function tokenFileSource(path: string, deps: SourceDeps, label: string): SubjectTokenSource {
  const shown = `"${neutralise(path, 200)}"`;
  return {
    description: `${label} ${shown}`,
    choosesAudience: false,
    token: async () =>
      acceptJwt(await readTokenFile(path, shown, deps), deps.secrets, `the file ${shown}`),
  };
}

async function readTokenFile(path: string, shown: string, deps: SourceDeps): Promise<string> {
  try {
    return await deps.readFile(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'EISDIR')
      throw tokenUnavailable(
        `the OIDC token file ${shown} is a directory`,
        'Point --oidc-token-file (DATABRICKS_OIDC_TOKEN_FILEPATH) at the token file itself',
      );
    if (code === 'ENOENT')
      throw tokenUnavailable(
        `the OIDC token file ${shown} does not exist`,
        'Check the path, and that the step that writes the token ran before this one',
      );
    throw tokenUnavailable(
      `the OIDC token file ${shown} cannot be read (${typeof code === 'string' ? code : 'error'})`,
      'Make the file readable by the user running the job',
    );
  }
}

/** A JWT in a named variable. */
export function tokenEnvSource(
  name: string,
  value: string | undefined,
  secrets: SecretRegistry,
): SubjectTokenSource {
  const shown = neutralise(name, 100);
  if (value === undefined || value.trim() === '')
    throw tokenUnavailable(
      `the variable ${shown} named by --oidc-token-env is empty or unset`,
      'Set it to the OIDC token, or name the variable that holds it',
    );
  const jwt = acceptJwt(value, secrets, `the variable ${shown}`);
  return {
    description: `the variable ${shown}`,
    choosesAudience: false,
    token: () => Promise.resolve(jwt),
  };
}
