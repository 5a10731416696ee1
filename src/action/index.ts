// The bundle's entry point (dist/index.js): run the action once. The edge itself is main.ts.
import { run } from './main.ts';

await run();
