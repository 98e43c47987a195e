/**
 * Synthetic streams with known structure, from the literature River and MOA use. They give the
 * project data of its own: the bundled datasets, test inputs and the benchmark's long streams.
 * Every draw comes from the seeded Random, so a seed fixes the stream.
 */
import { Random } from '../util/random.js';

export interface StreamSpec {
  /** Column names, target last. */
  columns: string[];
  /** Writes row i into `out` as cell texts. */
  row(i: number, out: string[]): void;
}

export interface GeneratorOptions {
  rows: number;
  seed: number;
  /** Fraction of labels flipped (classification) or noise sd (regression). */
  noise: number;
  /**
   * Numbers printed with the shortest digits that give back the same double (up to 17 significant
   * digits, as Python and JavaScript print them) instead of a few fixed decimals.
   */
  fullPrecision?: boolean;
}

/** The text of a generated number: `decimals` fixed decimals, or every digit the double has. */
function numberText(decimals: number, fullPrecision: boolean | undefined): (x: number) => string {
  return fullPrecision ? String : (x) => x.toFixed(decimals);
}

/**
 * SEA concepts (Street & Kim, 2001): three attributes uniform in [0, 10], label 1 when
 * attrib1 + attrib2 <= theta. Theta moves through 8, 9, 7, 9.5 in four equal blocks: sudden drift.
 */
export function sea({ rows, seed, noise, fullPrecision }: GeneratorOptions): StreamSpec {
  const random = new Random(seed);
  const text = numberText(6, fullPrecision);
  const thetas = [8, 9, 7, 9.5];
  return {
    columns: ['attrib1', 'attrib2', 'attrib3', 'class'],
    row(i, out) {
      const a = random.next() * 10;
      const b = random.next() * 10;
      const c = random.next() * 10;
      const theta = thetas[Math.min(3, Math.floor((i * 4) / rows))]!;
      let label = a + b <= theta ? 1 : 0;
      if (random.next() < noise) label = 1 - label;
      out[0] = text(a);
      out[1] = text(b);
      out[2] = text(c);
      out[3] = String(label);
    },
  };
}

/**
 * STAGGER concepts (Schlimmer & Granger, 1986): categorical size, color and shape; the concept
 * switches at each third of the stream: (small and red), (green or circle), (medium or large).
 * A numeric "weight" with some missing values rides along, loosely tied to size.
 */
export function stagger({ rows, seed, noise, fullPrecision }: GeneratorOptions): StreamSpec {
  const random = new Random(seed);
  const text = numberText(3, fullPrecision);
  const sizes = ['small', 'medium', 'large'];
  const colors = ['red', 'green', 'blue'];
  const shapes = ['square', 'circle', 'triangle'];
  const concepts = [
    (s: number, c: number) => s === 0 && c === 0,
    (_s: number, c: number, h: number) => c === 1 || h === 1,
    (s: number) => s === 1 || s === 2,
  ];
  return {
    columns: ['size', 'color', 'shape', 'weight', 'label'],
    row(i, out) {
      const s = random.int(3);
      const c = random.int(3);
      const h = random.int(3);
      const concept = concepts[Math.min(2, Math.floor((i * 3) / rows))]!;
      let positive = concept(s, c, h);
      if (random.next() < noise) positive = !positive;
      out[0] = sizes[s]!;
      out[1] = colors[c]!;
      out[2] = shapes[h]!;
      out[3] = random.next() < 0.05 ? '' : text(1 + s + random.normal() * 0.3);
      out[4] = positive ? 'yes' : 'no';
    },
  };
}

/**
 * Friedman #1 regression (Friedman, 1991): ten features uniform in [0, 1], of which five matter:
 * y = 10 sin(pi x1 x2) + 20 (x3 - 0.5)^2 + 10 x4 + 5 x5 + noise.
 */
export function friedman({ seed, noise, fullPrecision }: GeneratorOptions): StreamSpec {
  const random = new Random(seed);
  const text = numberText(5, fullPrecision);
  const x = new Float64Array(10);
  return {
    columns: [...Array.from({ length: 10 }, (_, j) => `x${j + 1}`), 'y'],
    row(_i, out) {
      for (let j = 0; j < 10; j++) x[j] = random.next();
      const y = 10 * Math.sin(Math.PI * x[0]! * x[1]!) + 20 * (x[2]! - 0.5) ** 2 + 10 * x[3]! + 5 * x[4]! + noise * random.normal();
      for (let j = 0; j < 10; j++) out[j] = text(x[j]!);
      out[10] = text(y);
    },
  };
}

/**
 * Rotating hyperplane (Hulten et al., 2001) with three classes: five features uniform in [0, 1]; the
 * class is the band that the weighted mean w·x / sum(w) falls in (each about a third of the rows),
 * and w drifts a little every row.
 */
export function hyperplane({ seed, noise, fullPrecision }: GeneratorOptions): StreamSpec {
  const dims = 5;
  const random = new Random(seed);
  const text = numberText(5, fullPrecision);
  const w = Float64Array.from({ length: dims }, () => 0.5 + random.next() / 2);
  const x = new Float64Array(dims);
  return {
    columns: [...Array.from({ length: dims }, (_, j) => `f${j + 1}`), 'class'],
    row(_i, out) {
      let z = 0;
      let total = 0;
      for (let j = 0; j < dims; j++) {
        x[j] = random.next();
        z += w[j]! * x[j]!;
        total += w[j]!;
        w[j] = Math.min(1, Math.max(0.1, w[j]! + (random.next() - 0.5) * 0.002));
      }
      const score = z / total;
      let label = score < 0.445 ? 0 : score < 0.555 ? 1 : 2;
      if (random.next() < noise) label = random.int(3);
      for (let j = 0; j < dims; j++) out[j] = text(x[j]!);
      out[dims] = `c${label}`;
    },
  };
}

export const GENERATORS = { sea, stagger, friedman, hyperplane } as const;
export type GeneratorName = keyof typeof GENERATORS;

/** What each generator writes, for `generate --help`; `noise` says what --noise means for it. */
export const GENERATOR_INFO: Record<GeneratorName, { task: string; columns: string; drift: string; noise: 'fraction' | 'sd' }> = {
  sea: {
    task: 'binary classification',
    columns: 'attrib1, attrib2, attrib3 numeric in [0, 10]; class 0/1 = attrib1 + attrib2 <= theta (attrib3 is noise)',
    drift: 'sudden: theta is 8, 9, 7, 9.5 in the four quarters of --rows (Street & Kim, 2001)',
    noise: 'fraction',
  },
  stagger: {
    task: 'binary classification',
    columns: 'size, color, shape categorical; weight numeric, 5% missing; label yes/no',
    drift: 'sudden: the concept changes at each third of --rows (Schlimmer & Granger, 1986)',
    noise: 'fraction',
  },
  friedman: {
    task: 'regression',
    columns: 'x1..x10 numeric in [0, 1]; y = 10 sin(pi x1 x2) + 20 (x3 - 0.5)^2 + 10 x4 + 5 x5 + noise (x6..x10 unused)',
    drift: 'none: a stationary stream (Friedman, 1991)',
    noise: 'sd',
  },
  hyperplane: {
    task: '3-class classification',
    columns: 'f1..f5 numeric in [0, 1]; class c0, c1, c2: the band of the weighted mean of the features',
    drift: 'gradual: the weights move a little every row (Hulten et al., 2001)',
    noise: 'fraction',
  },
};

/** Writes a stream as CSV or JSONL, in chunks, honouring backpressure. */
export async function writeStream(spec: StreamSpec, rows: number, format: 'csv' | 'jsonl', out: NodeJS.WritableStream): Promise<void> {
  const cells: string[] = new Array<string>(spec.columns.length).fill('');
  let chunk = format === 'csv' ? spec.columns.join(',') + '\n' : '';
  const keys = spec.columns.map((c) => JSON.stringify(c));
  for (let i = 0; i < rows; i++) {
    spec.row(i, cells);
    if (format === 'csv') chunk += cells.join(',') + '\n';
    else chunk += '{' + cells.map((v, j) => `${keys[j]}:${jsonValue(v)}`).join(',') + '}\n';
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve));
      chunk = '';
    }
  }
  if (chunk) out.write(chunk);
}

function jsonValue(cell: string): string {
  if (cell === '') return 'null';
  return /^-?\d+(\.\d+)?$/.test(cell) ? cell : JSON.stringify(cell);
}
