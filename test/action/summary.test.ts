import { describe, expect, it } from 'vitest';
import { renderSummary } from '../../src/action/summary.ts';
import type { Credentials } from '../../src/core/index.ts';
import { parseHost } from '../../src/core/databricks/host.ts';

const HOSTILE =
  'repo:o/r\n\n# Heading\r\n\r\n![img](https://evil.test/x.png) [link](https://evil.test)\u2028<b>x</b>';

function credentials(): Credentials {
  const host = parseHost('dbc-1.cloud.databricks.com');
  return {
    target: {
      host,
      kind: 'workspace',
      accountId: undefined,
      workspaceId: undefined,
      tokenEndpoint: `${host.url}/oidc/v1/token`,
      audience: HOSTILE,
      audienceSource: 'input',
    },
    clientId: undefined,
    claims: { sub: HOSTILE },
    token: { accessToken: 'secret', expiresAt: undefined },
    database: {
      host: HOSTILE,
      port: 5432,
      database: 'db',
      user: HOSTILE,
      password: 'pw',
      expiresAt: undefined,
      url: 'postgresql://',
      jdbcUrl: 'jdbc:',
    },
  };
}

describe('renderSummary', () => {
  it('keeps every server and claim value inside its cell: no line break, no markup', () => {
    const summary = renderSummary(credentials(), []);
    const [heading, table, ...rest] = summary.split('\n');
    expect(heading).toBe('<h3>Databricks OIDC credentials</h3>');
    expect(table).toMatch(/^<table>.*<\/table>$/);
    expect(rest).toEqual(['']);
    expect(summary).not.toMatch(/[\r\u2028]/);
    expect(summary).not.toContain('<b>');
    expect(table).toContain('<td><code>repo:o/r # Heading ![img]');
  });
});
