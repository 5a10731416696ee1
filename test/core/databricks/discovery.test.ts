import { describe, expect, it } from 'vitest';
import {
  needsMetadata,
  parseHostMetadata,
  resolveTarget,
} from '../../../src/core/databricks/discovery.ts';
import { parseInputs } from '../../../src/action/inputs.ts';

const ACCOUNT = '0d26daa6-5e44-4c97-a497-ef015f91254a';

function config(inputs: Record<string, string>) {
  return parseInputs((name) => inputs[name] ?? '');
}

describe('resolveTarget', () => {
  it('uses the workspace token endpoint as the default audience', () => {
    const target = resolveTarget(config({ host: 'dbc-1.cloud.databricks.com' }), undefined);
    expect(target).toMatchObject({
      kind: 'workspace',
      tokenEndpoint: 'https://dbc-1.cloud.databricks.com/oidc/v1/token',
      audience: 'https://dbc-1.cloud.databricks.com/oidc/v1/token',
      audienceSource: 'token endpoint',
    });
  });

  it('prefers the host metadata default audience', () => {
    const metadata = parseHostMetadata(
      JSON.stringify({ token_federation_default_oidc_audiences: ['aud-1', 'aud-2'] }),
    );
    expect(resolveTarget(config({ host: 'dbc-1.cloud.databricks.com' }), metadata)).toMatchObject({
      audience: 'aud-1',
      audienceSource: 'host metadata',
    });
  });

  it('prefers an explicit audience over everything', () => {
    const metadata = parseHostMetadata(
      JSON.stringify({ token_federation_default_oidc_audiences: ['aud-1'] }),
    );
    expect(
      resolveTarget(config({ host: 'dbc-1.cloud.databricks.com', audience: 'mine' }), metadata)
        .audience,
    ).toBe('mine');
  });

  it('uses the account endpoint and account ID audience for an account console', () => {
    const target = resolveTarget(
      config({ host: 'accounts.cloud.databricks.com', 'account-id': ACCOUNT }),
      undefined,
    );
    expect(target).toMatchObject({
      kind: 'account',
      tokenEndpoint: `https://accounts.cloud.databricks.com/oidc/accounts/${ACCOUNT}/v1/token`,
      audience: ACCOUNT,
      audienceSource: 'account ID',
    });
  });

  it('recognises an account console from the metadata, with its account ID', () => {
    const metadata = parseHostMetadata(
      JSON.stringify({ host_type: 'ACCOUNT_HOST', account_id: ACCOUNT }),
    );
    expect(resolveTarget(config({ host: 'http://127.0.0.1:9' }), metadata)).toMatchObject({
      kind: 'account',
      accountId: ACCOUNT,
      audience: ACCOUNT,
    });
  });

  it('asks for account-id when an account console gives none', () => {
    expect(() =>
      resolveTarget(config({ host: 'accounts.cloud.databricks.com' }), undefined),
    ).toThrow(/Set account-id/);
  });
});

describe('resolveTarget for a host outside the Databricks domains', () => {
  const accountMetadata = parseHostMetadata(
    JSON.stringify({
      host_type: 'ACCOUNT_HOST',
      account_id: ACCOUNT,
      token_federation_default_oidc_audiences: ['replayable'],
    }),
  );

  it.each(['accounts.evil.test', 'databricks.example.com', 'accounts-dod.evil.test'])(
    '%s must be given an audience, and says why',
    (host) => {
      expect(() => resolveTarget(config({ host }), accountMetadata)).toThrow(
        /^Discovering the Databricks host failed: .* is not under a Databricks domain.*custom domain or private link/,
      );
    },
  );

  it('ignores its metadata when the audience is given', () => {
    const target = resolveTarget(
      config({ host: 'accounts.evil.test', audience: 'mine' }),
      accountMetadata,
    );
    expect(target).toMatchObject({
      kind: 'workspace',
      accountId: undefined,
      audience: 'mine',
      tokenEndpoint: 'https://accounts.evil.test/oidc/v1/token',
    });
  });
});

describe('needsMetadata', () => {
  it.each([
    [{ host: 'dbc-1.cloud.databricks.com' }, true],
    [{ host: 'dbc-1.cloud.databricks.com', audience: 'a' }, false],
    [{ host: 'http://127.0.0.1:1', audience: 'a' }, true],
    [{ host: 'accounts.cloud.databricks.com', audience: 'a' }, true],
    [{ host: 'accounts.cloud.databricks.com', audience: 'a', 'account-id': ACCOUNT }, false],
    [{ host: 'databricks.example.com', audience: 'a' }, false],
    [{ host: 'accounts.evil.test', audience: 'a' }, false],
  ])('%j → %s', (inputs, expected) => {
    expect(needsMetadata(config(inputs))).toBe(expected);
  });
});

describe('parseHostMetadata', () => {
  it.each(['not json', 'null', '"text"'])('treats %j as no metadata', (body) => {
    expect(parseHostMetadata(body)).toBeUndefined();
  });
});

describe('parseHostMetadata refuses server values of the wrong kind', () => {
  it.each([
    [{ account_id: `${ACCOUNT}/../../evil` }, /account_id is not a UUID/],
    [{ account_id: 'x'.repeat(200_000) }, /account_id is not a UUID/],
    [{ token_federation_default_oidc_audiences: ['a b'] }, /default audience is not one audience/],
  ])('%#', (metadata, message) => {
    expect(() => parseHostMetadata(JSON.stringify(metadata))).toThrow(message);
  });

  it('keeps a UUID account_id, lower-cased', () => {
    expect(
      parseHostMetadata(JSON.stringify({ account_id: ACCOUNT.toUpperCase() }))?.accountId,
    ).toBe(ACCOUNT);
  });
});
