// The bundle entry of dist/cli.js.
import { main } from './main.ts';

void main(process.argv.slice(2), process.env).then((code) => {
  process.exitCode = code;
});
