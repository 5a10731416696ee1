// The bundle's entry point (dist/index.js): run the action once. The edge itself is main.ts.
import { run } from './main.ts';

await run();
// Exit now: a concurrent call still retrying after a failure must neither log after the error
// line nor keep the step alive. Every write before this point is synchronous (stdout, file commands).
process.exit();
