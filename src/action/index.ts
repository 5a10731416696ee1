// The bundle's entry point (dist/index.js): run the action once. The edge itself is main.ts.
import { run } from './main.ts';

await run();
// Exit now: a concurrent call still retrying after a failure must neither log after the error
// line nor keep the step alive. But only once stdout has taken every line: on a busy pipe a long
// write (the ::add-mask:: of a 200 KiB token) is still queued, and exit would cut it.
process.stdout.write('', () => process.exit());
