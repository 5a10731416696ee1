// A later workflow step that uses the official Databricks SDK for JavaScript as a user would: a
// WorkspaceClient with an empty configuration, so everything comes from the environment the action
// exported. (0.17.0 needs the `{}`: `new WorkspaceClient()` throws "Cannot convert undefined or null
// to object".) Prints one JSON line; exits 2 when the SDK fails. Run by sdk-interop.e2e.test.ts.
import { WorkspaceClient } from '@databricks/sdk-experimental';

try {
  const client = new WorkspaceClient({});
  const me = await client.currentUser.me();
  console.log(
    JSON.stringify({
      ok: true,
      userName: me.userName,
      authType: client.config.authType,
      host: client.config.host,
    }),
  );
} catch (error) {
  console.log(JSON.stringify({ ok: false, message: String((error as Error).message ?? error) }));
  process.exitCode = 2;
}
