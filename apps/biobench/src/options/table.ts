/**
 * THE option table. Every option biobench accepts is one row here; the command-line parser,
 * `--help`, the JSON echo (`jobs[].job options`) and OPTIONS.md are all generated from it.
 * Names follow fio where fio has the option (`rw`, `bs`, `iodepth`, `ramp_time`, `rwmixread`).
 */
import { RELEASE_MODES } from '@biopath/block';
import { opt } from './def.ts';
import type { OptionsOf, SweepOf } from './def.ts';
import { bool, duration, flag, int, oneOf, path, percent, real, size, sizeRange, text } from './kinds.ts';

export const RW_MODES = ['read', 'write', 'randread', 'randwrite', 'readwrite', 'randrw'] as const;
export const STRATEGIES = ['pin', 'get', 'list'] as const;
export { RELEASE_MODES };
export const DRIVERS = ['bdev', 'null', 'nvme'] as const;
export const PROFILES = ['auto', 'legacy', 'v8', 'merged', 'current'] as const;

export const TARGET = opt('target', path, {
  default: null, defaultText: 'a temporary image file',
  help: 'Device or image file to run on. Without it biobench creates a temporary image (size --size, default 128m), uses it and removes it: no device and no root needed.',
  group: 'Target', fio: 'filename',
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
  opt('size', size, { default: null, defaultText: 'the target from --offset to its end (temporary image: 128m)', help: 'Bytes of the target the job works on, from --offset.', group: 'Target', fio: 'size' }),
  opt('offset', size, { default: 0, help: 'Start of the region, in bytes (a multiple of the logical block size for direct IO).', group: 'Target', fio: 'offset' }),
  opt('engine', oneOf(['auto', 'uring', 'stack'] as const), { default: 'auto', help: 'uring: raw io_uring on the target (fio\'s io_uring engine, strategy `raw`); stack: the biopath bio path (iov_iter → bio → blk-mq → driver); auto: stack when available, else uring.', group: 'Target', fio: 'ioengine (always io_uring)' }),
  opt('driver', oneOf(DRIVERS), { list: true, default: ['bdev'], defaultText: 'bdev', help: 'Stack engine driver: bdev (io_uring on an O_DIRECT fd), null (completes at once: the stack alone), nvme (passthrough on /dev/ngXnY).', group: 'Stack engine', fio: '—' }),
  opt('null_completion_nsec', int(0, 1_000_000_000), { list: true, default: [0], defaultText: '0', help: 'Null driver (--driver null) only: each request completes no earlier than this many ns after it was queued (null_blk completion_nsec with irqmode=2), on the first poll or wait after that. 0..1000000000.', group: 'Stack engine', fio: '— (biopath-only: null_blk completion_nsec)' }),
  opt('null_cpu_nsec', int(0, 10_000_000), { list: true, default: [0], defaultText: '0', help: 'Null driver (--driver null) only: busy-spin the submitting thread this many ns per request (a loop count calibrated once per process): a known CPU cost per IO for A/B calibration. 0..10000000.', group: 'Stack engine', fio: '— (biopath-only; null_blk has none)' }),
  opt('direct', bool, { default: true, help: 'O_DIRECT (1) or buffered through the page cache (0).', group: 'Target', fio: 'direct' }),
  opt('buffered', flag, { default: false, help: 'Same as --direct 0.', group: 'Target', fio: 'buffered' }),
  opt('name', text, { default: 'biobench', help: 'Job name (fio\'s jobname in the JSON).', group: 'Workload', fio: 'name' }),
  opt('rw', oneOf(RW_MODES, { rw: 'readwrite', randreadwrite: 'randrw' }, 'mode'), { default: 'randread', help: 'IO pattern; mixed modes split by --rwmixread.', group: 'Workload', fio: 'rw' }),
  opt('rwmixread', int(0, 100), { default: 50, help: 'Percentage of reads in readwrite/randrw.', group: 'Workload', fio: 'rwmixread' }),
  opt('bs', sizeRange, { list: true, default: [{ min: 4096, max: 4096 }], defaultText: '4k', help: 'Block size, or a range min-max (each IO a random multiple of min).', group: 'Workload', fio: 'bs / bsrange' }),
  opt('iodepth', int(1, 4096), { list: true, default: [32], defaultText: '32', help: 'IOs kept in flight.', group: 'Workload', fio: 'iodepth' }),
  opt('runtime', duration, { default: 3000, help: 'Measured time (time based, looping over the region). 0 = size based: each block of the region once.', group: 'Workload', fio: 'runtime + time_based' }),
  opt('ramp_time', duration, { default: 500, help: 'Run this long before measuring (lets the JIT warm up the IO path; fio\'s default is 0). Time-based jobs only.', group: 'Workload', fio: 'ramp_time' }),
  opt('buffers', oneOf(['per-io', 'registered'] as const), { list: true, default: ['per-io'], defaultText: 'per-io', help: 'per-io: plain READ/WRITE with arena buffers; registered: io_uring fixed buffers (READ/WRITE_FIXED).', group: 'Workload', fio: 'fixedbufs' }),
  opt('sqthread_poll', bool, { default: false, help: 'Let a kernel thread poll the submission queue (IORING_SETUP_SQPOLL).', group: 'Workload', fio: 'sqthread_poll' }),
  opt('seed', int(0, 2 ** 32 - 1), { default: 1, help: 'Seed of the offset, block-size and read/write choices (same seed, same sequence).', group: 'Workload', fio: 'randseed' }),
  opt('strategy', oneOf(STRATEGIES), { list: true, default: ['pin'], defaultText: 'pin', help: 'How pages are taken: pin (FOLL_PIN on a user buffer), get (FOLL_GET, the legacy path), list (kernel-backed buffer, pages just listed). The uring engine reports `raw`.', group: 'Stack engine', fio: '—' }),
  opt('release', oneOf(RELEASE_MODES, {}, 'mode'), { list: true, default: ['auto'], defaultText: 'auto', help: 'How a bio gives its pages back; auto = what the strategy took (pin → unpin, get → put, list → none).', group: 'Stack engine', fio: '—' }),
  opt('profile', oneOf(PROFILES, {}, 'profile'), { list: true, default: ['auto'], defaultText: 'auto', help: 'Kernel behaviour modelled: legacy (6.2: user pages are referenced, FOLL_GET), v8 (the series as posted), merged (6.5), current; auto = what the strategy needs (get → legacy, pin and list → merged).', group: 'Stack engine', fio: '—' }),
  opt('cache_size', size, { default: 64 << 20, defaultText: '64m', help: 'Buffered jobs on the stack engine (--direct 0): capacity of biopath\'s page cache (@biopath/page-cache), a multiple of 4k. Reclaim keeps it under this; it must hold what iodepth IOs and a readahead window have in flight.', group: 'Page cache', fio: '— (the host page cache has no limit per job)' }),
  opt('readahead', size, { default: 128 << 10, defaultText: '128k', help: 'Buffered jobs on the stack engine: readahead window (read_ahead_kb), a multiple of 4k; 0 turns readahead off (each miss reads just the page it needs).', group: 'Page cache', fio: '— (blockdev --setra)' }),
  opt('end_fsync', bool, { default: false, help: 'Buffered write jobs: fsync at the end of the measured phase (write back every dirty page, flush the device); its time counts in the runtime. Without it, dirty pages are written back after the measurement.', group: 'Page cache', fio: 'end_fsync' }),
  opt('verify', oneOf(['none', 'crc32c'] as const), { default: 'none', help: 'crc32c: every block written carries a header with its offset and the crc32c of its data, and is read back and checked; reads of blocks written earlier are checked too. Read jobs lay the region out first.', group: 'Verify', fio: 'verify' }),
  opt('verify_only', flag, { default: false, help: 'Do no workload: read the region and check the verify headers an earlier `--verify crc32c` write job left.', group: 'Verify', fio: 'verify_only' }),
  OUTPUT_FORMAT,
  OUTPUT,
  opt('log_avg_msec', int(10, 600_000), { default: 1000, help: 'Interval of the time series (IOPS, bandwidth, mean latency), ms.', group: 'Output', fio: 'log_avg_msec' }),
  opt('progress', oneOf(['auto', 'on', 'off'] as const), { default: 'auto', help: 'Live progress line on stderr: auto = when stderr is a terminal and the format is normal.', group: 'Output', fio: 'eta' }),
  opt('allow_destructive', flag, { default: false, help: 'Allow writes to a target you named (device or file). Without it, only biobench\'s own temporary image is ever written. Mounted devices are refused regardless.', group: 'Safety', fio: '—' }),
] as const;

export const AB_OPTIONS = [
  opt('design', oneOf(['auto', 'blocks', 'process'] as const), { default: 'auto', help: 'blocks: A and B set up side by side in one process, alternating in short blocks in a seeded balanced order (ABBA or BAAB per group), CPU from the thread\'s own clock; process: a whole run per side, pairs in ABBA order. auto = blocks when A and B can share a process (same target, same engine, no verify, no page cache), else process.', group: 'A/B', fio: '—' }),
  opt('pairs', int(5, 1000), { default: 5, help: 'Design process: A/B pairs of whole runs, in balanced order A B, B A, A B, ... (at least 5: fewer cannot tell noise from a difference).', group: 'A/B', fio: '—' }),
  opt('primary', oneOf(['cpu', 'iops'] as const), { default: 'cpu', help: 'The declared primary metric (the verdict): CPU per IO or IOPS. The other metrics are secondary, their claims Holm-adjusted.', group: 'A/B', fio: '—' }),
  opt('budget', duration, { default: 60_000, help: 'Design blocks: the longest time to alternate A and B, after the warm-up blocks (--ramp-time when given, else 2 s), which are discarded.', group: 'A/B', fio: '—' }),
  opt('precision', percent(0, 100), { default: 0, help: 'Design blocks: stop as soon as the primary metric\'s interval is no wider than ± this (always-valid confidence sequence, so stopping early keeps its coverage); 0 = run the whole --budget.', group: 'A/B', fio: '—' }),
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
