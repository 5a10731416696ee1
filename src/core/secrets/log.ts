import type { SecretRegistry } from './registry.ts';

/** Where the run reports progress; the GitHub edge writes to the runner, tests collect lines. */
export interface LogSink {
  info(line: string): void;
  notice(line: string): void;
  warning(line: string): void;
}

/** Wraps a sink so that no line can carry a known secret or inject a workflow command. */
export function safeLog(sink: LogSink, secrets: SecretRegistry): LogSink {
  // Leading spaces are kept (indented diagnosis lines); they cannot start a command on their own.
  const clean = (line: string): string => {
    const indent = /^ */.exec(line)?.[0] ?? '';
    return indent + secrets.sanitise(line, 2000);
  };
  return {
    info: (line) => sink.info(clean(line)),
    notice: (line) => sink.notice(clean(line)),
    warning: (line) => sink.warning(clean(line)),
  };
}
