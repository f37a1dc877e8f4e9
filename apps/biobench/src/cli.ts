/**
 * The process entry (bin/biobench.mjs loads it through tsx): run main() and set the exit code.
 * The process exits on its own so stdout is fully flushed even when piped.
 */
import { main } from './main.ts';

process.on('uncaughtException', (e) => {
  process.stderr.write(`biobench: internal error: ${e.message}${process.env.BIOBENCH_DEBUG ? `\n${e.stack}` : ''}\n`);
  process.exit(1);
});

process.exitCode = await main(process.argv.slice(2));
