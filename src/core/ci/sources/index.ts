import type { CiName } from '../catalog.ts';
import type { CiSource } from '../source.ts';
import { azureDevops } from './azure-devops.ts';
import { bitbucket } from './bitbucket.ts';
import { buildkite } from './buildkite.ts';
import { circleci } from './circleci.ts';
import { gitHub } from './github.ts';
import { gitlab } from './gitlab.ts';
import { jenkins } from './jenkins.ts';
import { kubernetes } from './kubernetes.ts';
import { terraformCloud } from './terraform-cloud.ts';

/** Each row's source: a row without one does not compile. */
export const CI_SOURCES: Readonly<Record<CiName, CiSource>> = {
  'azure-devops': azureDevops,
  github: gitHub,
  circleci,
  buildkite,
  gitlab,
  bitbucket,
  'terraform-cloud': terraformCloud,
  jenkins,
  kubernetes,
};
