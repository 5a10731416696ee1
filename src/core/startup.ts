// The core's start-up entry: what the cached `databricks-oidc token` path needs before it knows
// whether it must do anything else. Its module graph stops short of the configuration checks, the
// token sources and the transport, so a cache hit evaluates none of them
// (test/project/boundaries.test.ts holds it). index.ts exports the same bindings.
export { CI_ROWS, OUTPUT_READERS } from './ci/catalog.ts';
export { jobName } from './ci/job-name.ts';
export type { Environment } from './subject-token/source-deps.ts';
export { describeFailure, StageError } from './errors.ts';
export { isToken } from './secrets/server-values.ts';
export { defuse } from './secrets/text.ts';
