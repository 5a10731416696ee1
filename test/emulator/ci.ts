// The 'ci' server's side: the eight CI issuers, their token endpoints and job environments.

import { fileURLToPath } from 'node:url';
import { agentRoutes, createBuildkiteSide, createCircleCiSide } from './ci-agents.ts';
import { azureDevOpsRoutes, createAzureDevOpsSide } from './ci-azure-devops.ts';
import { ciSpecs } from './ci-claims.ts';
import { createIssuer, issuerRoutes, type IssuerHandle } from './ci-issuers.ts';
import {
  createBitbucketSide,
  createGitLabSide,
  createJenkinsSide,
  createKubernetesSide,
  createTerraformCloudSide,
} from './ci-job-env.ts';
import type { Route } from './dispatch.ts';
import { createSigningKey, type SigningKey } from './jwt.ts';
import type { CiName, CiSide } from './types.ts';

export const BIN_DIR = fileURLToPath(new URL('./bin', import.meta.url));

export interface CiSetup {
  url: string;
  accountId: string;
  /** Signs tokens no issuer publishes. */
  foreign: SigningKey;
  addSecret(value: string): void;
}

export interface CiParts {
  side: CiSide;
  routes: Route[];
  /** Restores every issuer's default claims. */
  reset(): void;
}

export async function createCiSide(setup: CiSetup): Promise<CiParts> {
  const specs = ciSpecs(setup.url, setup.accountId);
  const keys = await Promise.all(specs.map(() => createSigningKey()));
  const handles = new Map<CiName, IssuerHandle>();
  specs.forEach((spec, i) => {
    const signing = keys[i];
    if (!signing) throw new Error('missing signing key');
    handles.set(
      spec.name,
      createIssuer(setup.url, spec, { signing, foreign: setup.foreign }, setup.addSecret),
    );
  });
  const handle = (name: CiName) => {
    const h = handles.get(name);
    if (!h) throw new Error(`no issuer for ${name}`);
    return h;
  };
  const side: CiSide = {
    url: setup.url,
    binDir: BIN_DIR,
    gitlab: createGitLabSide(setup.url, handle('gitlab')),
    azureDevops: createAzureDevOpsSide(setup.url, handle('azure-devops'), setup.addSecret),
    circleci: createCircleCiSide(setup.url, handle('circleci'), setup.addSecret),
    buildkite: createBuildkiteSide(setup.url, handle('buildkite'), setup.addSecret),
    bitbucket: createBitbucketSide(handle('bitbucket')),
    terraformCloud: createTerraformCloudSide(handle('terraform-cloud')),
    jenkins: createJenkinsSide(setup.url, handle('jenkins')),
    kubernetes: createKubernetesSide(handle('kubernetes')),
    issuers: [],
  };
  side.issuers = [
    side.gitlab,
    side.azureDevops,
    side.circleci,
    side.buildkite,
    side.bitbucket,
    side.terraformCloud,
    side.jenkins,
    side.kubernetes,
  ];
  const all = [...handles.values()];
  return {
    side,
    routes: [
      ...azureDevOpsRoutes(side.azureDevops),
      ...agentRoutes(side.circleci, side.buildkite),
      ...issuerRoutes(all),
    ],
    reset: () => all.forEach((h) => h.reset()),
  };
}
