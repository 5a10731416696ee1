// The core's advice, read on the command line: every hint names the CLI's flags and variables,
// never an action input. Each hint text is taken from the source that prints it.
import { describe, expect, it } from 'vitest';
import { cliWords } from '../../../src/cli/vocabulary.ts';

describe('cliWords', () => {
  it.each([
    [
      'delete those whose comment starts with gha/ and whose run has finished, and lower pat-lifetime',
      'and lower --pat-lifetime',
    ],
    [
      'or use export-env: oidc, with which the Databricks CLI',
      "or use serve (the SDKs' metadata-service auth), with which",
    ],
    ['and a PAT minted as it with pat-lifetime', 'minted as it with --pat-lifetime'],
    ['and a job-scoped PAT minted as it: pat-lifetime)', 'minted as it: --pat-lifetime)'],
    [
      'answers at this console: check account-id (the account console shows it',
      'check --account-id (DATABRICKS_ACCOUNT_ID) (the account console',
    ],
    [
      'The host metadata is ignored; set account-id and audience if the host needs them',
      'set --account-id (DATABRICKS_ACCOUNT_ID) and --audience (DATABRICKS_TOKEN_AUDIENCE) if',
    ],
  ])('rewrites %j', (hint, expected) => {
    expect(cliWords(hint)).toContain(expected);
  });

  it('leaves a flag that is already one alone', () => {
    expect(cliWords('exec --pat-lifetime 600')).toBe('exec --pat-lifetime 600');
  });
});
