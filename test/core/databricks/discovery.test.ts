import { describe, expect, it } from 'vitest';
import {
  needsMetadata,
  parseHostMetadata,
  resolveTarget,
} from '../../../src/core/databricks/discovery.ts';
import { parseHost } from '../../../src/core/databricks/host.ts';
import { parseInputs } from '../../../src/action/inputs.ts';

const ACCOUNT = '0d26daa6-5e44-4c97-a497-ef015f91254a';

function config(inputs: Record<string, string>) {
  return parseInputs((name) => inputs[name] ?? '');
}

const WORKSPACE = parseHost('dbc-1.cloud.databricks.com');
const LOOPBACK = parseHost('http://127.0.0.1:9');

/** The metadata of a host, as the Go SDK's fixtures shape it (config/host_metadata_test.go). */
function metadataOf(host: typeof WORKSPACE, fields: Record<string, unknown>) {
  return parseHostMetadata(JSON.stringify(fields), host);
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
    const metadata = metadataOf(WORKSPACE, {
      workspace_id: '1',
      token_federation_default_oidc_audiences: ['aud-1', 'aud-2'],
    });
    expect(resolveTarget(config({ host: 'dbc-1.cloud.databricks.com' }), metadata)).toMatchObject({
      audience: 'aud-1',
      audienceSource: 'host metadata',
    });
  });

  it('prefers an explicit audience over everything', () => {
    const metadata = metadataOf(WORKSPACE, { token_federation_default_oidc_audiences: ['aud-1'] });
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

  it.each(['account', 'ACCOUNT', 'Account'])(
    'recognises an account console from host_type %j, as the SDKs normalise it',
    (hostType) => {
      const metadata = metadataOf(LOOPBACK, { host_type: hostType, account_id: ACCOUNT });
      expect(resolveTarget(config({ host: 'http://127.0.0.1:9' }), metadata)).toMatchObject({
        kind: 'account',
        accountId: ACCOUNT,
        audience: ACCOUNT,
        tokenEndpoint: `http://127.0.0.1:9/oidc/accounts/${ACCOUNT}/v1/token`,
      });
    },
  );

  it.each(['ACCOUNT_HOST', 'WORKSPACE_HOST', 'other'])(
    'treats host_type %j as unknown (not a value the server sends)',
    (hostType) => {
      expect(metadataOf(LOOPBACK, { host_type: hostType })?.hostType).toBeUndefined();
    },
  );

  it('takes the account ID as audience from metadata with an account_id and no workspace_id', () => {
    const metadata = metadataOf(WORKSPACE, { account_id: ACCOUNT });
    expect(resolveTarget(config({ host: 'dbc-1.cloud.databricks.com' }), metadata)).toMatchObject({
      kind: 'workspace',
      audience: ACCOUNT,
      audienceSource: 'account ID',
    });
  });

  it('keeps the token endpoint as audience when the metadata names the workspace', () => {
    const metadata = metadataOf(WORKSPACE, { account_id: ACCOUNT, workspace_id: '1234' });
    expect(resolveTarget(config({ host: 'dbc-1.cloud.databricks.com' }), metadata)).toMatchObject({
      audience: 'https://dbc-1.cloud.databricks.com/oidc/v1/token',
      workspaceId: '1234',
    });
  });

  it('exchanges where the OAuth metadata says, for a unified host, and routes by workspace ID', () => {
    const metadata = metadataOf(WORKSPACE, {
      host_type: 'unified',
      oidc_endpoint: 'https://dbc-1.cloud.databricks.com/oidc/accounts/{account_id}',
      account_id: ACCOUNT,
      workspace_id: '1234',
    });
    const endpoint = `https://dbc-1.cloud.databricks.com/oidc/accounts/${ACCOUNT}/v1/token`;
    if (metadata === undefined) throw new Error('no metadata');
    const target = resolveTarget(config({ host: 'dbc-1.cloud.databricks.com' }), {
      ...metadata,
      tokenEndpoint: endpoint,
    });
    expect(target).toMatchObject({
      kind: 'unified',
      tokenEndpoint: endpoint,
      audience: endpoint,
      workspaceId: '1234',
    });
  });

  it('falls back to the account endpoint for a unified host whose OAuth metadata failed', () => {
    const metadata = metadataOf(WORKSPACE, {
      host_type: 'unified',
      account_id: ACCOUNT,
      workspace_id: '1',
    });
    expect(
      resolveTarget(config({ host: 'dbc-1.cloud.databricks.com' }), metadata).tokenEndpoint,
    ).toBe(`https://dbc-1.cloud.databricks.com/oidc/accounts/${ACCOUNT}/v1/token`);
  });

  it('needs account-id for a unified host whose metadata names none, as the SDKs do', () => {
    const metadata = metadataOf(WORKSPACE, {
      host_type: 'unified',
      oidc_endpoint: 'https://dbc-1.cloud.databricks.com/oidc/accounts/{account_id}',
      workspace_id: '1',
    });
    expect(() => resolveTarget(config({ host: 'dbc-1.cloud.databricks.com' }), metadata)).toThrow(
      /is a unified host, but the account ID is unknown/,
    );
  });

  it('needs account-id for a console whose metadata holds only the {account_id} template', () => {
    const console = parseHost('accounts.cloud.databricks.com');
    const metadata = metadataOf(console, {
      oidc_endpoint: 'https://accounts.cloud.databricks.com/oidc/accounts/{account_id}',
    });
    expect(() =>
      resolveTarget(config({ host: 'accounts.cloud.databricks.com' }), metadata),
    ).toThrow(/Set account-id/);
  });

  it('asks for account-id when an account console gives none', () => {
    expect(() =>
      resolveTarget(config({ host: 'accounts.cloud.databricks.com' }), undefined),
    ).toThrow(/Set account-id/);
  });
});

describe('resolveTarget for a host outside the Databricks domains', () => {
  const accountMetadata = metadataOf(parseHost('accounts.evil.test'), {
    host_type: 'account',
    account_id: ACCOUNT,
    token_federation_default_oidc_audiences: ['replayable'],
  });

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
    // A unified host has a workspace's name: only its metadata tells.
    [{ host: 'dbc-1.cloud.databricks.com', audience: 'a' }, true],
    [{ host: 'http://127.0.0.1:1', audience: 'a' }, true],
    [{ host: 'accounts.cloud.databricks.com', audience: 'a' }, true],
    [{ host: 'accounts.cloud.databricks.com', audience: 'a', 'account-id': ACCOUNT }, true],
    [{ host: 'databricks.example.com', audience: 'a' }, false],
    [{ host: 'accounts.evil.test', audience: 'a' }, false],
  ])('%j → %s', (inputs, expected) => {
    expect(needsMetadata(config(inputs))).toBe(expected);
  });
});

describe('parseHostMetadata', () => {
  it.each(['not json', 'null', '"text"'])('treats %j as no metadata', (body) => {
    expect(parseHostMetadata(body, WORKSPACE)).toBeUndefined();
  });
});

describe('parseHostMetadata refuses server values of the wrong kind', () => {
  it.each([
    [{ account_id: `${ACCOUNT}/../../evil` }, /account_id is not a UUID/],
    [{ account_id: 'x'.repeat(200_000) }, /account_id is not a UUID/],
    [{ token_federation_default_oidc_audiences: ['a b'] }, /default audience is not one audience/],
    [{ workspace_id: '12; x' }, /workspace_id is not a number/],
    [{ oidc_endpoint: 'https://evil.test/oidc' }, /oidc_endpoint is not a URL on/],
    [{ oidc_endpoint: 'https://dbc-1.cloud.databricks.com.evil.test/oidc' }, /oidc_endpoint/],
  ])('%#', (metadata, message) => {
    expect(() => metadataOf(WORKSPACE, metadata)).toThrow(message);
  });

  it('keeps a UUID account_id, lower-cased, and a numeric workspace_id as text', () => {
    expect(
      metadataOf(WORKSPACE, { account_id: ACCOUNT.toUpperCase(), workspace_id: 1234 }),
    ).toMatchObject({ accountId: ACCOUNT, workspaceId: '1234' });
  });
});
