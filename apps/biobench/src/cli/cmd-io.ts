/**
 * Where a command writes: results to `out` (stdout), messages to `err` (stderr), and the
 * command line it was given (echoed in JSON). Commands never touch process.stdout directly.
 */
export interface CmdIo {
  out(text: string): void;
  err(text: string): void;
  argv: string[];
}

export function processIo(argv: string[]): CmdIo {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
    argv,
  };
}
