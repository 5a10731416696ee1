import { describe, expect, it } from 'vitest';
import { parseInputs } from '../../src/action/inputs.ts';

const SP = '7cb2f8a4-49a7-4147-83db-35cb69e5cede';
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';

function parse(inputs: Record<string, string>) {
  return parseInputs((name) => (inputs[name] ?? '').trim());
}

describe('parseInputs', () => {
  it('applies the defaults', () => {
    const config = parse({ host: 'dbc-1.cloud.databricks.com' });
    expect(config).toMatchObject({
      scope: 'all-apis',
      exportEnv: 'token',
      clientId: undefined,
      lakebase: undefined,
    });
  });

  it.each([
    ['true', 'token'],
    ['false', 'none'],
    ['OIDC', 'oidc'],
    ['none', 'none'],
    ['Metadata-Service', 'metadata-service'],
  ])('reads export-env %s as %s', (value, mode) => {
    expect(parse({ host: 'h.cloud.databricks.com', 'export-env': value }).exportEnv).toBe(mode);
  });

  it('lower-cases a client-id UUID', () => {
    expect(parse({ host: 'h.cloud.databricks.com', 'client-id': SP.toUpperCase() }).clientId).toBe(
      SP,
    );
  });

  it('explains that a numeric client-id is the wrong ID', () => {
    expect(() =>
      parse({ host: 'h.cloud.databricks.com', 'client-id': '5581763342009999' }),
    ).toThrow(/numeric service principal ID/);
  });

  it('refuses export-env metadata-service with oidc-token, which it could not renew', () => {
    expect(() =>
      parse({
        host: 'h.cloud.databricks.com',
        'export-env': 'metadata-service',
        'oidc-token': JWT,
      }),
    ).toThrow(/"metadata-service", which cannot be combined with oidc-token/);
  });

  it('refuses export-env oidc with oidc-token', () => {
    expect(() =>
      parse({ host: 'h.cloud.databricks.com', 'export-env': 'oidc', 'oidc-token': JWT }),
    ).toThrow(/cannot be combined/);
  });

  it('refuses an oidc-token that is not a JWT, without echoing it', () => {
    const attempt = () => parse({ host: 'h.cloud.databricks.com', 'oidc-token': 'secret-value' });
    expect(attempt).toThrow(/oidc-token is not a JWT/);
    expect(attempt).not.toThrow(/secret-value/);
  });

  it.each([
    [
      { 'lakebase-instance': 'a', 'lakebase-endpoint': 'projects/p/branches/b/endpoints/e' },
      /both set/,
    ],
    [{ 'lakebase-endpoint': 'projects/p/endpoints/e' }, /not an endpoint resource name/],
    [{ 'lakebase-instance': 'bad name' }, /not an instance name/],
    [
      { 'lakebase-endpoint': 'projects/p/branches/b/endpoints/e', 'lakebase-ttl': '299' },
      /300 to 3600/,
    ],
    [
      { 'lakebase-endpoint': 'projects/p/branches/b/endpoints/e', 'lakebase-ttl': '3601' },
      /300 to 3600/,
    ],
    [{ 'lakebase-instance': 'a', 'lakebase-ttl': '600' }, /only to lakebase-endpoint/],
    [{ 'lakebase-ttl': '600' }, /without a Lakebase target/],
  ])('refuses Lakebase inputs %j', (inputs, message) => {
    expect(() => parse({ host: 'h.cloud.databricks.com', ...inputs })).toThrow(message);
  });

  it('reads a Lakebase endpoint with its TTL and database', () => {
    const config = parse({
      host: 'h.cloud.databricks.com',
      'lakebase-endpoint': 'projects/shop/branches/main/endpoints/primary',
      'lakebase-ttl': '900',
      'lakebase-database': 'orders',
    });
    expect(config.lakebase).toEqual({
      kind: 'endpoint',
      name: 'projects/shop/branches/main/endpoints/primary',
      database: 'orders',
      ttlSeconds: 900,
    });
  });

  it.each(['account-id', 'scope', 'audience'])('refuses a malformed %s', (name) => {
    expect(() => parse({ host: 'h.cloud.databricks.com', [name]: 'a\nb c::d%' })).toThrow(
      new RegExp(name),
    );
  });
});
