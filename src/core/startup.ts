// The core's start-up entry: what an edge needs to read its settings before it knows whether it
// will talk to the network. Its module graph stops short of the transport (no @actions/http-client,
// no TLS), so a cached `databricks-oidc token` answers without evaluating them
// (test/project/boundaries.test.ts holds it). index.ts exports the same bindings.
export { invalidSetting, parseConfig, quoted, type Config } from './config.ts';
export { jobPatComment } from './job-comment.ts';
export { CI_CHOICES, type CiChoice } from './subject-token/ci-detector.ts';
export type { SourceOptions } from './subject-token/detect.ts';
export type { Environment } from './subject-token/github-actions.ts';
