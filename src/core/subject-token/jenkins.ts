import type { CiDetector } from './ci-detector.ts';
import { tokenUnavailable } from './source-deps.ts';

/** Jenkins: the OIDC provider plugin's credential, bound to DATABRICKS_OIDC_TOKEN (read as explicit). */
export const jenkins: CiDetector = {
  ci: 'jenkins',
  label: 'Jenkins',
  present: (env) => (env['JENKINS_URL'] ? 'JENKINS_URL is set' : undefined),
  source() {
    throw tokenUnavailable(
      'this Jenkins build has no DATABRICKS_OIDC_TOKEN',
      "Bind the OIDC provider plugin's credential: withCredentials([string(credentialsId: 'databricks-oidc', variable: 'DATABRICKS_OIDC_TOKEN')]) { sh 'databricks-oidc exchange' }",
    );
  },
};
