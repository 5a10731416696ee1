// Lakebase state: provisioned database instances, autoscaling endpoints, minted credentials.

import { randomBytes, randomUUID } from 'node:crypto';
import type {
  DatabaseCredential,
  InstanceState,
  LakebaseEndpointSpec,
  LakebaseInstanceSpec,
  LakebaseState,
} from './types.ts';

export const ENDPOINT_NAME = /^projects\/[^/]+\/branches\/[^/]+\/endpoints\/[^/]+$/;

export interface InstanceView {
  spec: LakebaseInstanceSpec;
  uid: string;
  state: InstanceState;
}

interface InstanceEntry extends InstanceView {
  gets: number;
}

export interface EndpointView {
  spec: LakebaseEndpointSpec;
  uid: string;
}

export interface MintRequest {
  kind: DatabaseCredential['kind'];
  target: string;
  userName: string;
  lifetimeSeconds: number;
  requestId?: string;
}

export class RequestIdReuseError extends Error {}

function fingerprint(r: MintRequest): string {
  return `${r.kind}\n${r.target}\n${r.userName}`;
}

export class LakebaseStore implements LakebaseState {
  onCredential?: (c: Omit<DatabaseCredential, 'requestId'>) => Promise<void>;
  credentialLifetimeSeconds?: number;
  readonly credentials: DatabaseCredential[] = [];
  readonly #instances = new Map<string, InstanceEntry>();
  readonly #endpoints = new Map<string, EndpointView>();
  readonly #byRequestId = new Map<string, { key: string; minted: Promise<DatabaseCredential> }>();
  readonly #addSecret: (value: string) => void;

  constructor(addSecret: (value: string) => void) {
    this.#addSecret = addSecret;
  }

  addInstance(i: LakebaseInstanceSpec): void {
    if (!/^[a-z0-9-]+$/.test(i.name)) throw new Error(`invalid instance name '${i.name}'`);
    this.#instances.set(i.name, { spec: { ...i }, uid: randomUUID(), state: i.state, gets: 0 });
  }

  addEndpoint(e: LakebaseEndpointSpec): void {
    if (!ENDPOINT_NAME.test(e.name)) throw new Error(`invalid endpoint name '${e.name}'`);
    this.#endpoints.set(e.name, { spec: { ...e }, uid: `ep-${randomBytes(8).toString('hex')}` });
  }

  /** The instance as one GET sees it; STARTING/UPDATING progress towards AVAILABLE per GET. */
  observeInstance(name: string): InstanceView | undefined {
    const entry = this.#instances.get(name);
    if (!entry) return undefined;
    entry.gets += 1;
    const after = entry.spec.becomesAvailableAfterGets;
    const transitional = entry.state === 'STARTING' || entry.state === 'UPDATING';
    if (transitional && after !== undefined && entry.gets > after) entry.state = 'AVAILABLE';
    return entry;
  }

  instance(name: string): InstanceView | undefined {
    return this.#instances.get(name);
  }

  endpoint(name: string): EndpointView | undefined {
    return this.#endpoints.get(name);
  }

  /** Mints (or, for a repeated request id, returns the already minted) credential. */
  mint(request: MintRequest): Promise<DatabaseCredential> {
    if (request.requestId === undefined) return this.#mintNew(request);
    const previous = this.#byRequestId.get(request.requestId);
    if (previous) {
      if (previous.key !== fingerprint(request)) {
        return Promise.reject(new RequestIdReuseError(request.requestId));
      }
      return previous.minted;
    }
    const minted = this.#mintNew(request);
    const requestId = request.requestId;
    this.#byRequestId.set(requestId, { key: fingerprint(request), minted });
    minted.catch(() => this.#byRequestId.delete(requestId));
    return minted;
  }

  async #mintNew(r: MintRequest): Promise<DatabaseCredential> {
    const credential = {
      userName: r.userName,
      token: randomBytes(150).toString('base64url'),
      expiresAt: new Date(
        Date.now() + (this.credentialLifetimeSeconds ?? r.lifetimeSeconds) * 1000,
      ),
      kind: r.kind,
      target: r.target,
    };
    this.#addSecret(credential.token);
    await this.onCredential?.({ ...credential });
    const recorded =
      r.requestId === undefined ? credential : { ...credential, requestId: r.requestId };
    this.credentials.push(recorded);
    return recorded;
  }

  /** Clears instances, endpoints and credentials; keeps `onCredential` (harness wiring). */
  reset(): void {
    this.#instances.clear();
    this.#endpoints.clear();
    this.#byRequestId.clear();
    this.credentials.length = 0;
    delete this.credentialLifetimeSeconds;
  }
}
