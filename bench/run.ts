/**
 * `npm run bench`: whole-process wall time, rows/s and peak RSS of inc-learn on this machine, side
 * by side with a C reference (../shared/bench/ref_lr.c) and scikit-learn, in one run; prints a
 * Markdown table and writes bench/results/latest.json. See bench/README.md.
 *
 *   npm run bench                      # elec.csv + a generated 2,000,000-row SEA stream, median of 3
 *   npm run bench -- --quick           # elec.csv + a 200,000-row stream, 1 run each
 *   npm run bench -- --memory          # adds the flat-memory check (10M-row stdin stream; slow)
 *   npm run bench -- --only memory     # just that section (startup, parse, linear, mlp, trees, memory)
 *   npm run bench -- --json            # the results document on stdout, the table on stderr
 *   npm run bench -- --baseline        # also write bench/baseline.json
 *
 * Every timed command is its own process under GNU time; commands of a section are run round-robin
 * (one run of each, then the next round) so that a noisy neighbour hits them alike.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMachine, machineLine, type Machine } from './lib/machine.js';
import { learners } from '../src/learners/registry.js';
import { describe, hasGnuTime, jsonLines, median, quickWallMs, shq, timed, type Command, type Run } from './lib/measure.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SHARED = resolve(ROOT, '../shared');
const ELEC = join(SHARED, 'datasets/elec.csv');
const ELEC_ROWS = 45312;
const REF_SOURCE = join(SHARED, 'bench/ref_lr.c');
/** The measured build: a snapshot of bin/ and dist/ taken at the start (see snapshot()). */
let CLI = join(ROOT, 'bin/inc-learn.js');
let PARSE_ONLY = join(ROOT, 'dist/bench/parse-only.js');
/** Path prefixes shown shortened in the recorded commands. */
const shortPaths: [string, string][] = [];
const SKLEARN = join(ROOT, 'bench/sklearn_mlp.py');
const PYTHON = '/usr/bin/python3';
const NODE = process.execPath;

/** A run slower than this is not repeated (slow MLP backends). */
const SLOW_SECONDS = 20;
const TIMEOUT_MS = 30 * 60 * 1000;

type Section = 'startup' | 'parse' | 'linear' | 'learners' | 'mlp' | 'trees' | 'memory';
const SECTIONS: Section[] = ['startup', 'parse', 'linear', 'learners', 'mlp', 'trees', 'memory'];

interface Options {
  quick: boolean;
  json: boolean;
  baseline: boolean;
  sections: Set<Section>;
  runs: number;
  streamRows: number;
  memoryRows: number;
  memorySmallRows: number;
  startupRuns: number;
}

function parseArgs(argv: string[]): Options {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') {
      process.stdout.write(
        'usage: npm run bench -- [--quick] [--memory] [--only startup,parse,linear,learners,mlp,trees,memory] [--runs N]\n' +
          '                        [--rows N] [--memory-rows N] [--json] [--baseline]\n',
      );
      process.exit(0);
    }
    if (['--quick', '--memory', '--json', '--baseline'].includes(a)) flags.add(a);
    else if (['--only', '--runs', '--rows', '--memory-rows'].includes(a) && i + 1 < argv.length) values.set(a, argv[++i]!);
    else throw new Error(`unknown option ${a} (try --help)`);
  }
  const quick = flags.has('--quick');
  let sections = new Set<Section>(['startup', 'parse', 'linear', 'learners', 'mlp', 'trees']);
  if (flags.has('--memory')) sections.add('memory');
  const only = values.get('--only');
  if (only !== undefined) {
    const picked = only.split(',').map((s) => s.trim());
    for (const s of picked) if (!SECTIONS.includes(s as Section)) throw new Error(`--only: unknown section ${s}`);
    sections = new Set(picked as Section[]);
  }
  const int = (name: string, fallback: number): number => {
    const v = values.get(name);
    if (v === undefined) return fallback;
    const n = Number(v.replace(/_/g, ''));
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name}: a positive integer, not ${v}`);
    return n;
  };
  return {
    quick,
    json: flags.has('--json'),
    baseline: flags.has('--baseline'),
    sections,
    runs: int('--runs', quick ? 1 : 3),
    streamRows: int('--rows', quick ? 200_000 : 2_000_000),
    memoryRows: int('--memory-rows', 10_000_000),
    memorySmallRows: 100_000,
    startupRuns: quick ? 5 : 11,
  };
}

// ---------------------------------------------------------------------------------------------
// What is measured

interface Parsed {
  rows?: number;
  accuracy?: number;
  /** Rows/s of the training loop as the program reports it (MLP and scikit-learn rows). */
  loopRowsPerSec?: number;
}

interface Item {
  id: string;
  section: Section;
  /** The row label in the table. */
  label: string;
  /** Which dataset: 'elec' or the stream, for ratios to the reference on the same data. */
  dataset: string;
  /** File or stdin, and format, for the table. */
  input: string;
  rows: number;
  cmd: Command;
  runs: number;
  parse: (run: Run) => Parsed;
  /** Extra columns of the MLP table. */
  mlp?: { model: string; backend: string; batch: number };
  measured: Run[];
  parsed: Parsed[];
  error?: string;
}

interface ItemResult {
  id: string;
  section: Section;
  label: string;
  dataset: string;
  input: string;
  rows: number;
  command: string;
  runs: { wall_s: number; time_wall_s: number; rss_kib: number }[];
  wall_s: number | null;
  rows_per_sec: number | null;
  rss_mib: number | null;
  x_ref: number | null;
  accuracy: number | null;
  loop_rows_per_sec: number | null;
  mlp?: { model: string; backend: string; batch: number };
  error?: string;
}

function trainParse(run: Run): Parsed {
  const summary = jsonLines(run.stdout).find((e) => e.event === 'summary');
  const epoch = jsonLines(run.stdout).find((e) => e.event === 'epoch');
  if (!summary) return {};
  return {
    rows: summary.rows as number,
    ...(typeof summary.accuracy === 'number' ? { accuracy: summary.accuracy } : {}),
    ...(typeof epoch?.rows_per_sec === 'number' ? { loopRowsPerSec: epoch.rows_per_sec } : {}),
  };
}

function parseOnlyParse(run: Run): Parsed {
  const line = jsonLines(run.stdout)[0];
  return line && typeof line.rows === 'number' ? { rows: line.rows } : {};
}

function refParse(run: Run): Parsed {
  const m = /rows (\d+) accuracy ([\d.]+)/.exec(run.stdout);
  return m ? { rows: Number(m[1]), accuracy: Number(m[2]) } : {};
}

function sklearnParse(run: Run): Parsed {
  const line = jsonLines(run.stdout)[0];
  if (!line) return {};
  return { rows: line.rows as number, accuracy: line.accuracy as number, loopRowsPerSec: line.rows_per_sec as number };
}

const noParse = (): Parsed => ({});

const rel = (p: string): string => {
  const r = relative(ROOT, p);
  return r.startsWith('../..') ? p : r;
};

function item(partial: Omit<Item, 'measured' | 'parsed'>): Item {
  return { ...partial, measured: [], parsed: [] };
}

// ---------------------------------------------------------------------------------------------
// Running

const log = (line: string): void => {
  process.stderr.write(line + '\n');
};

async function runRoundRobin(items: Item[], tmp: string): Promise<void> {
  const rounds = Math.max(0, ...items.map((i) => i.runs));
  let total = items.reduce((s, i) => s + i.runs, 0);
  let done = 0;
  for (let round = 0; round < rounds; round++) {
    for (const it of items) {
      if (round >= it.runs || it.error) continue;
      done++;
      const run = await timed(it.cmd, { cwd: ROOT, tmp, timeoutMs: TIMEOUT_MS });
      const parsed = it.parse(run);
      const tag = `[${done}/${total}] ${it.label} · ${it.input} · run ${round + 1}/${it.runs}`;
      if (run.exitCode !== 0 || !Number.isFinite(run.wall)) {
        it.error = `exit ${run.exitCode}: ${firstLine(run.stderr) || firstLine(run.stdout) || 'no output'}`;
        log(`${tag}: FAILED ${it.error}`);
        continue;
      }
      if (parsed.rows !== undefined && parsed.rows !== it.rows) {
        it.error = `read ${parsed.rows} rows, expected ${it.rows}`;
        log(`${tag}: FAILED ${it.error}`);
        continue;
      }
      it.measured.push(run);
      it.parsed.push(parsed);
      log(`${tag}: ${run.wall.toFixed(2)} s, ${(run.rssKb / 1024).toFixed(0)} MiB`);
      if (round === 0 && run.wall > SLOW_SECONDS && it.runs > 1) {
        total -= it.runs - 1;
        it.runs = 1;
      }
    }
  }
}

function firstLine(s: string): string {
  return (
    s
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.length > 0) ?? ''
  ).slice(0, 200);
}

function summarize(items: Item[]): ItemResult[] {
  const results = items.map((it): ItemResult => {
    const wall = it.measured.length ? median(it.measured.map((r) => r.wall)) : NaN;
    const rss = it.measured.length ? median(it.measured.map((r) => r.rssKb)) : NaN;
    const acc = it.parsed.find((p) => p.accuracy !== undefined)?.accuracy;
    const loop = it.parsed.filter((p) => p.loopRowsPerSec !== undefined).map((p) => p.loopRowsPerSec!);
    return {
      id: it.id,
      section: it.section,
      label: it.label,
      dataset: it.dataset,
      input: it.input,
      rows: it.rows,
      command: shorten(describe(it.cmd)),
      runs: it.measured.map((r) => ({ wall_s: Math.round(r.wall * 1e4) / 1e4, time_wall_s: r.timeWall, rss_kib: r.rssKb })),
      wall_s: num(wall),
      rows_per_sec: num(it.rows / wall),
      rss_mib: num(Math.round((rss / 1024) * 10) / 10),
      x_ref: null,
      accuracy: acc ?? null,
      loop_rows_per_sec: loop.length ? median(loop) : null,
      ...(it.mlp ? { mlp: it.mlp } : {}),
      ...(it.error ? { error: it.error } : {}),
    };
  });
  for (const r of results) {
    if (r.id.startsWith('generate-')) continue;
    const ref = results.find((x) => x.id === `ref-file-${r.dataset}`);
    if (ref?.wall_s && r.wall_s !== null) r.x_ref = r.wall_s / ref.wall_s;
  }
  return results;
}

function shorten(text: string): string {
  for (const [long, short] of shortPaths) text = text.split(long).join(short);
  return text;
}

/**
 * Copies the build (bin/, dist/, package.json; node_modules linked) into the temp dir and measures
 * that copy: other people rebuilding dist/ in the same checkout during a run cannot change, or
 * half-write, the code being measured halfway through.
 */
function snapshot(tmp: string): string {
  const snap = join(tmp, 'build');
  mkdirSync(snap);
  cpSync(join(ROOT, 'bin'), join(snap, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'dist'), join(snap, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(snap, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(snap, 'node_modules'), 'dir');
  CLI = join(snap, 'bin/inc-learn.js');
  PARSE_ONLY = join(snap, 'dist/bench/parse-only.js');
  shortPaths.push([snap + '/', ''], [tmp + '/', '$TMP/'], [SHARED + '/', '../shared/'], [ROOT + '/', ''], [NODE, 'node']);
  return snap;
}

const num = (x: number): number | null => (Number.isFinite(x) ? x : null);

// ---------------------------------------------------------------------------------------------
// Sections

interface Prepared {
  streamId: string;
  streamCsv: string;
  streamJsonl: string;
  /** The same stream with every digit of each number (up to 17), as Python prints floats. */
  fullCsv: string;
  fullJsonl: string;
  /** A stream with categorical columns (Agrawal) for the hashed-feature rows, and its name. */
  hashedCsv: string;
  hashedId: string;
  refBinary: string | null;
  /** Why the 'tensorflow' backend is skipped; null when tfjs-node loads. */
  tensorflowNote: string | null;
  /** Why the scikit-learn row is skipped; null when it can run. */
  sklearnNote: string | null;
  notes: string[];
}

/** Rows of the hashed-feature stream: --hash-bits rows cost the most before they were sparse. */
function hashedRows(opts: Options): number {
  return opts.quick ? 50_000 : 200_000;
}

function generateArgs(rows: number, format: 'csv' | 'jsonl' = 'csv', fullPrecision = false, generator = 'sea'): string[] {
  return [
    NODE, CLI, 'generate', generator, '--rows', String(rows), '--seed', '1', '--noise', '0.1',
    ...(format === 'jsonl' ? ['--format', 'jsonl'] : []),
    ...(fullPrecision ? ['--full-precision'] : []),
  ];
}

function streamName(rows: number): string {
  return rows % 1_000_000 === 0 ? `sea-${rows / 1_000_000}M` : rows % 1000 === 0 ? `sea-${rows / 1000}k` : `sea-${rows}`;
}

function probeTensorflow(): string | null {
  const r = spawnSync(NODE, ['--input-type=module', '-e', "await import('@tensorflow/tfjs-node')"], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status === 0) return null;
  const msg = firstLine((r.stderr ?? '').split('\n').find((l) => /Error|Cannot/.test(l)) ?? r.stderr ?? '');
  return `@tensorflow/tfjs-node does not load (${msg || `exit ${r.status}`}): no 'tensorflow' backend rows`;
}

function probeSklearn(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} not found: scikit-learn row skipped`;
  const r = spawnSync(PYTHON, ['-c', 'import sklearn.neural_network, numpy'], { encoding: 'utf8', timeout: 60_000 });
  if (r.status === 0) return null;
  return `scikit-learn is not installed for ${PYTHON} (apt-get install -y python3-sklearn): scikit-learn row skipped`;
}

function compileRef(tmp: string): { binary: string | null; note?: string } {
  const binary = join(tmp, 'ref_lr');
  if (!existsSync(REF_SOURCE)) return { binary: null, note: `${REF_SOURCE} not found: no reference rows, no ratios` };
  try {
    execFileSync('gcc', ['-O2', '-o', binary, REF_SOURCE, '-lm'], { stdio: ['ignore', 'pipe', 'pipe'] });
    return { binary };
  } catch (e) {
    return { binary: null, note: `gcc -O2 ref_lr.c failed (${firstLine(String((e as { stderr?: unknown }).stderr ?? e))}): no reference rows, no ratios` };
  }
}

async function prepare(opts: Options, tmp: string): Promise<{ prepared: Prepared; items: Item[] }> {
  const notes: string[] = [];
  const items: Item[] = [];
  const { binary, note } = compileRef(tmp);
  if (note) notes.push(note);
  const streamId = streamName(opts.streamRows);
  const streamCsv = join(tmp, `${streamId}.csv`);
  const streamJsonl = join(tmp, `${streamId}.jsonl`);
  const fullCsv = join(tmp, `${streamId}-full.csv`);
  const fullJsonl = join(tmp, `${streamId}-full.jsonl`);
  const hashedId = `agrawal-${streamName(hashedRows(opts)).replace(/^[a-z]+-/, '')}`;
  const hashedCsv = join(tmp, `${hashedId}.csv`);
  const needStream = opts.sections.has('parse') || opts.sections.has('linear') || opts.sections.has('learners') || opts.sections.has('trees');
  if (needStream) {
    // The streams, generated once by the project's own generator; timed as bonus rows.
    for (const [format, fullPrecision, out] of [
      ['csv', false, streamCsv],
      ['jsonl', false, streamJsonl],
      ['csv', true, fullCsv],
      ['jsonl', true, fullJsonl],
    ] as const) {
      const gen = item({
        id: `generate-${format}${fullPrecision ? '-full' : ''}`,
        section: 'parse',
        label: `inc-learn generate sea${fullPrecision ? ' --full-precision' : ''} (${format.toUpperCase()} to a file)`,
        dataset: fullPrecision ? `${streamId}-full` : streamId,
        input: `→ ${format === 'csv' ? 'CSV' : 'JSONL'} file`,
        rows: opts.streamRows,
        cmd: { argv: generateArgs(opts.streamRows, format, fullPrecision), stdoutFile: out },
        runs: 1,
        parse: noParse,
      });
      log(`generating ${opts.streamRows} rows of ${format.toUpperCase()} into ${out}`);
      await runRoundRobin([gen], tmp);
      if (gen.error || !existsSync(out)) throw new Error(`could not generate the stream: ${gen.error ?? 'no file'}`);
      items.push(gen);
    }
  }
  if (opts.sections.has('linear')) {
    const gen = item({
      id: 'generate-agrawal',
      section: 'parse',
      label: 'inc-learn generate agrawal (CSV to a file)',
      dataset: hashedId,
      input: '→ CSV file',
      rows: hashedRows(opts),
      cmd: { argv: generateArgs(hashedRows(opts), 'csv', false, 'agrawal'), stdoutFile: hashedCsv },
      runs: 1,
      parse: noParse,
    });
    log(`generating ${hashedRows(opts)} rows of Agrawal CSV into ${hashedCsv}`);
    await runRoundRobin([gen], tmp);
    if (gen.error || !existsSync(hashedCsv)) throw new Error(`could not generate the hashed-feature stream: ${gen.error ?? 'no file'}`);
    items.push(gen);
  }
  const tensorflow = opts.sections.has('mlp') ? probeTensorflow() : null;
  if (tensorflow) notes.push(tensorflow);
  const sklearn = opts.sections.has('mlp') ? probeSklearn() : null;
  if (sklearn) notes.push(sklearn);
  return { prepared: { streamId, streamCsv, streamJsonl, fullCsv, fullJsonl, hashedCsv, hashedId, refBinary: binary, tensorflowNote: tensorflow, sklearnNote: sklearn, notes }, items };
}

function trainArgs(input: string, extra: string[] = []): string[] {
  return [NODE, CLI, 'train', input, '--json', '--quiet', ...extra];
}

function fastItems(opts: Options, p: Prepared): Item[] {
  const items: Item[] = [];
  // `all`: every row (stdin and one-thread ones too); the others get the file and JSONL rows.
  const datasets: { id: string; csv: string; jsonl?: string; all?: boolean; rows: number; name: string }[] = [
    { id: 'elec', csv: ELEC, rows: ELEC_ROWS, name: 'elec.csv', all: true },
  ];
  if (opts.sections.has('parse') || opts.sections.has('linear')) {
    datasets.push({ id: p.streamId, csv: p.streamCsv, jsonl: p.streamJsonl, rows: opts.streamRows, name: `${p.streamId}`, all: true });
    datasets.push({ id: `${p.streamId}-full`, csv: p.fullCsv, jsonl: p.fullJsonl, rows: opts.streamRows, name: `${p.streamId} full-precision` });
  }
  for (const d of datasets) {
    const runs = opts.runs;
    if (p.refBinary && (opts.sections.has('parse') || opts.sections.has('linear'))) {
      items.push(item({ id: `ref-file-${d.id}`, section: 'linear', label: 'ref_lr (C, gcc -O2)', dataset: d.id, input: `${d.name} CSV file`, rows: d.rows, cmd: { argv: [p.refBinary, d.csv, '0.1'] }, runs, parse: refParse }));
      if (d.jsonl && d.all)
        items.push(item({ id: `ref-stdin-${d.id}`, section: 'linear', label: 'ref_lr (C, gcc -O2)', dataset: d.id, input: `${d.name} CSV stdin`, rows: d.rows, cmd: { producer: `cat ${d.csv}`, argv: [p.refBinary, '-', '0.1'] }, runs, parse: refParse }));
    }
    if (opts.sections.has('parse')) {
      items.push(item({ id: `parse-csv-${d.id}`, section: 'parse', label: 'parse only (openSource)', dataset: d.id, input: `${d.name} CSV file`, rows: d.rows, cmd: { argv: [NODE, PARSE_ONLY, d.csv] }, runs, parse: parseOnlyParse }));
      if (d.jsonl)
        items.push(item({ id: `parse-jsonl-${d.id}`, section: 'parse', label: 'parse only (openSource)', dataset: d.id, input: `${d.name} JSONL file`, rows: d.rows, cmd: { argv: [NODE, PARSE_ONLY, d.jsonl] }, runs, parse: parseOnlyParse }));
    }
    if (opts.sections.has('linear')) {
      items.push(item({ id: `linear-csv-file-${d.id}`, section: 'linear', label: 'train (logistic, per row)', dataset: d.id, input: `${d.name} CSV file`, rows: d.rows, cmd: { argv: trainArgs(d.csv) }, runs, parse: trainParse }));
      if (d.jsonl && d.all)
        // The same with the io worker thread turned off (src/io/threaded.ts): how much the second core buys.
        items.push(item({ id: `linear-csv-file-1thread-${d.id}`, section: 'linear', label: 'train (logistic, per row), --no-parse-thread', dataset: d.id, input: `${d.name} CSV file`, rows: d.rows, cmd: { argv: [...trainArgs(d.csv), '--no-parse-thread'] }, runs, parse: trainParse }));
      if (d.all)
        items.push(item({ id: `linear-csv-stdin-${d.id}`, section: 'linear', label: 'train (logistic, per row)', dataset: d.id, input: `${d.name} CSV stdin`, rows: d.rows, cmd: { producer: `cat ${d.csv}`, argv: trainArgs('-') }, runs, parse: trainParse }));
      if (d.jsonl)
        items.push(item({ id: `linear-jsonl-file-${d.id}`, section: 'linear', label: 'train (logistic, per row)', dataset: d.id, input: `${d.name} JSONL file`, rows: d.rows, cmd: { argv: trainArgs(d.jsonl) }, runs, parse: trainParse }));
      if (d.id === p.streamId) items.push(...sideBySideItems(d, runs));
    }
  }
  if (opts.sections.has('linear')) {
    // Hashed categorical features: the per-row cost must not grow with 2^bits (8 bits: 256 slots, 18: 262,144).
    for (const bits of [8, 18]) {
      const id = `linear-hash-${bits}-${p.hashedId}`;
      items.push(item({ id, section: 'linear', label: `train (logistic, per row), --hash-bits ${bits}`, dataset: p.hashedId, input: `${p.hashedId} CSV file`, rows: hashedRows(opts), cmd: { argv: trainArgs(p.hashedCsv, ['--hash-bits', String(bits)]) }, runs: opts.runs, parse: trainParse }));
    }
  }
  return items;
}

/** Every learner but the MLP and the trees (their own sections), `auto` included, default flags, on elec.csv and the stream's CSV file. */
function learnerItems(opts: Options, p: Prepared): Item[] {
  const items: Item[] = [];
  for (const entry of learners().filter((e) => e.name !== 'mlp' && !(TREE_LEARNERS as readonly string[]).includes(e.name))) {
    for (const d of [
      { id: 'elec', csv: ELEC, rows: ELEC_ROWS, name: 'elec.csv' },
      { id: p.streamId, csv: p.streamCsv, rows: opts.streamRows, name: p.streamId },
    ]) {
      items.push(
        item({
          id: `learner-${entry.name}-${d.id}`,
          section: 'learners',
          label: `train --model ${entry.name}`,
          dataset: d.id,
          input: `${d.name} CSV file`,
          rows: d.rows,
          cmd: { argv: trainArgs(d.csv, ['--model', entry.name]) },
          runs: opts.runs,
          parse: trainParse,
        }),
      );
    }
  }
  return items;
}

/**
 * The tree learners against the published figures of MOA and River (docs/learners.md cites them):
 * default flags, prequential, on elec.csv, sea_stream.csv and the generated stream.
 */
const SEA_STREAM = join(SHARED, 'datasets/sea_stream.csv');
const TREE_LEARNERS = ['ht', 'hat', 'arf'] as const;
/** Published prequential accuracy on Elec2 and throughput on a 100,000-row stream (issue 14's sources). */
const PUBLISHED: Record<(typeof TREE_LEARNERS)[number], { moaElec: number; riverElec: number; moaRowsPerSec: number | null; riverRowsPerSec: number | null }> = {
  ht: { moaElec: 0.817, riverElec: 0.796, moaRowsPerSec: 88_000, riverRowsPerSec: 10_300 },
  hat: { moaElec: 0.847, riverElec: 0.821, moaRowsPerSec: null, riverRowsPerSec: null },
  arf: { moaElec: 0.893, riverElec: 0.877, moaRowsPerSec: 7_700, riverRowsPerSec: 660 },
};

function treeItems(opts: Options, p: Prepared): Item[] {
  const items: Item[] = [];
  const inputs = [
    { id: 'elec', name: 'elec.csv', csv: ELEC, rows: ELEC_ROWS },
    ...(existsSync(SEA_STREAM) ? [{ id: 'sea_stream', name: 'sea_stream.csv', csv: SEA_STREAM, rows: 40000 }] : []),
    { id: p.streamId, name: p.streamId, csv: p.streamCsv, rows: opts.streamRows },
  ];
  for (const model of TREE_LEARNERS) {
    for (const d of inputs) {
      items.push(item({ id: `tree-${model}-${d.id}`, section: 'trees', label: `train --model ${model}`, dataset: d.id, input: `${d.name} CSV file`, rows: d.rows, cmd: { argv: trainArgs(d.csv, ['--model', model]) }, runs: opts.runs, parse: trainParse }));
    }
  }
  return items;
}

/** The learners of the side-by-side rows: the first 3, then all 6. */
const SIDE_BY_SIDE = ['linear', 'linear(lr=0.5)', 'linear(lr=0.02)', 'linear(optimizer=adam)', 'majority', 'no-change'];

/**
 * Several learners in one pass (--model a,b,...: the input read and featurized once) against the
 * same learners run one after the other, on the 2M stream: what sharing the pass saves.
 */
function sideBySideItems(d: { id: string; csv: string; rows: number; name: string }, runs: number): Item[] {
  const items: Item[] = [];
  for (const n of [3, 6]) {
    const models = SIDE_BY_SIDE.slice(0, n);
    const common = { section: 'linear' as const, dataset: d.id, input: `${d.name} CSV file`, rows: d.rows, runs, parse: trainParse };
    items.push(item({ ...common, id: `side-by-side-${n}-${d.id}`, label: `train, ${n} learners side by side in one pass`, cmd: { argv: trainArgs(d.csv, ['--model', models.join(',')]) } }));
    const oneByOne = models.map((m) => trainArgs(d.csv, ['--model', m]).map(shq).join(' ')).join(' && ');
    items.push(item({ ...common, id: `one-by-one-${n}-${d.id}`, label: `train, the same ${n} learners one run each`, cmd: { argv: ['sh', '-c', oneByOne] } }));
  }
  return items;
}

function mlpItems(opts: Options, p: Prepared): Item[] {
  const items: Item[] = [];
  const backends = ['wasm', 'cpu', ...(p.tensorflowNote ? [] : ['tensorflow'])];
  for (const batch of [32, 256]) {
    for (const backend of backends) {
      items.push(
        item({
          id: `mlp-${backend}-${batch}-elec`,
          section: 'mlp',
          label: `train --model mlp --hidden 32 --batch-size ${batch} --backend ${backend}`,
          dataset: 'elec',
          input: 'elec.csv CSV file',
          rows: ELEC_ROWS,
          cmd: { argv: trainArgs(ELEC, ['--model', 'mlp', '--hidden', '32', '--batch-size', String(batch), '--backend', backend]) },
          runs: opts.runs,
          parse: trainParse,
          mlp: { model: 'inc-learn mlp (tfjs)', backend, batch },
        }),
      );
    }
  }
  if (!p.sklearnNote) {
    items.push(
      item({
        id: 'sklearn-32-elec',
        section: 'mlp',
        label: 'scikit-learn MLPClassifier.partial_fit',
        dataset: 'elec',
        input: 'elec.csv CSV file',
        rows: ELEC_ROWS,
        cmd: { argv: [PYTHON, SKLEARN, ELEC, '--batch-size', '32', '--hidden', '32', '--lr', '0.005', '--seed', '1'] },
        runs: opts.runs,
        parse: sklearnParse,
        mlp: { model: 'scikit-learn MLPClassifier', backend: 'numpy', batch: 32 },
      }),
    );
  }
  return items;
}

interface StartupResult {
  command: string;
  median_ms: number;
  runs_ms: number[];
}

function startup(opts: Options): StartupResult[] {
  const commands: { label: string; argv: string[] }[] = [
    { label: 'node -e 0', argv: [NODE, '-e', '0'] },
    { label: 'inc-learn --version', argv: [NODE, CLI, '--version'] },
    { label: 'inc-learn --help (loads the CLI modules)', argv: [NODE, CLI, '--help'] },
  ];
  const times = commands.map(() => [] as number[]);
  // One warm-up round (file cache), then interleaved runs.
  for (const c of commands) quickWallMs(c.argv, ROOT);
  for (let i = 0; i < opts.startupRuns; i++) {
    commands.forEach((c, j) => {
      const r = quickWallMs(c.argv, ROOT);
      if (r.ok) times[j]!.push(r.ms);
    });
  }
  log(`start-up: ${commands.map((c, j) => `${c.label} ${median(times[j]!).toFixed(1)} ms`).join(', ')}`);
  return commands.map((c, j) => ({ command: c.label, median_ms: Math.round(median(times[j]!) * 10) / 10, runs_ms: times[j]!.map((t) => Math.round(t * 10) / 10) }));
}

interface MemoryResult {
  learner: string;
  sampler: string;
  small_rows: number;
  large_rows: number;
  /** An intermediate length (1M when the large run is longer), to tell a plateau from growth. */
  mid_rows: number | null;
  small_rss_mib: number | null;
  mid_rss_mib: number | null;
  large_rss_mib: number | null;
  /** large / mid: close to 1 when the heap has reached its steady size by the middle length. */
  ratio_to_mid: number | null;
  ratio: number | null;
  large_wall_s: number | null;
  error?: string;
}

async function memory(opts: Options, tmp: string): Promise<MemoryResult[]> {
  const samplers: { name: string; args: string[] }[] = [
    { name: 'all', args: [] },
    { name: 'bernoulli 0.5', args: ['--sampler', 'bernoulli', '--sample-rate', '0.5'] },
    { name: 'balanced', args: ['--sampler', 'balanced'] },
    { name: 'shuffle 1000', args: ['--sampler', 'shuffle', '--buffer-size', '1000'] },
    { name: 'window 1000', args: ['--sampler', 'window', '--buffer-size', '1000'] },
    { name: 'replay 1000', args: ['--sampler', 'replay', '--buffer-size', '1000'] },
  ];
  const mlp = ['--model', 'mlp', '--hidden', '32', '--batch-size', '256', '--backend', 'wasm'];
  // Both learners with every sampler; the MLP at its cheapest per-row setting (batch 256, wasm).
  const configs: { learner: string; sampler: string; args: string[] }[] = [
    ...samplers.map((s) => ({ learner: 'logistic (default)', sampler: s.name, args: s.args })),
    ...samplers.map((s) => ({ learner: 'mlp 32, batch 256, wasm', sampler: s.name, args: [...mlp, ...s.args] })),
    // The trees: ht under a memory limit, and the forest (its trees are replaced at drift, each under MOA's 2 MiB).
    { learner: 'ht --max-size 16', sampler: 'all', args: ['--model', 'ht', '--max-size', '16'] },
    { learner: 'arf (10 trees)', sampler: 'all', args: ['--model', 'arf'] },
  ];
  const results: MemoryResult[] = [];
  for (const c of configs) {
    const midRows = opts.memoryRows > 1_000_000 && opts.memorySmallRows < 1_000_000 ? 1_000_000 : null;
    const sizes = [opts.memorySmallRows, opts.memoryRows, ...(midRows ? [midRows] : [])];
    const [small, large, mid] = sizes.map((rows) =>
      item({
        id: `memory-${c.learner}-${c.sampler}-${rows}`,
        section: 'memory',
        label: `memory ${c.learner} ${c.sampler}`,
        dataset: streamName(rows),
        input: `${streamName(rows)} generated into stdin`,
        rows,
        cmd: { producer: generateArgs(rows).join(' '), argv: trainArgs('-', c.args) },
        runs: 1,
        parse: trainParse,
      }),
    ) as [Item, Item, Item | undefined];
    await runRoundRobin(mid ? [small, mid, large] : [small, large], tmp);
    const s = small.measured[0]?.rssKb;
    const m = mid?.measured[0]?.rssKb;
    const l = large.measured[0]?.rssKb;
    const mib = (kb: number | undefined): number | null => (kb === undefined ? null : Math.round((kb / 1024) * 10) / 10);
    const error = small.error ?? large.error;
    results.push({
      learner: c.learner,
      sampler: c.sampler,
      small_rows: opts.memorySmallRows,
      large_rows: opts.memoryRows,
      mid_rows: midRows,
      small_rss_mib: mib(s),
      mid_rss_mib: mib(m),
      large_rss_mib: mib(l),
      ratio_to_mid: m && l ? l / m : null,
      ratio: s && l ? l / s : null,
      large_wall_s: large.measured[0]?.wall ?? null,
      ...(error ? { error } : {}),
    });
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Targets and the table

interface Target {
  target: string;
  measured: string;
  limit: string;
  value: number | null;
  pass: boolean | null;
}

function targets(results: ItemResult[], streamId: string, start: StartupResult[], mem: MemoryResult[] | null, opts: Options): Target[] {
  const get = (id: string): ItemResult | undefined => results.find((r) => r.id === id && r.wall_s !== null);
  const out: Target[] = [];
  /** `unjudged`: why the target is not judged on this run (the measure is shown, neither met nor missed). */
  const ratio = (target: string, a: ItemResult | undefined, b: ItemResult | undefined, limit: number, what: string, unjudged?: string): void => {
    const value = a?.wall_s && b?.wall_s ? a.wall_s / b.wall_s : null;
    out.push({
      target,
      measured: value === null ? 'not measured' : `${value.toFixed(2)}× (${a!.wall_s!.toFixed(2)} s vs ${b!.wall_s!.toFixed(2)} s ${what})${unjudged ? `; ${unjudged}` : ''}`,
      limit: `≤ ${limit}×`,
      value,
      pass: value === null || unjudged ? null : value <= limit,
    });
  };
  // The C reference starts in about a millisecond, node in about a hundred: on a stream shorter than
  // the full run's 2,000,000 rows (--quick's) the ratio measures start-up more than the pass.
  const startupBound = opts.streamRows < 2_000_000 ? `not judged on ${fmtInt(opts.streamRows)} rows, where start-up dominates (the target is for 2,000,000)` : undefined;
  if (opts.sections.has('trees')) {
    const atLeast = (target: string, value: number | null | undefined, limit: number, text: (v: number) => string): void => {
      const v = value ?? null;
      out.push({ target, measured: v === null ? 'not measured' : text(v), limit: `≥ ${text(limit)}`, value: v, pass: v === null ? null : v >= limit });
    };
    const rate = (v: number): string => `${fmtInt(v)} rows/s`;
    for (const [model, limit] of [['ht', 176_000], ['arf', 15_400]] as const) {
      for (const d of [streamId, 'elec']) atLeast(`${model}: 2× MOA's published rows/s, ${d}, whole process`, get(`tree-${model}-${d}`)?.rows_per_sec, limit, rate);
    }
    const acc = (v: number): string => v.toFixed(4);
    for (const [model, d, limit] of [['ht', 'elec', 0.8], ['hat', 'elec', 0.83], ['arf', 'elec', 0.88], ['ht', 'sea_stream', 0.86], ['arf', 'sea_stream', 0.87]] as const) {
      atLeast(`${model}: accuracy on ${d}.csv`, get(`tree-${model}-${d}`)?.accuracy, limit, acc);
    }
  }
  if (opts.sections.has('linear')) {
    ratio(`default learner, ${streamId} CSV file, one pass ≤ 1.2× ref_lr`, get(`linear-csv-file-${streamId}`), get(`ref-file-${streamId}`), 1.2, 'ref_lr', startupBound);
    ratio(`JSONL ≤ 3× CSV (train, ${streamId})`, get(`linear-jsonl-file-${streamId}`), get(`linear-csv-file-${streamId}`), 3, 'CSV');
    ratio(`stdin ≤ 1.2× file (train, ${streamId} CSV)`, get(`linear-csv-stdin-${streamId}`), get(`linear-csv-file-${streamId}`), 1.2, 'file');
    const full = `${streamId}-full`;
    ratio(`default learner, ${streamId} full-precision CSV file ≤ 1.2× ref_lr`, get(`linear-csv-file-${full}`), get(`ref-file-${full}`), 1.2, 'ref_lr', startupBound);
    ratio(`JSONL ≤ 3× CSV (train, ${streamId} full-precision)`, get(`linear-jsonl-file-${full}`), get(`linear-csv-file-${full}`), 3, 'CSV');
    const hashed = results.find((r) => r.id.startsWith('linear-hash-8-'))?.dataset;
    if (hashed !== undefined) ratio(`--hash-bits 18 ≤ 1.5× --hash-bits 8 (train, ${hashed} CSV file)`, get(`linear-hash-18-${hashed}`), get(`linear-hash-8-${hashed}`), 1.5, '--hash-bits 8');
  }
  if (start.length) {
    const node = start[0]!.median_ms;
    const version = start[1]!.median_ms;
    const diff = version - node;
    out.push({
      target: 'start-up: inc-learn --version within 100 ms of node -e 0',
      measured: Number.isFinite(diff) ? `+${diff.toFixed(0)} ms (${version.toFixed(0)} vs ${node.toFixed(0)} ms, median of ${opts.startupRuns})` : 'not measured',
      limit: '≤ +100 ms',
      value: Number.isFinite(diff) ? diff : null,
      pass: Number.isFinite(diff) ? diff <= 100 : null,
    });
  }
  if (opts.sections.has('learners')) {
    // The per-row learners: within 1.5x the default learner's time on the stream (the issue's bound).
    for (const name of ['majority', 'no-change', 'nb', 'perceptron', 'pa', 'alma']) {
      ratio(`--model ${name}, ${streamId} CSV file ≤ 1.5× --model linear`, get(`learner-${name}-${streamId}`), get(`learner-linear-${streamId}`), 1.5, 'linear');
    }
    const knn = get('learner-knn-elec');
    out.push({
      target: 'knn (k 5, window 1000) on elec.csv ≥ 20,000 rows/s, whole process',
      measured: knn?.rows_per_sec ? `${fmtInt(knn.rows_per_sec)} rows/s` : 'not measured',
      limit: '≥ 20,000 rows/s',
      value: knn?.rows_per_sec ?? null,
      pass: knn?.rows_per_sec ? knn.rows_per_sec >= 20000 : null,
    });
    // auto runs its whole pool (seven learners) on every row: issue 15's floor on the 2M stream.
    const auto = get(`learner-auto-${streamId}`);
    out.push({
      target: `auto on the ${streamId} CSV file ≥ 300,000 rows/s, whole process`,
      measured: auto?.rows_per_sec ? `${fmtInt(auto.rows_per_sec)} rows/s` : 'not measured',
      limit: '≥ 300,000 rows/s',
      value: auto?.rows_per_sec ?? null,
      pass: auto?.rows_per_sec ? auto.rows_per_sec >= 300000 : null,
    });
  }
  if (opts.sections.has('mlp')) {
    const sk = results.find((r) => r.id === 'sklearn-32-elec' && r.loop_rows_per_sec !== null);
    const ours = results
      .filter((r) => r.section === 'mlp' && r.mlp?.batch === 32 && r.id.startsWith('mlp-') && r.loop_rows_per_sec !== null)
      .sort((a, b) => b.loop_rows_per_sec! - a.loop_rows_per_sec!)[0];
    const value = sk && ours ? ours.loop_rows_per_sec! / sk.loop_rows_per_sec! : null;
    const whole = sk && ours && sk.rows_per_sec && ours.rows_per_sec ? ours.rows_per_sec / sk.rows_per_sec : null;
    out.push({
      target: 'tfjs MLP batch 32 on elec.csv ≥ 2× scikit-learn partial_fit rows/s (training loop)',
      measured:
        value === null
          ? sk
            ? 'not measured (no MLP run succeeded)'
            : 'not measured (scikit-learn missing)'
          : `${value.toFixed(2)}× (${ours!.mlp!.backend} ${fmtInt(ours!.loop_rows_per_sec!)} vs ${fmtInt(sk!.loop_rows_per_sec!)} rows/s; whole process ${whole?.toFixed(2)}×)`,
      limit: '≥ 2×',
      value,
      pass: value === null ? null : value >= 2,
    });
  }
  if (mem) {
    for (const m of mem) {
      out.push({
        target: `memory flat: ${m.learner}, sampler ${m.sampler}, stdin ${streamName(m.large_rows)} vs ${streamName(m.small_rows)}`,
        measured: m.ratio === null ? `not measured${m.error ? ` (${m.error})` : ''}` : `${m.ratio.toFixed(2)}× (${m.large_rss_mib} vs ${m.small_rss_mib} MiB)`,
        limit: '≤ 1.10×',
        value: m.ratio,
        pass: m.ratio === null ? null : m.ratio <= 1.1,
      });
    }
  }
  return out;
}

const fmtInt = (x: number): string => Math.round(x).toLocaleString('en-US');
const fmt = (x: number | null | undefined, digits = 2): string => (x === null || x === undefined ? '–' : x.toFixed(digits));
const mark = (pass: boolean | null): string => (pass === null ? '–' : pass ? '✓' : '✗');

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

interface Report {
  machine: Machine;
  /** The code measured: HEAD, and whether src/ or bin/ had uncommitted changes. */
  revision: { commit: string | null; dirty: boolean };
  mode: { quick: boolean; runs: number; stream_rows: number; sections: Section[]; memory_rows: number | null };
  items: ItemResult[];
  startup: StartupResult[];
  memory: MemoryResult[] | null;
  targets: Target[];
  notes: string[];
}

function revision(): { commit: string | null; dirty: boolean } {
  const git = (args: string[]): string | null => {
    const r = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : null;
  };
  const commit = git(['rev-parse', '--short', 'HEAD']);
  const status = git(['status', '--porcelain', '--', 'src', 'bin', 'package.json']);
  return { commit, dirty: status !== null && status.length > 0 };
}

function markdown(r: Report): string {
  const out: string[] = [];
  const runsText = r.mode.runs === 1 ? '1 run each' : `median of ${r.mode.runs} runs (MLP runs over ${SLOW_SECONDS} s: 1 run)`;
  out.push(`Machine: ${machineLine(r.machine)}. Code: ${r.revision.commit ?? 'unknown commit'}${r.revision.dirty ? ' with uncommitted changes in src/' : ''}.`);
  out.push(`Mode: ${r.mode.quick ? 'quick' : 'full'}; ${runsText}; whole process (wall time from spawn to exit, peak RSS by GNU time).`);
  out.push('');
  const main = r.items.filter((i) => i.section !== 'mlp' && i.section !== 'trees');
  if (main.length) {
    out.push(`### Throughput, whole process`);
    out.push('');
    out.push(
      table(
        ['command', 'input', 'rows', 'runs', 'wall s', 'rows/s', 'peak RSS MiB', '× ref_lr', 'accuracy'],
        main.map((i) =>
          i.error
            ? [i.label, i.input, fmtInt(i.rows), String(i.runs.length), `failed: ${i.error}`, '–', '–', '–', '–']
            : [i.label, i.input, fmtInt(i.rows), String(i.runs.length), fmt(i.wall_s), i.rows_per_sec ? fmtInt(i.rows_per_sec) : '–', fmt(i.rss_mib, 0), fmt(i.x_ref), fmt(i.accuracy, 4)],
        ),
      ),
    );
    out.push('');
  }
  const mlp = r.items.filter((i) => i.section === 'mlp');
  if (mlp.length) {
    out.push(`### MLP (32 hidden units) on elec.csv, against scikit-learn`);
    out.push('');
    out.push(
      table(
        ['model', 'backend', 'batch', 'runs', 'wall s', 'rows/s whole process', 'rows/s training loop', 'peak RSS MiB', '× ref_lr', 'accuracy'],
        mlp.map((i) =>
          i.error
            ? [i.mlp!.model, i.mlp!.backend, String(i.mlp!.batch), String(i.runs.length), `failed: ${i.error}`, '–', '–', '–', '–', '–']
            : [
                i.mlp!.model,
                i.mlp!.backend,
                String(i.mlp!.batch),
                String(i.runs.length),
                fmt(i.wall_s),
                i.rows_per_sec ? fmtInt(i.rows_per_sec) : '–',
                i.loop_rows_per_sec ? fmtInt(i.loop_rows_per_sec) : '–',
                fmt(i.rss_mib, 0),
                fmt(i.x_ref, 1),
                fmt(i.accuracy, 4),
              ],
        ),
      ),
    );
    out.push('');
  }
  const trees = r.items.filter((i) => i.section === 'trees');
  if (trees.length) {
    out.push('### Trees and forests (default flags, prequential), beside the published MOA and River figures');
    out.push('');
    const published = (i: ItemResult): string[] => {
      const model = i.id.split('-')[1] as (typeof TREE_LEARNERS)[number];
      const pub = PUBLISHED[model];
      const rate = (x: number | null): string => (x === null ? '–' : fmtInt(x));
      return i.dataset === 'elec' ? [pub.moaElec.toFixed(3), pub.riverElec.toFixed(3), rate(pub.moaRowsPerSec), rate(pub.riverRowsPerSec)] : ['', '', rate(pub.moaRowsPerSec), rate(pub.riverRowsPerSec)];
    };
    out.push(
      table(
        ['learner', 'input', 'rows', 'runs', 'wall s', 'rows/s', 'peak RSS MiB', 'accuracy', 'MOA accuracy', 'River accuracy', 'MOA rows/s', 'River rows/s'],
        trees.map((i) =>
          i.error
            ? [i.label, i.input, fmtInt(i.rows), String(i.runs.length), `failed: ${i.error}`, '–', '–', '–', ...published(i)]
            : [i.label, i.input, fmtInt(i.rows), String(i.runs.length), fmt(i.wall_s), i.rows_per_sec ? fmtInt(i.rows_per_sec) : '–', fmt(i.rss_mib, 0), fmt(i.accuracy, 4), ...published(i)],
        ),
      ),
    );
    out.push('');
  }
  if (r.startup.length) {
    out.push('### Start-up');
    out.push('');
    out.push(table(['command', 'median ms', 'runs'], r.startup.map((s) => [s.command, fmt(s.median_ms, 1), String(s.runs_ms.length)])));
    out.push('');
  }
  if (r.memory) {
    const small = streamName(r.memory[0]?.small_rows ?? 100_000).replace('sea-', '');
    const large = streamName(r.mode.memory_rows!).replace('sea-', '');
    const hasMid = r.memory.some((m) => m.mid_rows !== null);
    out.push(`### Memory: a generated SEA stream piped into \`train -\`, ${large} rows vs ${small}`);
    out.push('');
    out.push(
      table(
        ['learner', 'sampler', `peak RSS ${small} MiB`, ...(hasMid ? ['peak RSS 1M MiB'] : []), `peak RSS ${large} MiB`, `${large} / ${small}`, ...(hasMid ? [`${large} / 1M`] : []), `wall s (${large})`, '≤ 1.10×'],
        r.memory.map((m) => [
          m.learner,
          m.sampler,
          fmt(m.small_rss_mib, 0),
          ...(hasMid ? [fmt(m.mid_rss_mib, 0)] : []),
          fmt(m.large_rss_mib, 0),
          m.error ? `failed: ${m.error}` : fmt(m.ratio),
          ...(hasMid ? [fmt(m.ratio_to_mid)] : []),
          fmt(m.large_wall_s, 1),
          mark(m.ratio === null ? null : m.ratio <= 1.1),
        ]),
      ),
    );
    out.push('');
  }
  if (r.targets.length) {
    out.push('### Targets');
    out.push('');
    out.push(table(['target', 'measured', 'limit', 'met'], r.targets.map((t) => [t.target, t.measured, t.limit, mark(t.pass)])));
    out.push('');
  }
  if (r.notes.length) {
    out.push('Notes:');
    for (const n of r.notes) out.push(`- ${n}`);
    out.push('');
  }
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (!hasGnuTime()) throw new Error('GNU time (/usr/bin/time with -f) is required: apt-get install time');
  if (!existsSync(join(ROOT, 'dist/src/cli/main.js'))) throw new Error('not built: run `npm run build` (npm run bench does)');
  if (!existsSync(ELEC)) throw new Error(`${ELEC} not found: the bench reads ../shared/datasets/elec.csv`);
  const tmp = mkdtempSync(join(os.tmpdir(), 'inc-learn-bench-'));
  const cleanup = (): void => rmSync(tmp, { recursive: true, force: true });
  process.on('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.on(sig, () => {
      cleanup();
      process.exit(130);
    });
  snapshot(tmp);
  const rev = revision();
  const machine = describeMachine(PYTHON);
  log(`inc-learn bench: ${machineLine(machine)}`);
  log(`sections: ${[...opts.sections].join(', ')}; ${opts.runs} run(s); stream ${opts.streamRows} rows; temp ${tmp}`);

  const { prepared, items: genItems } = await prepare(opts, tmp);
  const notes = [...prepared.notes];
  const start = opts.sections.has('startup') ? startup(opts) : [];
  const fast = opts.sections.has('parse') || opts.sections.has('linear') ? fastItems(opts, prepared) : [];
  await runRoundRobin(fast, tmp);
  const learnerRows = opts.sections.has('learners') ? learnerItems(opts, prepared) : [];
  await runRoundRobin(learnerRows, tmp);
  const mlp = opts.sections.has('mlp') ? mlpItems(opts, prepared) : [];
  await runRoundRobin(mlp, tmp);
  const trees = opts.sections.has('trees') ? treeItems(opts, prepared) : [];
  await runRoundRobin(trees, tmp);
  if (opts.sections.has('mlp')) notes.push('The MLP rows run on elec.csv only (45,312 rows): on the 2M stream the slow backends would take many minutes.');
  const mem = opts.sections.has('memory') ? await memory(opts, tmp) : null;

  const items = summarize([...genItems, ...fast, ...learnerRows, ...mlp, ...trees]);
  const report: Report = {
    machine,
    revision: rev,
    mode: { quick: opts.quick, runs: opts.runs, stream_rows: opts.streamRows, sections: [...opts.sections], memory_rows: mem ? opts.memoryRows : null },
    items,
    startup: start,
    memory: mem,
    targets: targets(items, prepared.streamId, start, mem, opts),
    notes,
  };
  const md = markdown(report);
  const resultsDir = join(ROOT, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'latest.json'), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(join(resultsDir, 'latest.md'), md);
  if (opts.baseline) writeFileSync(join(ROOT, 'bench/baseline.json'), JSON.stringify(report, null, 2) + '\n');
  log(`wrote ${rel(join(resultsDir, 'latest.json'))}${opts.baseline ? ' and bench/baseline.json' : ''}`);
  if (opts.json) {
    process.stderr.write(md + '\n');
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } else process.stdout.write(md + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
