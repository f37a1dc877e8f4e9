/**
 * The command line: one commander program whose subcommands take their options from the option
 * table (options/table.ts). Each action reads typed values and hands them to its command.
 */
import { Command } from 'commander';
import type { CmdIo } from './cmd-io.ts';
import { checkOutputFile } from './output-file.ts';
import { addOptions, readOptions } from '../options/parse.ts';
import type { OptionDef, SweepOf } from '../options/def.ts';
import { OPTION_TABLE } from '../options/table.ts';
import type { CommandName, JobSweep } from '../options/table.ts';
import { BIOBENCH_VERSION } from '../output/fio-json.ts';

export interface Handlers {
  run(sweep: JobSweep, explicit: Set<string>, io: CmdIo, jobFile?: string): Promise<number>;
  ab(a: string, b: string, values: SweepOf<typeof OPTION_TABLE.ab>, explicit: Set<string>, io: CmdIo, jobFile?: string): Promise<number>;
  compare(values: SweepOf<typeof OPTION_TABLE.compare>, explicit: Set<string>, io: CmdIo, jobFile?: string): Promise<number>;
  report(files: string[], values: SweepOf<typeof OPTION_TABLE.report>, explicit: Set<string>, io: CmdIo): Promise<number>;
  doctor(values: SweepOf<typeof OPTION_TABLE.doctor>, io: CmdIo): Promise<number>;
}

const DESCRIPTIONS: Record<CommandName, string> = {
  run: 'run a job (or a sweep: comma lists in --strategy, --iodepth, ...) and print fio-style results',
  ab: 'run configurations A and B interleaved (A B A B ...) and report each metric\'s difference with a confidence interval',
  compare: 'run fio\'s io_uring engine and biobench on the same target and job, alternating, and print the ratios',
  report: 'write an HTML report with PNG plots from JSON results (or from a run it does itself)',
  doctor: 'show which kernel features biobench can use here, and what that means',
};

const JOBFILE_HELP = '\njobfile: an fio job file ([global], [jobname] sections, key=value, include, ${VAR}); one job per section, in order.\nOptions on the command line override the file\'s for every job. See apps/biobench/README.md "Job files".';

/** Build the program; `setResult` receives each action's exit code. */
export function buildProgram(h: Handlers, io: CmdIo, setResult: (p: Promise<number>) => void): Command {
  const program = new Command('biobench')
    .description('fio-grade benchmarks of the biopath bio path: extraction strategies, release modes, drivers')
    .version(BIOBENCH_VERSION)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ // before the subcommands exist: they copy it
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      outputError: (s, write) => write(`biobench: ${s.replace(/^error: /, '')}`),
    });
  const sub = (name: CommandName, args = ''): { cmd: Command; read: <Ds extends readonly OptionDef[]>(ds: Ds) => { values: SweepOf<Ds>; explicit: Set<string> } } => {
    const cmd = program.command(`${name}${args}`).description(DESCRIPTIONS[name]).exitOverride().allowExcessArguments(false);
    const map = addOptions(cmd, OPTION_TABLE[name]);
    const read = <Ds extends readonly OptionDef[]>(ds: Ds): { values: SweepOf<Ds>; explicit: Set<string> } => {
      const r = readOptions(cmd, ds, map);
      const output = (r.values as { output?: string | null }).output;
      if (output !== undefined) checkOutputFile(output); // before any IO, not after the run
      return r;
    };
    return { cmd, read };
  };
  const run = sub('run', ' [jobfile]');
  run.cmd.addHelpText('after', JOBFILE_HELP);
  run.cmd.action((jobFile: string | undefined) => {
    const { values, explicit } = run.read(OPTION_TABLE.run);
    setResult(h.run(values, explicit, io, jobFile));
  });
  const ab = sub('ab', ' <A> <B> [jobfile]');
  ab.cmd.addHelpText('after', '\nA and B are key=value option lists applied over the other options, e.g.\n  biobench ab "release=unpin" "release=unpin-batched" --rw randread --runtime 2 --pairs 5');
  ab.cmd.action((a: string, b: string, jobFile: string | undefined) => {
    const { values, explicit } = ab.read(OPTION_TABLE.ab);
    setResult(h.ab(a, b, values, explicit, io, jobFile));
  });
  const cmp = sub('compare', ' [jobfile]');
  cmp.cmd.addHelpText('after', JOBFILE_HELP);
  cmp.cmd.action((jobFile: string | undefined) => {
    const { values, explicit } = cmp.read(OPTION_TABLE.compare);
    setResult(h.compare(values, explicit, io, jobFile));
  });
  const rep = sub('report', ' [results...]');
  rep.cmd.action((files: string[]) => {
    const { values, explicit } = rep.read(OPTION_TABLE.report);
    setResult(h.report(files, values, explicit, io));
  });
  const doc = sub('doctor');
  doc.cmd.action(() => setResult(h.doctor(doc.read(OPTION_TABLE.doctor).values, io)));
  return program;
}
