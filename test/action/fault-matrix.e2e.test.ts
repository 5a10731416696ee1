// The fault matrix: one row per fault the emulator can inject on one route, each with its expected
// outcome (recovered after N attempts, or one terminal error naming the stage). Every row runs the
// bundled dist/index.js as the runner does and asserts the exit code, how many requests each route
// saw, that the run ended inside the 120 s run deadline, and that no secret leaked.
//
// Timing: the rows use the production retry policy (5 attempts, 15 s per attempt, 120 s deadline).
// There is deliberately no switch, environment variable or hidden input that shortens it: a knob that
// changes retry semantics would be one more thing the shipped bundle reads from its environment, and
// the rows would then prove a policy that never runs in a job. The cost is a few rows that wait out
// real 15 s attempt timeouts (the longest, five hangs in a row, takes about 80 s); the rows run
// concurrently on a small pool of emulators, so the file takes about as long as that one row.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  JOB_SERVICE_PRINCIPAL,
  addJobPolicy,
  startEmulator,
  type Emulator,
  type Fault,
  type RouteName,
} from '../emulator/index.ts';
import type { Stage } from '../../src/core/errors.ts';
import { failurePrefix } from '../support/stages.ts';
import { findLeaks } from '../support/leaks.ts';
import { runAction, type ActionRun } from './runner.ts';

const SP_APPLICATION_ID = JOB_SERVICE_PRINCIPAL.applicationId;
const ENDPOINT = 'projects/shop/branches/main/endpoints/primary';
const RUN_DEADLINE_MS = 120_000;
/** Node start-up, the last attempt's own timeout cut to the deadline, process exit. */
const DEADLINE_SLACK_MS = 10_000;
const POOL_SIZE = 6;
/** The HTTP date the Retry-After row answers with, set when the row is set up. */
let retryAfterDate = '';

/** The routes the action calls, as the emulator names them in each recorded request. */
const CALLED = [
  'github.idtoken',
  'workspace.metadata',
  'workspace.token',
  'workspace.scim',
  'lakebase.instance',
  'lakebase.instance-credential',
  'lakebase.endpoint',
  'lakebase.endpoint-credential',
] as const satisfies readonly RouteName[];
type Called = (typeof CALLED)[number];
type Counts = Partial<Record<Called, number>>;

type Lakebase = 'instance' | 'endpoint' | undefined;

interface Row {
  name: string;
  lakebase?: Lakebase;
  /** Inputs over the defaults (host, client-id and the Lakebase target). */
  inputs?: Record<string, string>;
  faults?: Array<[RouteName, Fault, number?]>;
  /** Extra set-up beyond the faults (instance state, a wrong request token, ...). */
  setup?: (emulator: Emulator, row: RowContext) => void;
  /** Requests per route that differ from one each on the path the row takes. */
  counts: Counts;
  /** undefined: the run succeeds. Otherwise the stage whose label starts the one error line. */
  fails?: { stage: Stage; message: RegExp };
  /** Extra assertions on the finished row. */
  check?: (outcome: Outcome) => void;
}

interface RowContext {
  requestToken: string;
}

interface Outcome {
  run: ActionRun;
  elapsedMs: number;
  counts: Record<Called, number>;
  requests: Emulator['requests'];
  issuedTokens: string[];
  credentials: Emulator['lakebase']['credentials'];
  secrets: string[];
  otherServerUrl: string;
}

/** The routes a run with this Lakebase target calls, once each when nothing goes wrong. */
function happyCounts(lakebase: Lakebase): Record<Called, number> {
  return {
    'github.idtoken': 1,
    'workspace.metadata': 1,
    'workspace.token': 1,
    'workspace.scim': lakebase === undefined ? 0 : 1,
    'lakebase.instance': lakebase === 'instance' ? 1 : 0,
    'lakebase.instance-credential': lakebase === 'instance' ? 1 : 0,
    'lakebase.endpoint': lakebase === 'endpoint' ? 1 : 0,
    'lakebase.endpoint-credential': lakebase === 'endpoint' ? 1 : 0,
  };
}

/** Nothing after the GitHub token is called when it fails. */
const AFTER_GITHUB: Counts = { 'workspace.token': 0 };

const status = (code: number, headers?: Record<string, string>): Fault => ({
  kind: 'status',
  status: code,
  ...(headers && { headers }),
});
const oauthError = (code: number, error: string, description: string): Fault => ({
  kind: 'json',
  status: code,
  body: { error, error_description: description },
});

const ROWS: Row[] = [
  // GitHub's OIDC token service
  ...[500, 502, 503, 504].map((code): Row => ({
    name: `GitHub OIDC ${code} once: recovered on attempt 2`,
    faults: [['github.idtoken', status(code)]],
    counts: { 'github.idtoken': 2 },
  })),
  {
    name: 'GitHub OIDC 503 on every attempt: gives up after 5',
    faults: [['github.idtoken', status(503), Infinity]],
    counts: { 'github.idtoken': 5, ...AFTER_GITHUB },
    fails: {
      stage: 'github-token',
      message: /GitHub OIDC token request did not succeed after 5 attempts \(last: HTTP 503\)/,
    },
  },
  {
    name: 'GitHub OIDC 429 with Retry-After: recovered on attempt 2',
    faults: [['github.idtoken', status(429, { 'Retry-After': '1' })]],
    counts: { 'github.idtoken': 2 },
  },
  {
    name: 'GitHub OIDC hangs once: the 15 s attempt timeout cuts it, recovered on attempt 2',
    faults: [['github.idtoken', { kind: 'hang' }]],
    counts: { 'github.idtoken': 2 },
    check: ({ run }) =>
      expect(run.log.join('\n')).toMatch(
        /GitHub OIDC token request: no complete answer within 15 s/,
      ),
  },
  {
    name: 'GitHub OIDC connection reset: recovered on attempt 2',
    faults: [['github.idtoken', { kind: 'reset' }]],
    counts: { 'github.idtoken': 2 },
  },
  {
    name: 'GitHub OIDC reset mid-body: recovered on attempt 2',
    faults: [['github.idtoken', { kind: 'reset-mid-body' }]],
    counts: { 'github.idtoken': 2 },
  },
  {
    name: 'GitHub OIDC 401 on a wrong request token: terminal, not retried',
    setup: (_emulator, ctx) => {
      ctx.requestToken = randomBytes(32).toString('base64url');
    },
    counts: { 'github.idtoken': 1, ...AFTER_GITHUB },
    fails: {
      stage: 'github-token',
      message: /GitHub answered HTTP 401 \("Unauthorized.*"\)\. The request token was refused/,
    },
  },
  {
    name: 'GitHub OIDC 200 without "value": terminal',
    faults: [['github.idtoken', { kind: 'json', status: 200, body: { count: 1 } }]],
    counts: { 'github.idtoken': 1, ...AFTER_GITHUB },
    fails: { stage: 'github-token', message: /GitHub answered without a token in "value"/ },
  },
  {
    name: 'GitHub OIDC 200 with a body that is not JSON: terminal',
    faults: [['github.idtoken', { kind: 'malformed-json' }]],
    counts: { 'github.idtoken': 1, ...AFTER_GITHUB },
    fails: {
      stage: 'github-token',
      message: /GitHub answered with something that is not a JSON object/,
    },
  },
  {
    name: 'GitHub OIDC 200 with an HTML page: terminal',
    faults: [['github.idtoken', { kind: 'html', status: 200 }]],
    counts: { 'github.idtoken': 1, ...AFTER_GITHUB },
    fails: {
      stage: 'github-token',
      message: /GitHub answered with something that is not a JSON object/,
    },
  },
  {
    name: 'GitHub OIDC "value" that is not a JWT: terminal',
    faults: [['github.idtoken', { kind: 'json', status: 200, body: { value: 'not-a-jwt' } }]],
    counts: { 'github.idtoken': 1, ...AFTER_GITHUB },
    fails: { stage: 'github-token', message: /the token GitHub returned is not a readable JWT/ },
  },
  {
    name: 'GitHub OIDC 404: terminal, not retried',
    faults: [['github.idtoken', { kind: 'json', status: 404, body: { message: 'Not found' } }]],
    counts: { 'github.idtoken': 1, ...AFTER_GITHUB },
    fails: { stage: 'github-token', message: /GitHub answered HTTP 404 \("Not found"\)/ },
  },

  // Host metadata (discovery): optional, so its failure falls back to the host name
  {
    name: 'host metadata 503 on every attempt: falls back to the host name and succeeds',
    faults: [['workspace.metadata', status(503), Infinity]],
    counts: { 'workspace.metadata': 5 },
    check: ({ run }) =>
      expect(run.log.join('\n')).toMatch(/Host metadata: not available \(.*after 5 attempts/),
  },
  {
    name: 'host metadata 404 HTML (older hosts): falls back at once',
    faults: [['workspace.metadata', { kind: 'html', status: 404 }]],
    counts: { 'workspace.metadata': 1 },
    check: ({ run }) => expect(run.log.join('\n')).toMatch(/not available \(HTTP 404\)/),
  },
  {
    name: 'host metadata malformed JSON: ignored',
    faults: [['workspace.metadata', { kind: 'malformed-json' }]],
    counts: { 'workspace.metadata': 1 },
  },
  {
    name: 'host metadata connection reset: recovered on attempt 2',
    faults: [['workspace.metadata', { kind: 'reset' }]],
    counts: { 'workspace.metadata': 2 },
  },
  {
    name: 'host metadata hangs once: recovered on attempt 2',
    faults: [['workspace.metadata', { kind: 'hang' }]],
    counts: { 'workspace.metadata': 2 },
  },

  // The token exchange
  ...[500, 502, 503, 504].map((code): Row => ({
    name: `token endpoint ${code} once: recovered on attempt 2`,
    faults: [['workspace.token', status(code)]],
    counts: { 'workspace.token': 2 },
  })),
  {
    name: 'token endpoint 503 on every attempt: gives up after 5',
    faults: [['workspace.token', status(503), Infinity]],
    counts: { 'workspace.token': 5 },
    fails: {
      stage: 'exchange',
      message:
        /Token exchange did not succeed after 5 attempts \(last: HTTP 503\)\. This looks transient/,
    },
  },
  {
    name: 'token endpoint 429 with Retry-After in seconds: waits that long, recovered',
    faults: [['workspace.token', status(429, { 'Retry-After': '1' })]],
    counts: { 'workspace.token': 2 },
    check: ({ requests }) => expect(gapBetweenTokenRequests(requests)).toBeGreaterThanOrEqual(950),
  },
  {
    name: 'token endpoint 429 with Retry-After as an HTTP date: waits until then, recovered',
    setup: (emulator) => {
      retryAfterDate = new Date(Date.now() + 3000).toUTCString();
      emulator.faults.add('workspace.token', status(429, { 'Retry-After': retryAfterDate }));
    },
    counts: { 'workspace.token': 2 },
    // Measured against the date itself, not the set-up time: a slow start must not eat the wait.
    check: ({ requests }) => {
      const [, second] = requests.filter((r) => r.route === 'workspace.token');
      expect(second?.at).toBeGreaterThanOrEqual(Date.parse(retryAfterDate));
    },
  },
  {
    name: 'token endpoint 429 with a Retry-After past the run deadline: fails at once',
    faults: [['workspace.token', status(429, { 'Retry-After': '600' })]],
    counts: { 'workspace.token': 1 },
    fails: {
      stage: 'exchange',
      message: /after 1 attempt \(last: HTTP 429, and waiting 600\.0 s would pass the deadline\)/,
    },
  },
  {
    name: 'token endpoint 429 seven times: recovered on attempt 8, throttling is not one of the 5 failures',
    faults: [['workspace.token', status(429, { 'Retry-After': '1' }), 7]],
    counts: { 'workspace.token': 8 },
    check: ({ run }) =>
      expect(
        run.log.filter((line) => line.includes('throttled, retrying until the deadline')),
      ).toHaveLength(7),
  },
  {
    name: 'token endpoint "Temporarily throttled" in a 400 body, twice: recovered on attempt 3',
    faults: [['workspace.token', { kind: 'throttled' }, 2]],
    counts: { 'workspace.token': 3 },
  },
  {
    name: 'token endpoint hangs once: recovered on attempt 2',
    faults: [['workspace.token', { kind: 'hang' }]],
    counts: { 'workspace.token': 2 },
  },
  {
    name: 'token endpoint hangs on every attempt: 5 attempt timeouts, then a terminal error',
    faults: [['workspace.token', { kind: 'hang' }, Infinity]],
    counts: { 'workspace.token': 5 },
    fails: {
      stage: 'exchange',
      message: /after 5 attempts \(last: no complete answer within 15 s\)/,
    },
  },
  {
    name: 'token endpoint connection reset: recovered on attempt 2',
    faults: [['workspace.token', { kind: 'reset' }]],
    counts: { 'workspace.token': 2 },
  },
  {
    name: 'token endpoint reset mid-body: recovered on attempt 2',
    faults: [['workspace.token', { kind: 'reset-mid-body' }]],
    counts: { 'workspace.token': 2 },
    check: ({ run }) => expect(run.log.join('\n')).toMatch(/Token exchange: connection/),
  },
  {
    name: 'token endpoint trickles slower than the attempt timeout: cut, recovered on attempt 2',
    faults: [['workspace.token', { kind: 'trickle', bytesPerSecond: 5 }]],
    counts: { 'workspace.token': 2 },
  },
  {
    name: 'token endpoint trickles within the attempt timeout: one slow attempt',
    faults: [['workspace.token', { kind: 'trickle', bytesPerSecond: 1000 }]],
    counts: { 'workspace.token': 1 },
  },
  {
    name: 'token endpoint 502 HTML error page: retried, recovered on attempt 2',
    faults: [['workspace.token', { kind: 'html', status: 502 }]],
    counts: { 'workspace.token': 2 },
  },
  {
    name: 'token endpoint 400 HTML page: terminal, says it is not JSON',
    faults: [['workspace.token', { kind: 'html', status: 400 }]],
    counts: { 'workspace.token': 1 },
    fails: { stage: 'exchange', message: /HTTP 400 with a body that is not JSON/ },
  },
  {
    name: 'token endpoint 200 with malformed JSON: terminal',
    faults: [['workspace.token', { kind: 'malformed-json' }]],
    counts: { 'workspace.token': 1 },
    fails: { stage: 'exchange', message: /answered HTTP 200 without an access_token/ },
  },
  {
    name: 'token endpoint 200 JSON without access_token: terminal',
    faults: [['workspace.token', { kind: 'json', status: 200, body: { token_type: 'Bearer' } }]],
    counts: { 'workspace.token': 1 },
    fails: { stage: 'exchange', message: /answered HTTP 200 without an access_token/ },
  },
  {
    name: 'token endpoint answers 2 MiB: reported as over the 1 MiB limit, not retried',
    faults: [
      [
        'workspace.token',
        { kind: 'json', status: 200, body: { access_token: 'a', padding: 'x'.repeat(2 << 20) } },
        Infinity,
      ],
    ],
    counts: { 'workspace.token': 1 },
    fails: {
      stage: 'exchange',
      message: /127\.0\.0\.1 sent an answer larger than the 1 MiB limit/,
    },
  },
  {
    name: 'token endpoint redirects to another host: not followed',
    setup: (emulator) =>
      emulator.faults.add('workspace.token', {
        kind: 'redirect',
        status: 307,
        location: `${emulator.account.url}/oidc/v1/token`,
      }),
    counts: { 'workspace.token': 1 },
    fails: { stage: 'exchange', message: /redirect \(HTTP 307 to .*\), which is never followed/ },
    check: ({ requests }) => expect(requests.filter((r) => r.server === 'account')).toEqual([]),
  },
  ...(
    [
      [400, 'invalid_grant', 'The subject token is expired'],
      [400, 'invalid_request', 'No matching federation policy'],
      [401, 'invalid_client', 'Client authentication failed'],
    ] as const
  ).map(([code, error, description]): Row => ({
    name: `token endpoint ${code} ${error}: terminal, not retried, the matching policy explained`,
    faults: [['workspace.token', oauthError(code, error, description)]],
    counts: { 'workspace.token': 1 },
    fails: {
      stage: 'exchange',
      message: new RegExp(
        `Databricks refused the token \\(HTTP ${code} ${error}: ${description}\\)`,
      ),
    },
    check: ({ run }) =>
      expect(run.log.join('\n')).toContain('service-principal-federation-policy create'),
  })),

  // SCIM Me (the Postgres user name), with a Lakebase instance
  {
    name: 'SCIM Me 503 once: recovered on attempt 2',
    lakebase: 'instance',
    faults: [['workspace.scim', status(503)]],
    counts: { 'workspace.scim': 2 },
  },
  {
    name: 'SCIM Me connection reset: recovered on attempt 2',
    lakebase: 'instance',
    faults: [['workspace.scim', { kind: 'reset' }]],
    counts: { 'workspace.scim': 2 },
  },
  {
    name: 'SCIM Me 401: terminal',
    lakebase: 'instance',
    faults: [['workspace.scim', { kind: 'json', status: 401, body: { detail: 'Invalid token' } }]],
    counts: {},
    fails: {
      stage: 'lakebase',
      message: /Databricks refused the token as expired or invalid \(HTTP 401: Invalid token\)/,
    },
  },
  {
    // The recorded answer to a dead bearer (databricks/databricks-sdk-go#873): no grant advice.
    name: 'SCIM Me 403 Invalid access token: terminal, as an expired token',
    lakebase: 'instance',
    faults: [
      [
        'workspace.scim',
        { kind: 'json', status: 403, body: { error_code: 403, message: 'Invalid access token.' } },
      ],
    ],
    counts: {},
    fails: {
      stage: 'lakebase',
      message: /expired or invalid \(HTTP 403 403: Invalid access token\.\)/,
    },
  },
  {
    name: 'SCIM Me without userName: terminal',
    lakebase: 'instance',
    faults: [['workspace.scim', { kind: 'json', status: 200, body: { id: '1' } }]],
    counts: {},
    fails: { stage: 'lakebase', message: /the current user has no userName/ },
  },
  {
    // PGUSER is printed in the command line's hand-offs, where Azure reads ##vso[ anywhere.
    name: "SCIM Me userName holding Azure's ##vso[: terminal, refused by its kind",
    lakebase: 'instance',
    faults: [
      [
        'workspace.scim',
        {
          kind: 'json',
          status: 200,
          body: { id: '1', userName: 'sp##vso[task.setvariable variable=EVIL]1' },
        },
      ],
    ],
    counts: {},
    fails: {
      stage: 'lakebase',
      message: /the userName Databricks answered with is not a user name/,
    },
  },

  // Lakebase provisioned instance
  {
    name: 'Lakebase instance unknown (404): terminal, names it',
    lakebase: 'instance',
    inputs: { 'lakebase-instance': 'nope-db' },
    counts: {},
    fails: { stage: 'lakebase', message: /Lakebase instance "nope-db" was not found/ },
  },
  {
    name: 'Lakebase instance GET 503 twice: recovered on attempt 3',
    lakebase: 'instance',
    faults: [['lakebase.instance', status(503), 2]],
    counts: { 'lakebase.instance': 3 },
  },
  {
    name: 'Lakebase instance STARTING: polled until AVAILABLE',
    lakebase: 'instance',
    setup: (emulator) =>
      emulator.lakebase.addInstance({
        name: 'orders-db',
        state: 'STARTING',
        readWriteDns: 'instance-1.database.example.test',
        becomesAvailableAfterGets: 1,
      }),
    counts: { 'lakebase.instance': 2 },
  },
  {
    name: 'Lakebase instance STOPPED: terminal, says how to start it',
    lakebase: 'instance',
    setup: (emulator) =>
      emulator.lakebase.addInstance({
        name: 'orders-db',
        state: 'STOPPED',
        readWriteDns: 'instance-1.database.example.test',
      }),
    counts: {},
    fails: {
      stage: 'lakebase',
      message: /"orders-db" is STOPPED, not usable\. Start the instance/,
    },
  },
  {
    name: 'Lakebase instance permission denied: terminal, says what to grant',
    lakebase: 'instance',
    setup: (emulator) =>
      emulator.lakebase.addInstance({
        name: 'orders-db',
        state: 'AVAILABLE',
        readWriteDns: 'instance-1.database.example.test',
        deniedUsers: [SP_APPLICATION_ID],
      }),
    counts: {},
    fails: { stage: 'lakebase', message: /the identity may not use .*CAN_USE/ },
  },
  {
    name: 'Lakebase credential cut mid-body: retried with the same request_id, minted once',
    lakebase: 'instance',
    faults: [['lakebase.instance-credential', { kind: 'reset-mid-body' }]],
    counts: { 'lakebase.instance-credential': 2 },
    check: ({ requests, credentials, run }) => {
      const ids = requests
        .filter((r) => r.route === 'lakebase.instance-credential')
        .map((r) => (r.json as { request_id?: string }).request_id);
      expect(new Set(ids).size).toBe(1);
      expect(credentials).toHaveLength(1);
      expect(run.outputs['database-password']).toBe(credentials[0]?.token);
    },
  },
  {
    name: 'Lakebase credential 429 with Retry-After: recovered on attempt 2',
    lakebase: 'instance',
    faults: [['lakebase.instance-credential', status(429, { 'Retry-After': '1' })]],
    counts: { 'lakebase.instance-credential': 2 },
  },
  {
    name: 'Lakebase credential 500 on every attempt: gives up after 5',
    lakebase: 'instance',
    faults: [['lakebase.instance-credential', status(500), Infinity]],
    counts: { 'lakebase.instance-credential': 5 },
    fails: {
      stage: 'lakebase',
      message: /Lakebase credential request did not succeed after 5 attempts \(last: HTTP 500\)/,
    },
  },
  {
    name: 'Lakebase credential answer without a token: terminal',
    lakebase: 'instance',
    faults: [['lakebase.instance-credential', { kind: 'json', status: 200, body: {} }]],
    counts: {},
    fails: { stage: 'lakebase', message: /answered without a credential token/ },
  },
  {
    name: 'Lakebase credential HTML 200: terminal',
    lakebase: 'instance',
    faults: [['lakebase.instance-credential', { kind: 'html', status: 200 }]],
    counts: {},
    fails: { stage: 'lakebase', message: /the answer is not a JSON object/ },
  },

  // Lakebase Autoscaling endpoint
  {
    name: 'Lakebase endpoint GET 502 once: recovered on attempt 2',
    lakebase: 'endpoint',
    faults: [['lakebase.endpoint', status(502)]],
    counts: { 'lakebase.endpoint': 2 },
  },
  {
    name: 'Lakebase endpoint credential reset: recovered on attempt 2',
    lakebase: 'endpoint',
    faults: [['lakebase.endpoint-credential', { kind: 'reset' }]],
    counts: { 'lakebase.endpoint-credential': 2 },
  },
  {
    name: 'Lakebase endpoint DEGRADED: terminal',
    lakebase: 'endpoint',
    setup: (emulator) =>
      emulator.lakebase.addEndpoint({
        name: ENDPOINT,
        state: 'DEGRADED',
        host: 'ep-1.database.example.test',
      }),
    counts: {},
    fails: { stage: 'lakebase', message: /Lakebase endpoint ".*" is DEGRADED, not usable/ },
  },
  {
    name: 'Lakebase instance state and expiry of the wrong type: a stage error, no crash',
    lakebase: 'instance',
    faults: [
      [
        'lakebase.instance',
        {
          kind: 'json',
          status: 200,
          body: { state: { toString: 1 }, read_write_dns: 'instance-1.database.example.test' },
        },
      ],
    ],
    counts: {},
    fails: { stage: 'lakebase', message: /Lakebase instance "orders-db" is UNKNOWN, not usable/ },
  },
  {
    name: 'Lakebase host that would rewrite the connection URLs: refused',
    lakebase: 'endpoint',
    setup: (emulator) =>
      emulator.lakebase.addEndpoint({
        name: ENDPOINT,
        state: 'ACTIVE',
        host: 'ep-1.database.example.test?sslmode=disable&x=',
      }),
    counts: {},
    fails: {
      stage: 'lakebase',
      message: /the read-write host name Databricks answered with is not a host name/,
    },
  },
];

function gapBetweenTokenRequests(requests: Emulator['requests']): number {
  const [first, second] = requests.filter((r) => r.route === 'workspace.token');
  return (second?.at ?? 0) - (first?.at ?? 0);
}

async function runRow(emulator: Emulator, row: Row): Promise<Outcome> {
  emulator.reset();
  const { github, workspace } = emulator;
  addJobPolicy(emulator);
  const inputs: Record<string, string> = { host: workspace.url, 'client-id': SP_APPLICATION_ID };
  if (row.lakebase === 'instance') {
    emulator.lakebase.addInstance({
      name: 'orders-db',
      state: 'AVAILABLE',
      readWriteDns: 'instance-1.database.example.test',
    });
    inputs['lakebase-instance'] = 'orders-db';
  }
  if (row.lakebase === 'endpoint') {
    emulator.lakebase.addEndpoint({ name: ENDPOINT, state: 'ACTIVE', host: 'ep.example.test' });
    inputs['lakebase-endpoint'] = ENDPOINT;
  }
  Object.assign(inputs, row.inputs);
  for (const [route, fault, times] of row.faults ?? []) emulator.faults.add(route, fault, times);
  const ctx: RowContext = { requestToken: github.requestToken };
  row.setup?.(emulator, ctx);
  const started = Date.now();
  const run = await runAction(inputs, {
    idToken: { url: github.requestUrl, token: ctx.requestToken },
  });
  const elapsedMs = Date.now() - started;
  const requests = [...emulator.requests];
  const counts = Object.fromEntries(
    CALLED.map((name) => [name, requests.filter((r) => r.route === name).length]),
  ) as Record<Called, number>;
  return {
    run,
    elapsedMs,
    counts,
    requests,
    issuedTokens: emulator.issuedTokens.map((t) => t.token),
    credentials: [...emulator.lakebase.credentials],
    secrets: [...emulator.secrets(), ctx.requestToken],
    otherServerUrl: emulator.account.url,
  };
}

/** The expected count of every route: what the row says, else once if the run gets there. */
function expectedCounts(row: Row): Record<Called, number> {
  const happy = happyCounts(row.lakebase);
  if (row.fails?.stage === 'github-token')
    for (const route of Object.keys(happy) as Called[])
      if (route !== 'github.idtoken' && route !== 'workspace.metadata') happy[route] = 0;
  if (row.fails?.stage === 'exchange')
    for (const route of Object.keys(happy) as Called[])
      if (route.startsWith('lakebase') || route === 'workspace.scim') happy[route] = 0;
  return { ...happy, ...row.counts };
}

describe('fault matrix: the bundled action against one injected fault per row', () => {
  const outcomes = new Map<string, Outcome | Error>();
  const emulators: Emulator[] = [];

  beforeAll(async () => {
    emulators.push(
      ...(await Promise.all(Array.from({ length: POOL_SIZE }, () => startEmulator()))),
    );
    // Longest rows first (five hangs: about 80 s), so that they overlap with all the others.
    const faults = (row: Row) => row.faults ?? [];
    const weight = (row: Row) =>
      faults(row).some(([, f, times]) => times === Infinity && f.kind === 'hang')
        ? 2
        : faults(row).some(
              ([, f, times]) =>
                f.kind === 'hang' || f.kind === 'trickle' || times === Infinity || (times ?? 1) > 3,
            )
          ? 1
          : 0;
    const queue = [...ROWS].sort((a, b) => weight(b) - weight(a));
    await Promise.all(
      emulators.map(async (emulator) => {
        for (let row = queue.shift(); row !== undefined; row = queue.shift()) {
          const current = row;
          outcomes.set(
            current.name,
            await runRow(emulator, current).catch((error: unknown) =>
              error instanceof Error ? error : new Error(String(error)),
            ),
          );
        }
      }),
    );
  }, 240_000);

  afterAll(async () => {
    await Promise.all(emulators.map((emulator) => emulator.close()));
  });

  it('has one row per name', () => {
    expect(new Set(ROWS.map((row) => row.name)).size).toBe(ROWS.length);
  });

  it.each(ROWS.map((row) => [row.name, row] as const))('%s', (_name, row) => {
    const outcome = outcomes.get(row.name);
    if (outcome === undefined || outcome instanceof Error) throw outcome ?? new Error('not run');
    const { run } = outcome;
    expect(outcome.counts).toEqual(expectedCounts(row));
    expect(outcome.elapsedMs).toBeLessThan(RUN_DEADLINE_MS + DEADLINE_SLACK_MS);
    expect(findLeaks(run, outcome.secrets)).toEqual([]);
    // Never a bare stack trace, whatever the fault.
    expect(run.stderr).not.toMatch(/^\s+at /m);
    if (row.fails === undefined) {
      expect(run.errors).toEqual([]);
      expect(run.exitCode).toBe(0);
      expect(outcome.issuedTokens).toContain(run.outputs['token']);
      if (row.lakebase !== undefined)
        expect(outcome.credentials.map((c) => c.token)).toContain(run.outputs['database-password']);
    } else {
      expect(run.exitCode).toBe(1);
      expect(run.errors).toHaveLength(1);
      const [error = ''] = run.errors;
      expect(error.startsWith(failurePrefix(row.fails.stage))).toBe(true);
      expect(error).toMatch(row.fails.message);
      expect(error).not.toContain('\n');
      expect(run.outputs).toEqual({});
      expect(run.env).toEqual({});
    }
    row.check?.(outcome);
  });
});
