// What one live check run carries: the transport, the secrets, the redactor, the rows so far, and
// every token it minted (so that the clean-up can delete what a probe left behind).
import type { SecretRegistry, Transport } from '../src/core/index.ts';
import { describeProbe, send, type Probe } from './live-check-http.ts';
import { Redactor, statusOf, type Answer, type Row } from './live-check-report.ts';
import type { Settings } from './live-check-settings.ts';

const SECRET_FIELDS = new Set([
  'access_token',
  'refresh_token',
  'id_token',
  'token_value',
  'token',
  'value',
]);

export interface Minted {
  kind: 'PAT' | 'on-behalf-of token';
  id: string;
  /** The request that deletes it (with a bearer that can). */
  remove: Probe;
  deleted: boolean;
}

export class Check {
  readonly settings: Settings;
  readonly transport: Transport;
  readonly secrets: SecretRegistry;
  readonly redactor: Redactor;
  readonly rows: Row[] = [];
  readonly facts: string[] = [];
  readonly findings: string[] = [];
  readonly minted: Minted[] = [];
  /** Headers every workspace API call carries (X-Databricks-Workspace-Id on a unified host). */
  workspaceHeaders: Record<string, string> = {};

  constructor(settings: Settings, transport: Transport, secrets: SecretRegistry) {
    this.settings = settings;
    this.transport = transport;
    this.secrets = secrets;
    this.redactor = new Redactor(secrets, settings.host);
    this.redactor.name(settings.clientId, '[client-id]');
    this.redactor.name(settings.accountId, '[account-id]');
    this.redactor.name(settings.oboApplicationId, '[obo-application-id]');
  }

  url(path: string): string {
    return `${this.settings.host}${path}`;
  }

  /** Sends the probe and records it as a row of the report. */
  async ask(item: string, probe: Probe): Promise<Answer> {
    const answer = await send(this.transport, probe);
    this.record(item, describeProbe(probe), answer);
    return answer;
  }

  record(item: string, asked: string, answer: Answer): void {
    if (!('failed' in answer)) this.registerSecrets(answer.body);
    this.rows.push({
      item,
      asked: this.redactor.text(asked, 400),
      status: statusOf(answer),
      answer: this.redactor.answer(answer),
    });
  }

  /** Every credential an answer carries is a secret before anything reads the answer. */
  private registerSecrets(body: string): void {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return;
    }
    const visit = (value: unknown, key: string): void => {
      if (typeof value === 'string' && SECRET_FIELDS.has(key)) this.secrets.add(value);
      else if (typeof value === 'object' && value !== null)
        for (const [name, inner] of Object.entries(value)) visit(inner, name);
    };
    visit(json, '');
  }

  /** A row for a probe that was not sent, and why. */
  skip(item: string, asked: string, why: string): void {
    this.rows.push({ item, asked: this.redactor.text(asked), status: 'skipped', answer: why });
  }

  /** A workspace API probe: the routing header added on unified hosts. */
  workspace(probe: Probe): Probe {
    return { ...probe, headers: { ...this.workspaceHeaders, ...probe.headers } };
  }
}
