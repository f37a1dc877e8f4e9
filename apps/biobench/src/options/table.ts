/**
 * THE option table. Every option biobench accepts is one row here; the command-line parser,
 * `--help`, the JSON echo (`jobs[].job options`) and OPTIONS.md are all generated from it.
 * Names follow fio where fio has the option (`rw`, `bs`, `iodepth`, `ramp_time`, `rwmixread`).
 */
import { RELEASE_MODES } from '@biopath/block';
import { opt } from './def.ts';
import type { OptionsOf, SweepOf } from './def.ts';
import { bool, duration, flag, int, oneOf, path, percent, real, size, text } from './kinds.ts';
import { bsPair, bssplit, distribution, pattern, percentileList, ratePair, refusing, sameBs, sizeOrPercent, usec } from './kinds-fio.ts';

/** fio's trim modes: the uring engine trims as fio's io_uring engine does (a punch-hole fallocate). */
export const TRIM_MODES = ['trim', 'randtrim', 'trimwrite'] as const;
export const RW_MODES = ['read', 'write', 'randread', 'randwrite', 'readwrite', 'randrw', ...TRIM_MODES] as const;
/** fio's other ioengines, refused by name. */
const FIO_ENGINES = ['libaio', 'psync', 'sync', 'vsync', 'pvsync', 'pvsync2', 'posixaio', 'mmap', 'splice', 'null', 'sg', 'io_uring_cmd', 'xnvme', 'spdk', 'windowsaio', 'solarisaio', 'net', 'rdma', 'nbd', 'http', 'libblkio'];
export const VERIFY_MODES = ['none', 'crc32c', 'md5', 'sha256', 'pattern'] as const;
export const STRATEGIES = ['pin', 'get', 'list'] as const;
export { RELEASE_MODES };
export const DRIVERS = ['bdev', 'null', 'nvme'] as const;
export const PROFILES = ['auto', 'legacy', 'v8', 'merged', 'current'] as const;

export const TARGET = opt('target', path, {
  default: null, defaultText: 'a temporary image file',
  help: 'Device or image file to run on. Without it biobench creates a temporary image (size --size, default 128m), uses it and removes it: no device and no root needed.',
  group: 'Target', fio: 'filename', aliases: ['filename'],
});
export const OUTPUT_FORMAT = opt('output_format', oneOf(['normal', 'json', 'json+'] as const, {}, 'format'), {
  default: 'normal', help: 'normal: text for people; json: fio\'s JSON layout plus a `biobench` block; json+: also the latency histogram bins (fio\'s json+).',
  group: 'Output', fio: 'output-format',
});
export const OUTPUT = opt('output', path, {
  default: null, defaultText: 'stdout', help: 'Write the results to this file instead of stdout.', group: 'Output', fio: 'output',
});

export const JOB_OPTIONS = [
  TARGET,
  opt('size', sizeOrPercent, { default: null, defaultText: 'the target from --offset to its end (temporary image: 128m)', help: 'Bytes of the target the job works on, from --offset; or a percentage of what lies from --offset to the end (50%), rounded down to the block size.', group: 'Target', fio: 'size' }),
  opt('offset', size, { default: 0, help: 'Start of the region, in bytes (a multiple of the logical block size for direct IO).', group: 'Target', fio: 'offset' }),
  opt('engine', refusing(oneOf(['auto', 'uring', 'stack'] as const, { io_uring: 'uring', 'biobench-uring': 'uring', 'biobench-stack': 'stack' }), FIO_ENGINES, 'it runs io_uring (io_uring / uring) or its own stack engine (biobench-stack / stack)'), { default: 'auto', help: 'uring (also io_uring, fio\'s name): raw io_uring on the target, like fio\'s io_uring engine (strategy `raw`); stack (also biobench-stack): the biopath bio path (iov_iter → bio → blk-mq → driver); auto: stack when available, else uring.', group: 'Target', fio: 'ioengine', aliases: ['ioengine'] }),
  opt('driver', oneOf(DRIVERS), { list: true, default: ['bdev'], defaultText: 'bdev', help: 'Stack engine driver: bdev (io_uring on an O_DIRECT fd), null (completes at once: the stack alone), nvme (passthrough on /dev/ngXnY).', group: 'Stack engine', fio: '—' }),
  opt('null_completion_nsec', int(0, 1_000_000_000), { list: true, default: [0], defaultText: '0', help: 'Null driver (--driver null) only: each request completes no earlier than this many ns after it was queued (null_blk completion_nsec with irqmode=2), on the first poll or wait after that. 0..1000000000.', group: 'Stack engine', fio: '— (biopath-only: null_blk completion_nsec)' }),
  opt('null_cpu_nsec', int(0, 10_000_000), { list: true, default: [0], defaultText: '0', help: 'Null driver (--driver null) only: busy-spin the submitting thread this many ns per request (a loop count calibrated once per process): a known CPU cost per IO for A/B calibration. 0..10000000.', group: 'Stack engine', fio: '— (biopath-only; null_blk has none)' }),
  opt('direct', bool, { default: true, help: 'O_DIRECT (1) or buffered through the page cache (0).', group: 'Target', fio: 'direct' }),
  opt('buffered', flag, { default: false, help: 'Same as --direct 0.', group: 'Target', fio: 'buffered' }),
  opt('name', text, { default: 'biobench', help: 'Job name (fio\'s jobname in the JSON).', group: 'Workload', fio: 'name' }),
  opt('rw', oneOf(RW_MODES, { rw: 'readwrite', randreadwrite: 'randrw' }, 'mode'), { default: 'randread', help: 'IO pattern; mixed modes split by --rwmixread. trim/randtrim discard blocks (uring engine: a punch-hole fallocate, as fio\'s io_uring engine); trimwrite trims each block, then writes it.', group: 'Workload', fio: 'rw' }),
  opt('rwmixread', int(0, 100), { default: 50, help: 'Percentage of reads in readwrite/randrw.', group: 'Workload', fio: 'rwmixread' }),
  opt('rwmixwrite', int(0, 100), { default: null, defaultText: '100 - rwmixread', help: 'Percentage of writes in readwrite/randrw (sets rwmixread to 100 minus it; giving both, they must add up to 100).', group: 'Workload', fio: 'rwmixwrite' }),
  opt('bs', bsPair, { default: sameBs({ min: 4096, max: 4096 }), help: 'Block size, a range min-max (each IO a random multiple of min), or read,write as in fio (4k,64k: reads 4k, writes 64k; an empty side is 4k).', group: 'Workload', fio: 'bs', aliases: ['bsrange', 'blocksize'] }),
  opt('bssplit', bssplit, { default: null, defaultText: 'none', help: 'Block sizes by share of the IOs, fio\'s form: 4k/10:64k/90 (a size without a share gets an equal part of the rest); read,write splits separated by a comma. Overrides --bs.', group: 'Workload', fio: 'bssplit' }),
  opt('iodepth', int(1, 4096), { list: true, default: [32], defaultText: '32', help: 'IOs kept in flight.', group: 'Workload', fio: 'iodepth' }),
  opt('iodepth_batch_submit', int(1, 4096), { default: null, defaultText: 'every free io_u (fio: 1)', help: 'Commit (submit) after this many IOs are queued, as fio. Without it biobench queues every free io_u, then commits once.', group: 'Workload', fio: 'iodepth_batch_submit', aliases: ['iodepth_batch'] }),
  opt('iodepth_batch_complete_min', int(0, 4096), { default: 1, help: 'Reap at least this many completions per wait (0: poll without waiting).', group: 'Workload', fio: 'iodepth_batch_complete_min', aliases: ['iodepth_batch_complete'] }),
  opt('iodepth_batch_complete_max', int(1, 4096), { default: null, defaultText: 'iodepth', help: 'Reap at most this many completions per wait.', group: 'Workload', fio: 'iodepth_batch_complete_max' }),
  opt('iodepth_low', int(0, 4096), { default: null, defaultText: 'iodepth', help: 'Once the queue is full, let it drain to this many in flight before queueing again.', group: 'Workload', fio: 'iodepth_low' }),
  opt('runtime', duration, { default: 3000, help: 'Time based (the default on the command line): measure this long, looping over the region. Size based (--time-based 0, or a job file without time_based): a cap; 0 = no cap.', group: 'Workload', fio: 'runtime' }),
  opt('time_based', bool, { default: null, defaultText: '1 on the command line (0 with --runtime 0); 0 in a job file, as fio', help: 'Run for --runtime, looping over the region; 0: each block of the region once (times --loops), stopping early at --runtime if it is set.', group: 'Workload', fio: 'time_based' }),
  opt('loops', int(1, 1_000_000), { default: 1, help: 'Size-based jobs: go over the region this many times.', group: 'Workload', fio: 'loops' }),
  opt('startdelay', duration, { default: 0, help: 'Wait this long before starting the job.', group: 'Workload', fio: 'startdelay' }),
  opt('ramp_time', duration, { default: 500, help: 'Run this long before measuring (lets the JIT warm up the IO path; fio\'s default is 0). Time-based jobs only.', group: 'Workload', fio: 'ramp_time' }),
  opt('buffers', oneOf(['per-io', 'registered'] as const), { list: true, default: ['per-io'], defaultText: 'per-io', help: 'per-io: plain READ/WRITE with arena buffers; registered: io_uring fixed buffers (READ/WRITE_FIXED).', group: 'Workload', fio: 'fixedbufs' }),
  opt('sqthread_poll', bool, { default: false, help: 'Let a kernel thread poll the submission queue (IORING_SETUP_SQPOLL).', group: 'Workload', fio: 'sqthread_poll' }),
  opt('seed', int(0, 2 ** 32 - 1), { default: 1, help: 'Seed of the offset, block-size and read/write choices (same seed, same sequence).', group: 'Workload', fio: 'randseed', aliases: ['randseed'] }),
  opt('randrepeat', bool, { default: true, help: 'Same random sequence on every run (from --seed); 0: a new seed from the clock each run.', group: 'Workload', fio: 'randrepeat' }),
  opt('norandommap', flag, { default: false, help: 'Random jobs pick each offset independently (blocks may repeat within a pass) instead of visiting every block once per pass.', group: 'Workload', fio: 'norandommap' }),
  opt('random_distribution', distribution, { default: { type: 'random', param: 0 }, help: 'How random offsets spread: random (uniform), zipf:θ, pareto:h, normal:σ (σ in % of the region, centred on its middle). zipf and pareto make some blocks hot; which ones is scrambled by the seed.', group: 'Workload', fio: 'random_distribution' }),
  opt('thinktime', usec, { default: 0, help: 'After every --thinktime-blocks IOs, wait for those in flight, then pause this long (no unit = µs, as fio).', group: 'Workload', fio: 'thinktime' }),
  opt('thinktime_blocks', int(1, 1_000_000), { default: 1, help: 'IOs issued between two thinktime pauses.', group: 'Workload', fio: 'thinktime_blocks' }),
  opt('rate', ratePair('bytes'), { default: null, defaultText: 'no limit', help: 'Cap bandwidth in bytes/s (read,write for each direction; ,10m = writes only). IOs are issued on a fixed schedule from the job start, so the rate holds over the run.', group: 'Workload', fio: 'rate' }),
  opt('rate_iops', ratePair('ios'), { default: null, defaultText: 'no limit', help: 'Cap IOs per second (read,write for each direction), on the same schedule as --rate.', group: 'Workload', fio: 'rate_iops' }),
  opt('fsync', int(0, 1_000_000), { default: 0, help: 'After every this many writes, issue an fsync (and wait for the writes before it); 0 = never. uring engine only.', group: 'Workload', fio: 'fsync' }),
  opt('fdatasync', int(0, 1_000_000), { default: 0, help: 'As --fsync, with fdatasync. uring engine only.', group: 'Workload', fio: 'fdatasync' }),
  opt('buffer_pattern', pattern, { default: null, defaultText: 'none (random data, filled once)', help: 'Fill write buffers with this pattern, repeated.', group: 'Workload', fio: 'buffer_pattern' }),
  opt('refill_buffers', flag, { default: false, help: 'Write fresh random data into the buffer before every write (instead of once per job).', group: 'Workload', fio: 'refill_buffers' }),
  opt('percentile_list', percentileList, { default: null, defaultText: 'fio\'s list (1:5:10:...:99.99)', help: 'Percentiles to report for clat (and lat with --lat-percentiles).', group: 'Output', fio: 'percentile_list' }),
  opt('lat_percentiles', bool, { default: false, help: 'Also report percentiles of the total latency (lat_ns.percentile).', group: 'Output', fio: 'lat_percentiles' }),
  opt('status_interval', duration, { default: 0, help: 'Every this often, print the results so far (one line per direction, on stderr); 0 = never.', group: 'Output', fio: 'status-interval' }),
  opt('strategy', oneOf(STRATEGIES), { list: true, default: ['pin'], defaultText: 'pin', help: 'How pages are taken: pin (FOLL_PIN on a user buffer), get (FOLL_GET, the legacy path), list (kernel-backed buffer, pages just listed). The uring engine reports `raw`.', group: 'Stack engine', fio: '—' }),
  opt('release', oneOf(RELEASE_MODES, {}, 'mode'), { list: true, default: ['auto'], defaultText: 'auto', help: 'How a bio gives its pages back; auto = what the strategy took (pin → unpin, get → put, list → none).', group: 'Stack engine', fio: '—' }),
  opt('profile', oneOf(PROFILES, {}, 'profile'), { list: true, default: ['auto'], defaultText: 'auto', help: 'Kernel behaviour modelled: legacy (6.2: user pages are referenced, FOLL_GET), v8 (the series as posted), merged (6.5), current; auto = what the strategy needs (get → legacy, pin and list → merged).', group: 'Stack engine', fio: '—' }),
  opt('cache_size', size, { default: 64 << 20, defaultText: '64m', help: 'Buffered jobs on the stack engine (--direct 0): capacity of biopath\'s page cache (@biopath/page-cache), a multiple of 4k. Reclaim keeps it under this; it must hold what iodepth IOs and a readahead window have in flight.', group: 'Page cache', fio: '— (the host page cache has no limit per job)' }),
  opt('readahead', size, { default: 128 << 10, defaultText: '128k', help: 'Buffered jobs on the stack engine: readahead window (read_ahead_kb), a multiple of 4k; 0 turns readahead off (each miss reads just the page it needs).', group: 'Page cache', fio: '— (blockdev --setra)' }),
  opt('end_fsync', bool, { default: false, help: 'Buffered write jobs: fsync at the end of the measured phase (write back every dirty page, flush the device); its time counts in the runtime. Without it, dirty pages are written back after the measurement.', group: 'Page cache', fio: 'end_fsync' }),
  opt('verify', oneOf(VERIFY_MODES), { default: 'none', help: 'crc32c / md5 / sha256: every block written carries a header with its offset and that checksum of its data, and is read back and checked; reads of blocks written earlier are checked too. pattern: blocks hold --verify-pattern, repeated, and reads must find exactly it. Read jobs lay the region out first.', group: 'Verify', fio: 'verify' }),
  opt('verify_pattern', pattern, { default: null, defaultText: 'none', help: 'The pattern --verify pattern writes and expects (with a checksum mode: the data after the header).', group: 'Verify', fio: 'verify_pattern' }),
  opt('do_verify', bool, { default: true, help: '0: write with verify headers but do not read back (a later --verify-only job checks them).', group: 'Verify', fio: 'do_verify' }),
  opt('verify_only', flag, { default: false, help: 'Do no workload: read the region and check the verify headers an earlier `--verify crc32c` write job left.', group: 'Verify', fio: 'verify_only' }),
  OUTPUT_FORMAT,
  OUTPUT,
  opt('progress', oneOf(['auto', 'on', 'off'] as const), { default: 'auto', help: 'Live progress line on stderr: auto = when stderr is a terminal and the format is normal.', group: 'Output', fio: 'eta' }),
  // numjobs on worker threads, fio's logs (issue 15 items 3-4): one block, kept together
  opt('numjobs', int(1, 64), { list: true, default: [1], defaultText: '1', help: 'Run this many clones of the job at once, each on its own worker thread with its own ring, stack and buffers (fio\'s numjobs; a single clone runs on the main thread unless --thread). Each clone is reported on its own unless --group-reporting.', group: 'Workload', fio: 'numjobs' }),
  opt('thread', flag, { default: false, help: 'Run a lone job on a worker thread too (clones of --numjobs always are): the same machinery for 1 clone as for N, e.g. to compare one worker with two.', group: 'Workload', fio: 'thread' }),
  opt('group_reporting', flag, { default: false, help: 'Report each group of jobs (the clones of --numjobs; in a job file, the jobs between stonewall/new_group) as one: IOs, bytes, IOPS and bandwidth summed, latency percentiles from the merged histograms.', group: 'Workload', fio: 'group_reporting' }),
  opt('write_bw_log', path, { default: null, defaultText: 'none', help: 'Write fio\'s bandwidth log NAME_bw.N.log (N: the job\'s number, from 1): `time, KiB/s, direction, bs, 0` per IO, or per --log-avg-msec window.', group: 'Logs', fio: 'write_bw_log' }),
  opt('write_iops_log', path, { default: null, defaultText: 'none', help: 'Write fio\'s IOPS log NAME_iops.N.log, same layout as the bandwidth log.', group: 'Logs', fio: 'write_iops_log' }),
  opt('write_lat_log', path, { default: null, defaultText: 'none', help: 'Write fio\'s latency logs NAME_lat.N.log, NAME_clat.N.log and NAME_slat.N.log (values in ns).', group: 'Logs', fio: 'write_lat_log' }),
  opt('write_hist_log', path, { default: null, defaultText: 'none', help: 'Write fio\'s completion-latency histogram log NAME_clat_hist.N.log every --log-hist-msec: `time, direction, bs, ` then the 1856 bins of fio\'s histogram (counts in that interval).', group: 'Logs', fio: 'write_hist_log' }),
  opt('log_avg_msec', int(0, 600_000), { default: 0, defaultText: '0 (logs: every IO; JSON time series: 1000 ms)', help: 'Average the bw/iops/lat logs over windows of this many ms (one line per direction and window); 0 logs every IO, as fio does. Also the interval of the JSON time series (1000 ms when 0).', group: 'Logs', fio: 'log_avg_msec' }),
  opt('log_hist_msec', int(1, 600_000), { default: 1000, help: 'Interval of the histogram log (--write-hist-log), ms.', group: 'Logs', fio: 'log_hist_msec' }),
  opt('allow_destructive', flag, { default: false, help: 'Allow writes to a target you named (device or file). Without it, only biobench\'s own temporary image is ever written. Mounted devices are refused regardless.', group: 'Safety', fio: '—' }),
] as const;

export const AB_OPTIONS = [
  opt('design', oneOf(['auto', 'blocks', 'process'] as const), { default: 'auto', help: 'blocks: A and B set up side by side in one process, alternating in short blocks in a seeded balanced order (ABBA or BAAB per group), CPU from the thread\'s own clock; process: a whole run per side, pairs in ABBA order. auto = blocks when A and B can share a process (same target, same engine, no verify, no page cache), else process.', group: 'A/B', fio: '—' }),
  opt('pairs', int(5, 1000), { default: 5, help: 'Design process: A/B pairs of whole runs, in balanced order A B, B A, A B, ... (at least 5: fewer cannot tell noise from a difference).', group: 'A/B', fio: '—' }),
  opt('primary', oneOf(['cpu', 'iops'] as const), { default: 'cpu', help: 'The declared primary metric (the verdict): CPU per IO or IOPS. The other metrics are secondary, their claims Holm-adjusted.', group: 'A/B', fio: '—' }),
  opt('budget', duration, { default: 60_000, help: 'Design blocks: the longest time to alternate A and B, after the warm-up blocks (--ramp-time when given, else 2 s), which are discarded.', group: 'A/B', fio: '—' }),
  opt('precision', percent(0, 100), { default: 0, help: 'Design blocks: stop as soon as the primary metric\'s interval is no wider than ± this (always-valid confidence sequence, so stopping early keeps its coverage); 0 = run the whole --budget.', group: 'A/B', fio: '—' }),
  opt('processes', int(0, 100), { default: 0, defaultText: '0 (auto: with --precision one per 8 s of --budget, 5 to 12; else 1)', help: 'Design blocks: run the block design in this many fresh node processes, one after the other (own seed each, the side set up first alternating; --budget is then the wall time of all of them, start-up and warm-up included), and combine their estimates with the between-process variance (random effects, Hartung–Knapp t interval over the processes): each process has its own JIT and memory-placement offset of about ±0.5 % CPU per IO, which one process\'s interval cannot see. 1 = one process (its interval covers the effect within that process only).', group: 'A/B', fio: '—' }),
  opt('block_msec', real(0.5, 1000), { default: 5, help: 'Design blocks: length of one block, ms (one side, IOs issued and drained).', group: 'A/B', fio: '—' }),
  opt('confidence', real(0.5, 0.999), { default: 0.95, help: 'Confidence level of the intervals.', group: 'A/B', fio: '—' }),
  opt('resamples', int(100, 1_000_000), { default: 10_000, help: 'Bootstrap resamples.', group: 'A/B', fio: '—' }),
  opt('noise_threshold', real(0, 100), { default: 5, help: 'Flag the machine as noisy when a configuration\'s IOPS vary more than this (coefficient of variation, %) between its runs.', group: 'A/B', fio: '—' }),
] as const;

export const COMPARE_OPTIONS = [
  opt('reps', int(1, 100), { default: 3, help: 'Runs per side, alternating biobench and fio; medians are compared.', group: 'Compare', fio: '—' }),
  opt('fio', path, { default: 'fio', help: 'The fio binary.', group: 'Compare', fio: '—' }),
  opt('markdown', flag, { default: false, help: 'Print the ratio table as Markdown (for BENCHMARKS.md).', group: 'Compare', fio: '—' }),
] as const;

export const REPORT_OPTIONS = [
  opt('out_dir', path, { default: 'biobench-report', help: 'Directory for report.html and the PNG images.', group: 'Report', fio: '—' }),
  opt('width', int(200, 4000), { default: 900, help: 'Plot width in pixels.', group: 'Report', fio: '—' }),
  opt('height', int(150, 3000), { default: 420, help: 'Plot height in pixels.', group: 'Report', fio: '—' }),
] as const;

export const DOCTOR_OPTIONS = [TARGET, OUTPUT_FORMAT, OUTPUT] as const;

/** Every command's rows: what the parser, --help and OPTIONS.md are built from. */
export const OPTION_TABLE = {
  run: JOB_OPTIONS,
  ab: [...JOB_OPTIONS, ...AB_OPTIONS],
  compare: [...JOB_OPTIONS, ...COMPARE_OPTIONS],
  report: [...JOB_OPTIONS, ...REPORT_OPTIONS],
  doctor: DOCTOR_OPTIONS,
} as const;

export type CommandName = keyof typeof OPTION_TABLE;
export type JobOptions = OptionsOf<typeof JOB_OPTIONS>;
export type JobSweep = SweepOf<typeof JOB_OPTIONS>;
export type AbOptions = OptionsOf<typeof AB_OPTIONS>;
export type CompareOptions = OptionsOf<typeof COMPARE_OPTIONS>;
export type ReportOptions = OptionsOf<typeof REPORT_OPTIONS>;
export type DoctorOptions = OptionsOf<typeof DOCTOR_OPTIONS>;
export type RwMode = JobOptions['rw'];
export type Strategy = JobOptions['strategy'];
export type ReleaseMode = JobOptions['release'];
