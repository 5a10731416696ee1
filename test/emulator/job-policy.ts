import type { Emulator } from './types.ts';

/** The service principal that the tests, the demo and the benchmark federate as. */
export const JOB_SERVICE_PRINCIPAL = {
  applicationId: '7cb2f8a4-49a7-4147-83db-35cb69e5cede',
  numericId: '5581763342009999',
} as const;

/**
 * A service-principal policy that accepts the emulator's own job: its issuer and subject, and by
 * default the workspace token endpoint as audience (what the action requests for a workspace).
 */
export function addJobPolicy(
  emulator: Emulator,
  overrides: { subject?: string; audiences?: string[] } = {},
): void {
  emulator.policies.addServicePrincipalPolicy({
    servicePrincipalId: JOB_SERVICE_PRINCIPAL.numericId,
    applicationId: JOB_SERVICE_PRINCIPAL.applicationId,
    issuer: emulator.github.issuer,
    subject: overrides.subject ?? emulator.github.claims.sub,
    audiences: overrides.audiences ?? [`${emulator.workspace.url}/oidc/v1/token`],
  });
}
