// parseConfig through a SettingReader, as every edge calls it: each setting's default, what it
// accepts (and normalises), and the one-line `Reading inputs failed:` error for what it refuses.
import { describe, expect, it } from 'vitest';
import { parseConfig, StageError, type Config } from '../../src/core/index.ts';
import { failurePrefix } from '../support/stages.ts';

const HOST = 'https://dbc-1234.cloud.databricks.com';
const UUID = '7CB2F8A4-49A7-4147-83DB-35CB69E5CEDE';
const ENDPOINT = 'projects/p-1/branches/main/endpoints/ep_1';

/** The settings as a reader: host is set unless a test sets it otherwise; the rest are ''. */
function parse(settings: Record<string, string> = {}): Config {
  const all: Record<string, string> = { host: HOST, ...settings };
  return parseConfig((name) => all[name] ?? '');
}

/** The error message parse throws, which must be a StageError of the inputs stage. */
function refusal(settings: Record<string, string>): string {
  try {
    parse(settings);
  } catch (error) {
    expect(error).toBeInstanceOf(StageError);
    expect((error as StageError).stage).toBe('inputs');
    const { message } = error as StageError;
    expect(message.startsWith(failurePrefix('inputs'))).toBe(true);
    expect(message).not.toContain('\n');
    return message.slice(failurePrefix('inputs').length);
  }
  throw new Error(`${JSON.stringify(settings)} was accepted`);
}

describe('defaults', () => {
  it('with host alone: workspace-wide defaults, no Lakebase, PAT or OBO', () => {
    expect(parse()).toEqual({
      host: { url: HOST, hostname: 'dbc-1234.cloud.databricks.com', kind: 'workspace' },
      accountId: undefined,
      clientId: undefined,
      audience: undefined,
      scope: 'all-apis',
      lakebase: undefined,
      pat: undefined,
      obo: undefined,
    });
  });

  it('reads each setting by its kebab-case name', () => {
    const asked: string[] = [];
    parseConfig((name) => {
      asked.push(name);
      return name === 'host' ? HOST : '';
    });
    expect(new Set(asked)).toEqual(
      new Set([
        'host',
        'account-id',
        'client-id',
        'audience',
        'scope',
        'lakebase-instance',
        'lakebase-endpoint',
        'lakebase-ttl',
        'lakebase-database',
        'pat-lifetime',
        'pat-allow-long-lifetime',
        'pat-comment',
        'obo-application-id',
        'obo-prune',
        'obo-comment',
        'obo-dry-run',
        'obo-lifetime',
        'obo-keep',
        'obo-adopt-unmanaged',
      ]),
    );
  });
});

describe('host', () => {
  it('is normalised to its origin and classified', () => {
    expect(parse({ host: 'dbc-1234.cloud.databricks.com/' }).host.url).toBe(HOST);
    expect(parse({ host: 'https://accounts.cloud.databricks.com' }).host.kind).toBe('account');
  });

  it.each([
    ['', 'host is empty'],
    ['http://dbc.cloud.databricks.com', 'host must use https://'],
    ['https://dbc.cloud.databricks.com/login', 'host must not contain a path'],
  ])('%j is refused', (host, says) => {
    expect(refusal({ host })).toContain(says);
  });
});

describe('account-id and client-id', () => {
  it('take a UUID, lower-cased', () => {
    const config = parse({ 'account-id': UUID, 'client-id': UUID });
    expect(config.accountId).toBe(UUID.toLowerCase());
    expect(config.clientId).toBe(UUID.toLowerCase());
  });

  it('account-id refuses anything else, echoing only its start', () => {
    expect(refusal({ 'account-id': 'not-a-uuid-at-all' })).toBe(
      'account-id "not-a-… (17 characters)" is not a UUID. Copy the account ID from the account console (top right menu)',
    );
  });

  it("client-id says when it was given the numeric ID instead of the application's", () => {
    expect(refusal({ 'client-id': '5581763342009999' })).toBe(
      'client-id "558176… (16 characters)" is not a UUID. That looks like the numeric service principal ID; client-id takes its application ID (a UUID)',
    );
    expect(refusal({ 'client-id': 'sp-name' })).toContain(
      'Set client-id to the service principal application ID (a UUID), or omit it for an account-wide federation policy',
    );
  });
});

describe('audience', () => {
  it('is taken as given', () => {
    expect(parse({ audience: 'https://x.example/aud' }).audience).toBe('https://x.example/aud');
  });

  it.each([['a b'], ['a\tb'], ['x'.repeat(1001)]])(
    'refuses %j (whitespace, or too long)',
    (audience) => {
      expect(refusal({ audience })).toBe(
        'audience contains whitespace or is too long. Set audience to exactly one audience of your federation policy',
      );
    },
  );
});

describe('scope', () => {
  it('defaults to all-apis and folds whitespace to single spaces', () => {
    expect(parse({ scope: '' }).scope).toBe('all-apis');
    expect(parse({ scope: 'sql\t offline_access\n\nall-apis' }).scope).toBe(
      'sql offline_access all-apis',
    );
  });

  it.each([['sql,all-apis'], ['all apis!'], [`${'a'.repeat(600)} ${'b'.repeat(600)}`]])(
    'refuses %j',
    (scope) => {
      expect(refusal({ scope })).toMatch(
        /^scope ".*" is not a space-separated list of scopes\. Leave it unset for all-apis$/,
      );
    },
  );
});

describe('Lakebase', () => {
  it('an instance, with the default database', () => {
    expect(parse({ 'lakebase-instance': 'orders-db' }).lakebase).toEqual({
      kind: 'instance',
      name: 'orders-db',
      database: 'databricks_postgres',
    });
  });

  it('an endpoint, with the default TTL, or its own TTL and database', () => {
    expect(parse({ 'lakebase-endpoint': ENDPOINT }).lakebase).toEqual({
      kind: 'endpoint',
      name: ENDPOINT,
      database: 'databricks_postgres',
      ttlSeconds: 3600,
    });
    expect(
      parse({ 'lakebase-endpoint': ENDPOINT, 'lakebase-ttl': '300', 'lakebase-database': 'app$1' })
        .lakebase,
    ).toEqual({ kind: 'endpoint', name: ENDPOINT, database: 'app$1', ttlSeconds: 300 });
  });

  it.each([
    [
      { 'lakebase-instance': 'a', 'lakebase-endpoint': ENDPOINT },
      'lakebase-instance and lakebase-endpoint are both set',
    ],
    [
      { 'lakebase-instance': 'a', 'lakebase-ttl': '600' },
      'lakebase-ttl applies only to lakebase-endpoint',
    ],
    [
      { 'lakebase-instance': '-starts-with-dash' },
      'lakebase-instance "-start… (17 characters)" is not an instance name',
    ],
    [{ 'lakebase-instance': 'a'.repeat(64) }, 'is not an instance name'],
    [{ 'lakebase-endpoint': 'projects/p/branches/b' }, 'is not an endpoint resource name'],
    [{ 'lakebase-endpoint': `${ENDPOINT}/x` }, 'is not an endpoint resource name'],
    [
      { 'lakebase-endpoint': ENDPOINT, 'lakebase-ttl': '299' },
      'lakebase-ttl "299" is not a whole number of seconds from 300 to 3600',
    ],
    [{ 'lakebase-endpoint': ENDPOINT, 'lakebase-ttl': '3601' }, 'from 300 to 3600'],
    [{ 'lakebase-endpoint': ENDPOINT, 'lakebase-ttl': '600.5' }, 'from 300 to 3600'],
    [
      { 'lakebase-instance': 'a', 'lakebase-database': 'drop table' },
      'lakebase-database "drop t… (10 characters)" is not a database name',
    ],
    [
      { 'lakebase-database': 'app' },
      'lakebase-database or lakebase-ttl is set without a Lakebase target',
    ],
    [{ 'lakebase-ttl': '600' }, 'set without a Lakebase target'],
  ])('refuses %j', (settings, says) => {
    expect(refusal(settings)).toContain(says);
  });
});

describe('pat-lifetime, pat-comment, pat-allow-long-lifetime', () => {
  it('no PAT without a lifetime, whatever else is set', () => {
    expect(parse({ 'pat-comment': 'x', 'pat-allow-long-lifetime': 'true' }).pat).toBeUndefined();
  });

  it('a lifetime in seconds, with the default comment or its own', () => {
    expect(parse({ 'pat-lifetime': '3600' }).pat).toEqual({
      lifetimeSeconds: 3600,
      comment: 'databricks-oidc job token',
    });
    expect(parse({ 'pat-lifetime': '60', 'pat-comment': 'deploy' }).pat?.comment).toBe('deploy');
  });

  it('over a day only with pat-allow-long-lifetime (any case)', () => {
    expect(parse({ 'pat-lifetime': '86400' }).pat?.lifetimeSeconds).toBe(86_400);
    expect(refusal({ 'pat-lifetime': '86401' })).toBe(
      'pat-lifetime 86401 is over one day (86400 s). A job-scoped PAT should not outlive its job by much: lower it, or set pat-allow-long-lifetime: true',
    );
    expect(
      parse({ 'pat-lifetime': '172800', 'pat-allow-long-lifetime': 'TRUE' }).pat?.lifetimeSeconds,
    ).toBe(172_800);
    expect(refusal({ 'pat-lifetime': '172800', 'pat-allow-long-lifetime': 'false' })).toContain(
      'is over one day',
    );
  });

  it.each([['0'], ['-1'], ['1h'], ['3600.0'], ['1234567890']])(
    'refuses the lifetime %j',
    (value) => {
      expect(refusal({ 'pat-lifetime': value })).toContain(
        'is not a positive whole number of seconds',
      );
    },
  );

  it('refuses a pat-allow-long-lifetime that is not true or false, even without a PAT', () => {
    expect(refusal({ 'pat-allow-long-lifetime': 'yes' })).toBe(
      'pat-allow-long-lifetime "yes" is not true or false. Use true or false',
    );
  });
});

describe('obo-* settings', () => {
  it('no rotation without an application ID to mint or prune for', () => {
    expect(parse({ 'obo-lifetime': '600', 'obo-keep': '3' }).obo).toBeUndefined();
  });

  it('minting: a 14-day default lifetime and the default marker', () => {
    expect(parse({ 'obo-application-id': 'app' }).obo).toEqual({
      mint: { principal: 'app', lifetimeSeconds: 1_209_600, comment: 'rotated-by:databricks-oidc' },
      prune: undefined,
    });
  });

  it('pruning: keep 2 by default, its own marker, adopt-unmanaged and dry-run', () => {
    expect(parse({ 'obo-prune': 'app' }).obo?.prune).toEqual({
      principal: 'app',
      marker: 'rotated-by:databricks-oidc',
      keep: 2,
      adoptUnmanaged: false,
      dryRun: false,
    });
    expect(
      parse({
        'obo-prune': 'app',
        'obo-keep': '1',
        'obo-comment': 'mine',
        'obo-adopt-unmanaged': 'true',
        'obo-dry-run': 'True',
      }).obo?.prune,
    ).toEqual({ principal: 'app', marker: 'mine', keep: 1, adoptUnmanaged: true, dryRun: true });
  });

  it.each([
    [
      { 'obo-lifetime': '59' },
      'obo-lifetime "59" is not a whole number of seconds from 60 to 7776000 (90 days)',
    ],
    [{ 'obo-lifetime': '7776001' }, 'from 60 to 7776000'],
    [{ 'obo-keep': '0' }, 'obo-keep "0" is not a whole number from 1'],
    [{ 'obo-keep': '1000' }, 'is not a whole number from 1'],
    [{ 'obo-dry-run': 'maybe' }, 'obo-dry-run "maybe" is not true or false'],
    [{ 'obo-adopt-unmanaged': '1' }, 'obo-adopt-unmanaged "1" is not true or false'],
  ])('refuses %j, with or without an application ID', (settings, says) => {
    expect(refusal(settings)).toContain(says);
    expect(refusal({ ...settings, 'obo-application-id': 'app' })).toContain(says);
  });
});
