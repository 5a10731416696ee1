// A long later step with the Databricks SDK for JavaScript: one WorkspaceClient({}) from the
// environment, `calls` requests one `intervalMs` apart. Prints one JSON line: how many succeeded,
// and the first failure. Run by metadata-service.e2e.test.ts.
import { WorkspaceClient } from '@databricks/sdk-experimental';

const [calls = 10, intervalMs = 1000] = process.argv.slice(2).map(Number);
const client = new WorkspaceClient({});
let ok = 0;
let failure: string | undefined;
for (let i = 0; i < calls; i++) {
  try {
    await client.currentUser.me();
    ok++;
  } catch (error) {
    failure ??= String((error as Error).message ?? error);
  }
  await new Promise((resolve) => setTimeout(resolve, intervalMs));
}
console.log(JSON.stringify({ ok, calls, failure, authType: client.config.authType }));
