import type { CiSource } from '../source.ts';
import { tokenUnavailable } from '../../subject-token/source-deps.ts';

/** Jenkins: the OIDC provider plugin's credential, bound to DATABRICKS_OIDC_TOKEN (read as explicit). */
export const jenkins: CiSource = {
  source() {
    throw tokenUnavailable(
      'this Jenkins build has no DATABRICKS_OIDC_TOKEN',
      "Bind the OIDC provider plugin's credential: withCredentials([string(credentialsId: 'databricks-oidc', variable: 'DATABRICKS_OIDC_TOKEN')]) { sh 'databricks-oidc exchange' }",
    );
  },
};
