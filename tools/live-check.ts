// `npm run live-check`: asks a real workspace, with a real OIDC token, what no public source
// settles (the contract audit's last section), and prints a markdown report to paste into an
// issue. It mints only what it deletes again. Inputs: README "Check your workspace".
//
// Exit codes: 0 the report is complete and every token it made is deleted; 1 a token could not
// be deleted (the report names it); 2 bad settings, no OIDC token, or the check stopped early
// (one line on stderr).
import { appendFile, readFile } from 'node:fs/promises';
import * as core from '@actions/core';
import {
  audiences,
  createTransport,
  decodeClaims,
  describeFailure,
  SecretRegistry,
} from '../src/core/index.ts';
import {
  chooseAudience,
  probeExchange,
  probeMetadata,
  probeRefusals,
  probeTokenEndpoint,
  probeUnified,
  subjectToken,
} from './live-check-host.ts';
import { code, renderReport } from './live-check-report.ts';
import { Check } from './live-check-run.ts';
import { readSettings, SettingsError, type Settings } from './live-check-settings.ts';
import { cleanUp, probeMe, probeObo, probePats } from './live-check-tokens.ts';

async function runChecks(check: Check): Promise<void> {
  const host = await probeMetadata(check);
  const tokenEndpoint = await probeTokenEndpoint(check, host);
  const audience = chooseAudience(check, host, tokenEndpoint);
  check.facts.push(
    `Host type (metadata): ${host.hostTypeRaw === undefined ? 'none' : code(check.redactor.text(host.hostTypeRaw, 40))}`,
    `Token endpoint: ${code(check.redactor.text(tokenEndpoint))}; audience: ${audience.rule}`,
  );
  const jwt = await subjectToken(check, audience.value);
  if (check.settings.jwt.kind === 'given') noteGivenAudience(check, jwt, audience.value);
  const oauth = await probeExchange(check, tokenEndpoint, jwt);
  await probeRefusals(check, tokenEndpoint, jwt);
  if (oauth === undefined) return;
  if (host.hostType === 'unified') await probeUnified(check, host, tokenEndpoint, jwt, oauth);
  if (host.hostType === 'account') {
    check.findings.push('An account host: the workspace checks (PAT, on-behalf-of) were skipped');
    return;
  }
  const callerId = await probeMe(check, oauth);
  await probePats(check, oauth);
  await probeObo(check, oauth, callerId);
}

/** A given JWT brings its own audience: say whether it is the one the SDKs would ask for. */
function noteGivenAudience(check: Check, jwt: string, chosen: string): void {
  const claims = decodeClaims(jwt);
  const matches = claims !== undefined && audiences(claims).includes(chosen);
  check.facts.push(
    `The given JWT's audience ${matches ? 'is' : '**is not**'} the one chosen above`,
  );
}

async function version(): Promise<string> {
  const text = await readFile(new URL('../package.json', import.meta.url), 'utf8');
  return String((JSON.parse(text) as { version?: unknown }).version);
}

function describeSettings(settings: Settings): string[] {
  return [
    `Token source: ${settings.jwt.kind === 'github' ? 'the GitHub Actions runner' : 'DATABRICKS_OIDC_TOKEN'}; ` +
      `client id: ${settings.clientId === undefined ? 'none (account-wide federation policy)' : 'set (service-principal federation)'}; ` +
      `account id: ${settings.accountId === undefined ? 'not set' : 'set'}; on-behalf-of: ${settings.oboApplicationId === undefined ? 'not checked' : 'checked'}`,
  ];
}

function fail(message: string): never {
  process.stderr.write(`live-check: ${message}\n`);
  process.exit(2);
}

async function main(): Promise<number> {
  const env = process.env;
  let settings: Settings;
  try {
    settings = readSettings(env);
  } catch (error) {
    if (error instanceof SettingsError) fail(error.message);
    throw error;
  }
  const onGitHub = env['GITHUB_ACTIONS'] === 'true';
  const secrets = new SecretRegistry(onGitHub ? (value) => core.setSecret(value) : () => undefined);
  if (settings.jwt.kind === 'given') secrets.add(settings.jwt.value);
  else secrets.add(settings.jwt.request.token);
  const release = await version();
  const transport = createTransport(`databricks-oidc-live-check/${release}`);
  const check = new Check(settings, transport, secrets);
  check.facts.push(
    `databricks-oidc ${release} live check, Node ${process.version}, ${new Date().toISOString()}`,
    ...describeSettings(settings),
  );
  let problem: string | undefined;
  try {
    await runChecks(check);
  } catch (error) {
    problem = describeFailure(error);
    check.findings.push(`The check stopped early: ${code(check.redactor.text(problem))}`);
  }
  const cleanup = await cleanUp(check);
  transport.dispose();
  const report = renderReport({
    facts: check.facts,
    rows: check.rows,
    findings: check.findings,
    cleanup,
  });
  process.stdout.write(report);
  const summary = env['GITHUB_STEP_SUMMARY'];
  if (summary !== undefined && summary !== '') await appendFile(summary, report);
  if (problem !== undefined)
    process.stderr.write(`live-check: ${secrets.sanitise(problem, 500)}\n`);
  if (check.minted.some((minted) => !minted.deleted)) return 1;
  return problem === undefined ? 0 : 2;
}

process.exitCode = await main().catch((error: unknown) => {
  process.stderr.write(`live-check: ${describeFailure(error)}\n`);
  return 2;
});
