// The command line edge: arguments in, one command run over the core, an exit code out.
import { defuse, VERSION, type Environment } from '../core/index.ts';
import { parseCommandLine } from './args.ts';
import { doctorCommand } from './commands/doctor.ts';
import { exchangeCommand } from './commands/exchange.ts';
import { execCommand } from './commands/exec.ts';
import { oboMintCommand, oboPruneCommand } from './commands/obo.ts';
import { patRevokeCommand } from './commands/pat.ts';
import { policyCommand } from './commands/policy.ts';
import { serveCommand } from './commands/serve.ts';
import { tokenCommand } from './commands/token.ts';
import { EXIT, exitCodeOf } from './exit-codes.ts';
import { helpText } from './help.ts';
import { Session } from './session.ts';
import { shellFailureLine } from './shell-failure.ts';
import { readSettings } from './settings.ts';
import { writeStderr, writeStdout } from './stdio.ts';

export async function main(argv: string[], env: Environment): Promise<number> {
  const code = await run(argv, env);
  const line = process.stdout.isTTY ? '' : shellFailureLine(argv, env, code);
  try {
    if (line !== '') writeStdout(line);
  } catch {
    // stdout was closed: the run already said so in its one line, and its code stands.
  }
  return code;
}

async function run(argv: string[], env: Environment): Promise<number> {
  const parsed = parseCommandLine(argv);
  if (parsed.kind === 'help') return (writeStdout(helpText(parsed.command)), EXIT.ok);
  if (parsed.kind === 'version') return (writeStdout(`databricks-oidc ${VERSION}\n`), EXIT.ok);
  if (parsed.kind === 'usage-error') {
    // The message quotes the arguments: one line, with no runner's command in it.
    writeStderr(`databricks-oidc: ${defuse(parsed.message)}\n`);
    return EXIT.usage;
  }
  const { args } = parsed;
  const session = new Session(env, args.flags['quiet'] === true);
  try {
    const settings = readSettings(args, env);
    switch (args.command) {
      case 'exchange':
        return await exchangeCommand(args, settings, session);
      case 'exec':
        return await execCommand(args, settings, session);
      case 'token':
        return await tokenCommand(args, settings, session);
      case 'serve':
        return await serveCommand(args, settings, session);
      case 'policy':
        return await policyCommand(settings, session);
      case 'doctor':
        return await doctorCommand(args, settings, session);
      case 'obo mint':
        return await oboMintCommand(args, settings, session);
      case 'obo prune':
        return await oboPruneCommand(args, settings, session);
      case 'pat revoke':
        return await patRevokeCommand(args, settings, session);
    }
  } catch (error) {
    session.showHeld();
    writeStderr(session.errorLine(error));
    return exitCodeOf(error);
  } finally {
    session.dispose();
  }
}
