import type { CiSource } from '../source.ts';
import { acceptJwt, tokenUnavailable } from '../../subject-token/source-deps.ts';

/** Buildkite: the agent mints a JWT per audience; pipeline_id is asked for so a policy can pin it. */
export const buildkite: CiSource = {
  source(deps) {
    return {
      description: 'Buildkite (buildkite-agent oidc request-token)',
      choosesAudience: true,
      async token(_ctx, audience) {
        const args = ['oidc', 'request-token', '--audience', audience];
        const result = await deps.runCommand('buildkite-agent', [
          ...args,
          '--claim',
          'organization_id,pipeline_id',
        ]);
        if (result === undefined)
          throw tokenUnavailable(
            'buildkite-agent is not on PATH',
            'Run this in a Buildkite job step, where the agent puts buildkite-agent on PATH (inside a container, mount the agent binary and pass BUILDKITE_AGENT_ACCESS_TOKEN)',
          );
        if (result.exitCode !== 0)
          throw tokenUnavailable(
            `"buildkite-agent oidc request-token" failed with exit code ${result.exitCode}`,
            'Check that the step runs on an agent of v3.45 or newer and that BUILDKITE_AGENT_ACCESS_TOKEN and BUILDKITE_JOB_ID reach the step',
          );
        return acceptJwt(
          result.stdout,
          deps.secrets,
          'the output of "buildkite-agent oidc request-token"',
        );
      },
    };
  },
};
