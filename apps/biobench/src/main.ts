/**
 * biobench's entry: parse, dispatch, and turn every failure into `biobench: <message>` and an
 * exit code (2 bad input, 1 failed run). No stack trace reaches the user unless BIOBENCH_DEBUG
 * is set.
 */
import { CommanderError } from 'commander';
import { processIo } from './cli/cmd-io.ts';
import type { CmdIo } from './cli/cmd-io.ts';
import { describeFailure, EXIT_OK, EXIT_USAGE } from './cli/errors.ts';
import { buildProgram } from './cli/program.ts';
import type { Handlers } from './cli/program.ts';
import { normalizeArgv } from './options/parse.ts';

async function handlers(): Promise<Handlers> {
  return {
    run: async (...a) => (await import('./commands/run.ts')).cmdRun(...a),
    ab: async (...a) => (await import('./commands/ab.ts')).cmdAb(...a),
    compare: async (...a) => (await import('./commands/compare.ts')).cmdCompare(...a),
    report: async (...a) => (await import('./commands/report.ts')).cmdReport(...a),
    doctor: async (...a) => (await import('./commands/doctor.ts')).cmdDoctor(...a),
  };
}

/** Run biobench with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], io: CmdIo = processIo(argv)): Promise<number> {
  let result: Promise<number> | null = null;
  const program = buildProgram(await handlers(), io, (p) => {
    result = p;
  });
  try {
    await program.parseAsync(normalizeArgv(argv), { from: 'user' });
    return result ? await result : EXIT_OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return EXIT_OK;
      return EXIT_USAGE; // commander has printed the message (and a suggestion)
    }
    const { message, exitCode } = describeFailure(e);
    io.err(`biobench: ${message}`);
    if (process.env.BIOBENCH_DEBUG) io.err(String((e as Error)?.stack ?? e));
    return exitCode;
  }
}
