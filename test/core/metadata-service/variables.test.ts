import { describe, expect, it } from 'vitest';
import type { Credentials } from '../../../src/core/credentials.ts';
import { serviceVariables } from '../../../src/core/handoff-variables.ts';

const URL = 'http://127.0.0.1:4242/secret-path';

function credentials(kind: 'workspace' | 'account', withDatabase: boolean): Credentials {
  return {
    target: {
      host: { url: 'https://accounts.cloud.databricks.com' },
      kind,
      accountId: '0d26daa6-5e44-4c97-a497-ef015f91254a',
      tokenEndpoint: '',
      audience: '',
      audienceSource: 'input',
    },
    clientId: undefined,
    claims: undefined,
    token: { accessToken: 'token', expiresAt: undefined },
    database: withDatabase
      ? {
          host: 'db.example.com',
          port: 5432,
          database: 'databricks_postgres',
          user: 'sp',
          password: 'secret',
          expiresAt: undefined,
          url: '',
          jdbcUrl: '',
        }
      : undefined,
  } as unknown as Credentials;
}

describe('serviceVariables', () => {
  it('names the account ID for an account host, and nothing of Lakebase without it', () => {
    expect(serviceVariables(credentials('account', false), URL, undefined)).toEqual({
      DATABRICKS_AUTH_TYPE: 'metadata-service',
      DATABRICKS_METADATA_SERVICE_URL: URL,
      DATABRICKS_HOST: 'https://accounts.cloud.databricks.com',
      DATABRICKS_ACCOUNT_ID: '0d26daa6-5e44-4c97-a497-ef015f91254a',
    });
  });

  it('hands libpq the passfile and never PGPASSWORD, which libpq would prefer', () => {
    const variables = serviceVariables(credentials('workspace', true), URL, '/tmp/x/pgpass');
    expect(variables).toMatchObject({
      PGHOST: 'db.example.com',
      PGPORT: '5432',
      PGDATABASE: 'databricks_postgres',
      PGUSER: 'sp',
      PGSSLMODE: 'require',
      PGPASSFILE: '/tmp/x/pgpass',
    });
    expect(variables).not.toHaveProperty('PGPASSWORD');
    expect(variables).not.toHaveProperty('DATABRICKS_ACCOUNT_ID');
  });
});
