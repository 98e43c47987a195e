/**
 * Synthetic streams with known structure, from the literature River and MOA use. They give the
 * project data of its own: the bundled datasets, test inputs, the benchmark's long streams, and
 * streams with drift placed on purpose (src/synth/drift.ts) to study learners and drift detectors.
 * Every draw comes from the seeded Random, so a seed fixes the stream.
 */
import { UsageError } from '../errors.js';
import { Random } from '../util/random.js';
import { ConceptSchedule, type DriftPlan } from './drift.js';

export interface StreamSpec {
  /** Column names: the features, the target, then `concept` when asked for. */
  columns: string[];
  /** Writes row i into `out` as cell texts. Rows are asked for in order, from 0. */
  row(i: number, out: string[]): void;
}

export interface GeneratorOptions {
  rows: number;
  seed: number;
  /** Fraction of labels flipped (classification), segments flipped (led) or noise sd (regression). */
  noise: number;
  /**
   * Numbers printed with the shortest digits that give back the same double (up to 17 significant
   * digits, as Python and JavaScript print them) instead of a few fixed decimals.
   */
  fullPrecision?: boolean;
  /** Concept ids in stream order (--concepts); the generator's own order when absent. */
  concepts?: number[];
  /** Drift centres (--drift-at); equal blocks when absent. */
  driftAt?: number[];
  /** Drift widths (--drift-width): one for all, or one per drift; 0 when absent. */
  driftWidth?: number[];
  /** Adds a last column `concept` with the concept each row was drawn from. */
  conceptColumn?: boolean;
  /** rbf, random-tree: classes (default 2). */
  classes?: number;
  /** rbf: centroids (default 50). */
  centroids?: number;
  /** rbf: distance each centroid moves per row (default 0). */
  speed?: number;
}

/** A stream family: its columns and how to draw one row under each of its concepts. */
interface Family {
  /** Features, then the target. */
  columns: string[];
  /** Writes a row drawn under `concept` (1-based) into `out`; `i` is the row's index. */
  row(concept: number, i: number, out: string[]): void;
}

interface Generator {
  /** For --help: the task, the columns, the drift without options, the concepts to choose from. */
  task: string;
  columns: string;
  drift: string;
  conceptText: string;
  /** What --noise means. */
  noise: 'labels' | 'segments' | 'sd';
  /** Number of concept functions (1 for a stream without concepts). */
  concepts: number;
  /** Concepts used when --concepts is absent, in equal blocks. */
  defaultConcepts: number[];
  /** The generator-specific options it takes. */
  options: readonly ('classes' | 'centroids' | 'speed')[];
  make(options: GeneratorOptions): Family;
}

/** The text of a generated number: `decimals` fixed decimals, or every digit the double has. */
function numberText(decimals: number, fullPrecision: boolean | undefined): (x: number) => string {
  return fullPrecision ? String : (x) => x.toFixed(decimals);
}

/** The value a printed number reads back as, so that labels follow the file's numbers exactly. */
function printed(decimals: number, fullPrecision: boolean | undefined): (x: number) => number {
  return fullPrecision ? (x) => x : (x) => Number(x.toFixed(decimals));
}

/** A seed of its own for concept k's model (rbf centroids, random-tree trees). */
function conceptSeed(seed: number, concept: number): number {
  return (Math.imul(seed ^ 0x2545f491, 0x9e3779b1) + Math.imul(concept, 0x632be5ab)) >>> 0;
}

/**
 * SEA concepts (Street & Kim, 2001): three attributes uniform in [0, 10], label 1 when
 * attrib1 + attrib2 <= theta; concepts 1-4 are theta = 8, 9, 7, 9.5.
 */
const SEA_THETAS = [8, 9, 7, 9.5];
function sea({ seed, noise, fullPrecision }: GeneratorOptions): Family {
  const random = new Random(seed);
  const text = numberText(6, fullPrecision);
  return {
    columns: ['attrib1', 'attrib2', 'attrib3', 'class'],
    row(concept, _i, out) {
      const a = random.next() * 10;
      const b = random.next() * 10;
      const c = random.next() * 10;
      let label = a + b <= SEA_THETAS[concept - 1]! ? 1 : 0;
      if (random.next() < noise) label = 1 - label;
      out[0] = text(a);
      out[1] = text(b);
      out[2] = text(c);
      out[3] = String(label);
    },
  };
}

/**
 * STAGGER concepts (Schlimmer & Granger, 1986): categorical size, color and shape; concepts
 * (small and red), (green or circle), (medium or large). A numeric "weight" with some missing
 * values rides along, loosely tied to size.
 */
function stagger({ seed, noise, fullPrecision }: GeneratorOptions): Family {
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
    row(concept, _i, out) {
      const s = random.int(3);
      const c = random.int(3);
      const h = random.int(3);
      let positive = concepts[concept - 1]!(s, c, h);
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
function friedman({ seed, noise, fullPrecision }: GeneratorOptions): Family {
  const random = new Random(seed);
  const text = numberText(5, fullPrecision);
  const x = new Float64Array(10);
  return {
    columns: [...Array.from({ length: 10 }, (_, j) => `x${j + 1}`), 'y'],
    row(_concept, _i, out) {
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
function hyperplane({ seed, noise, fullPrecision }: GeneratorOptions): Family {
  const dims = 5;
  const random = new Random(seed);
  const text = numberText(5, fullPrecision);
  const w = Float64Array.from({ length: dims }, () => 0.5 + random.next() / 2);
  const x = new Float64Array(dims);
  return {
    columns: [...Array.from({ length: dims }, (_, j) => `f${j + 1}`), 'class'],
    row(_concept, _i, out) {
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

/** The attributes of one Agrawal row, as printed. */
export interface AgrawalRow {
  salary: number;
  commission: number;
  age: number;
  elevel: number;
  car: number;
  zipcode: number;
  hvalue: number;
  hyears: number;
  loan: number;
}

const between = (x: number, lo: number, hi: number): boolean => lo <= x && x <= hi;
/** The age band's choice: under 40, 40 to 59, 60 and over. */
const byAge = <T>(age: number, young: T, middle: T, old: T): T => (age < 40 ? young : age < 60 ? middle : old);
const disposable = (r: AgrawalRow): number => (2 * (r.salary + r.commission)) / 3;

/**
 * The ten classification functions of Agrawal, Imielinski & Swami (1993), "Database Mining: A
 * Performance Perspective", IEEE TKDE 5(6): true means group A. As the paper states them (and MOA's
 * AgrawalGenerator), including function 5's loan bands.
 */
export const AGRAWAL_FUNCTIONS: readonly ((r: AgrawalRow) => boolean)[] = [
  (r) => r.age < 40 || r.age >= 60,
  (r) => byAge(r.age, between(r.salary, 50000, 100000), between(r.salary, 75000, 125000), between(r.salary, 25000, 75000)),
  (r) => byAge(r.age, r.elevel <= 1, r.elevel >= 1 && r.elevel <= 3, r.elevel >= 2),
  (r) =>
    byAge(
      r.age,
      r.elevel <= 1 ? between(r.salary, 25000, 75000) : between(r.salary, 50000, 100000),
      r.elevel >= 1 && r.elevel <= 3 ? between(r.salary, 50000, 100000) : between(r.salary, 75000, 125000),
      r.elevel >= 2 ? between(r.salary, 50000, 100000) : between(r.salary, 25000, 75000),
    ),
  (r) =>
    byAge(
      r.age,
      between(r.salary, 50000, 100000) ? between(r.loan, 100000, 300000) : between(r.loan, 200000, 400000),
      between(r.salary, 75000, 125000) ? between(r.loan, 200000, 400000) : between(r.loan, 300000, 500000),
      between(r.salary, 25000, 75000) ? between(r.loan, 300000, 500000) : between(r.loan, 100000, 300000),
    ),
  (r) => {
    const total = r.salary + r.commission;
    return byAge(r.age, between(total, 50000, 100000), between(total, 75000, 125000), between(total, 25000, 75000));
  },
  (r) => disposable(r) - r.loan / 5 - 20000 > 0,
  (r) => disposable(r) - 5000 * r.elevel - 20000 > 0,
  (r) => disposable(r) - 5000 * r.elevel - r.loan / 5 - 10000 > 0,
  (r) => {
    const equity = r.hyears < 20 ? 0 : (r.hvalue * (r.hyears - 20)) / 10;
    return disposable(r) - 5000 * r.elevel + equity / 5 - 10000 > 0;
  },
];

/**
 * Agrawal et al. (1993): people applying for a loan. salary U[20k, 150k]; commission 0 when salary
 * >= 75k, else U[10k, 75k]; age 20..80; elevel level0..level4; car car1..car20; zipcode zip0..zip8;
 * hvalue (9 - zipcode) * 100k * U[0.5, 1.5]; hyears 1..30; loan U[0, 500k]. Class groupA when the
 * concept's function holds, else groupB.
 */
function agrawal({ seed, noise, fullPrecision }: GeneratorOptions): Family {
  const random = new Random(seed);
  const text = numberText(2, fullPrecision);
  const read = printed(2, fullPrecision);
  const r: AgrawalRow = { salary: 0, commission: 0, age: 0, elevel: 0, car: 0, zipcode: 0, hvalue: 0, hyears: 0, loan: 0 };
  return {
    columns: ['salary', 'commission', 'age', 'elevel', 'car', 'zipcode', 'hvalue', 'hyears', 'loan', 'class'],
    row(concept, _i, out) {
      r.salary = read(20000 + 130000 * random.next());
      r.commission = r.salary >= 75000 ? 0 : read(10000 + 65000 * random.next());
      r.age = 20 + random.int(61);
      r.elevel = random.int(5);
      r.car = 1 + random.int(20);
      r.zipcode = random.int(9);
      r.hvalue = read((9 - r.zipcode) * 100000 * (0.5 + random.next()));
      r.hyears = 1 + random.int(30);
      r.loan = read(500000 * random.next());
      let groupA = AGRAWAL_FUNCTIONS[concept - 1]!(r);
      if (random.next() < noise) groupA = !groupA;
      out[0] = text(r.salary);
      out[1] = text(r.commission);
      out[2] = String(r.age);
      out[3] = `level${r.elevel}`;
      out[4] = `car${r.car}`;
      out[5] = `zip${r.zipcode}`;
      out[6] = text(r.hvalue);
      out[7] = String(r.hyears);
      out[8] = text(r.loan);
      out[9] = groupA ? 'groupA' : 'groupB';
    },
  };
}

/**
 * SINE (Gama et al., 2004, "Learning with drift detection"): x, y uniform in [0, 1]; concepts
 * 1: y < sin(x) is class 1, 2: the reverse, 3: y < 0.5 + 0.3 sin(3 pi x), 4: the reverse.
 */
function sine({ seed, noise, fullPrecision }: GeneratorOptions): Family {
  const random = new Random(seed);
  const text = numberText(6, fullPrecision);
  const read = printed(6, fullPrecision);
  return {
    columns: ['x', 'y', 'class'],
    row(concept, _i, out) {
      const x = read(random.next());
      const y = read(random.next());
      const below = concept <= 2 ? y < Math.sin(x) : y < 0.5 + 0.3 * Math.sin(3 * Math.PI * x);
      let label = below === (concept % 2 === 1) ? 1 : 0;
      if (random.next() < noise) label = 1 - label;
      out[0] = text(x);
      out[1] = text(y);
      out[2] = String(label);
    },
  };
}

/**
 * MIXED (Gama et al., 2004): booleans v, w (0/1) and x, y uniform in [0, 1]; class 1 when at least
 * two of v, w and y < 0.5 + 0.3 sin(3 pi x) hold (concept 1), the reverse (concept 2).
 */
function mixed({ seed, noise, fullPrecision }: GeneratorOptions): Family {
  const random = new Random(seed);
  const text = numberText(6, fullPrecision);
  const read = printed(6, fullPrecision);
  return {
    columns: ['v', 'w', 'x', 'y', 'class'],
    row(concept, _i, out) {
      const v = random.int(2);
      const w = random.int(2);
      const x = read(random.next());
      const y = read(random.next());
      const z = y < 0.5 + 0.3 * Math.sin(3 * Math.PI * x) ? 1 : 0;
      let label = v + w + z >= 2 === (concept === 1) ? 1 : 0;
      if (random.next() < noise) label = 1 - label;
      out[0] = String(v);
      out[1] = String(w);
      out[2] = text(x);
      out[3] = text(y);
      out[4] = String(label);
    },
  };
}

/** The lit segments of each digit: top, top left, top right, middle, bottom left, bottom right, bottom. */
export const LED_SEGMENTS: readonly (readonly number[])[] = [
  [1, 1, 1, 0, 1, 1, 1],
  [0, 0, 1, 0, 0, 1, 0],
  [1, 0, 1, 1, 1, 0, 1],
  [1, 0, 1, 1, 0, 1, 1],
  [0, 1, 1, 1, 0, 1, 0],
  [1, 1, 0, 1, 0, 1, 1],
  [1, 1, 0, 1, 1, 1, 1],
  [1, 0, 1, 0, 0, 1, 0],
  [1, 1, 1, 1, 1, 1, 1],
  [1, 1, 1, 1, 0, 1, 1],
];
const LED_ATTRIBUTES = 24;

/**
 * LED display (Breiman et al., 1984, CART): the digit 0-9 (uniform) as seven segments, each flipped
 * with probability --noise, among 24 binary attributes a1..a24; the other 17 are random bits.
 * Concept k (1-3) puts the seven segments at a(7k-6)..a(7k), as MOA's LEDGeneratorDrift moves the
 * relevant attributes.
 */
function led({ seed, noise }: GeneratorOptions): Family {
  const random = new Random(seed);
  return {
    columns: [...Array.from({ length: LED_ATTRIBUTES }, (_, j) => `a${j + 1}`), 'class'],
    row(concept, _i, out) {
      const digit = random.int(10);
      const first = 7 * (concept - 1);
      for (let j = 0; j < LED_ATTRIBUTES; j++) {
        const segment = j - first;
        const bit = segment >= 0 && segment < 7 ? LED_SEGMENTS[digit]![segment]! ^ (random.next() < noise ? 1 : 0) : random.int(2);
        out[j] = bit === 1 ? '1' : '0';
      }
      out[LED_ATTRIBUTES] = String(digit);
    },
  };
}

/** Labels c0, c1, ...; with probability `noise` a label drawn uniformly instead. */
function noisyClass(random: Random, label: number, classes: number, noise: number): string {
  return `c${random.next() < noise ? random.int(classes) : label}`;
}

/**
 * Random RBF (MOA's RandomRBFGenerator and RandomRBFGeneratorDrift): 10 features; a row picks one
 * of --centroids centroids (uniformly; centroid j has class j mod --classes, so the classes are
 * balanced), and lies at a Gaussian distance (sd drawn per centroid in [0, 1)) from its centre in a
 * random direction. Each concept is its own set of centroids. With --speed s every centroid moves s
 * per row along its own random direction, bouncing off the unit cube: incremental drift.
 */
function rbf({ seed, noise, fullPrecision, classes = 2, centroids = 50, speed = 0 }: GeneratorOptions): Family {
  const dims = 10;
  const random = new Random(seed);
  const text = numberText(6, fullPrecision);
  const models = new Map<number, { centre: Float64Array; sd: Float64Array; velocity: Float64Array }>();
  const model = (concept: number) => {
    let m = models.get(concept);
    if (m === undefined) {
      const r = new Random(conceptSeed(seed, concept));
      const centre = Float64Array.from({ length: centroids * dims }, () => r.next());
      const sd = Float64Array.from({ length: centroids }, () => r.next());
      const velocity = new Float64Array(centroids * dims);
      for (let c = 0; c < centroids; c++) {
        let norm = 0;
        for (let d = 0; d < dims; d++) norm += (velocity[c * dims + d] = r.normal()) ** 2;
        for (let d = 0; d < dims; d++) velocity[c * dims + d]! *= speed / Math.sqrt(norm);
      }
      m = { centre, sd, velocity };
      models.set(concept, m);
    }
    return m;
  };
  const direction = new Float64Array(dims);
  return {
    columns: [...Array.from({ length: dims }, (_, j) => `x${j + 1}`), 'class'],
    row(concept, _i, out) {
      const { centre, sd, velocity } = model(concept);
      const c = random.int(centroids);
      let norm = 0;
      for (let d = 0; d < dims; d++) norm += (direction[d] = random.normal()) ** 2;
      const length = (random.normal() * sd[c]!) / Math.sqrt(norm);
      for (let d = 0; d < dims; d++) out[d] = text(centre[c * dims + d]! + direction[d]! * length);
      out[dims] = noisyClass(random, c % classes, classes, noise);
      if (speed === 0) return;
      for (let k = 0; k < centre.length; k++) {
        let x = centre[k]! + velocity[k]!;
        if (x < 0 || x > 1) {
          velocity[k] = -velocity[k]!;
          x = x < 0 ? -x : 2 - x;
        }
        centre[k] = x;
      }
    },
  };
}

/** A node of a random tree: a leaf's class, or an attribute and its children. */
type TreeNode = { leaf: number } | { attribute: number; split: number; children: TreeNode[] };

const TREE = { nominals: 5, numerics: 5, values: 5, maxDepth: 5, firstLeafLevel: 3, leafFraction: 0.15 };

/**
 * Random tree (Domingos & Hulten, 2000; MOA's RandomTreeGenerator with its defaults): 5 nominal
 * attributes n1..n5 (values v0..v4) and 5 numeric x1..x5 in [0, 1], uniform; the class is the leaf
 * of a random tree of depth 3 to 5 (a node at depth 3 or more is a leaf with probability 0.15; a
 * nominal attribute splits once per path; a numeric one at a point inside its range on the path).
 * Each concept is its own tree.
 */
function randomTree({ seed, noise, fullPrecision, classes = 2 }: GeneratorOptions): Family {
  const random = new Random(seed);
  const text = numberText(6, fullPrecision);
  const trees = new Map<number, TreeNode>();
  const grow = (r: Random, depth: number, used: boolean[], lo: number[], hi: number[]): TreeNode => {
    const free = used.flatMap((u, a) => (u ? [] : [a]));
    if (depth >= TREE.maxDepth || (depth >= TREE.firstLeafLevel && r.next() < TREE.leafFraction)) return { leaf: r.int(classes) };
    const candidates = [...free, ...Array.from({ length: TREE.numerics }, (_, j) => TREE.nominals + j)];
    const attribute = candidates[r.int(candidates.length)]!;
    if (attribute < TREE.nominals) {
      const path = used.map((u, a) => u || a === attribute);
      return { attribute, split: 0, children: Array.from({ length: TREE.values }, () => grow(r, depth + 1, path, lo, hi)) };
    }
    const j = attribute - TREE.nominals;
    const split = lo[j]! + r.next() * (hi[j]! - lo[j]!);
    const below = hi.map((h, k) => (k === j ? split : h));
    const above = lo.map((l, k) => (k === j ? split : l));
    return { attribute, split, children: [grow(r, depth + 1, used, lo, below), grow(r, depth + 1, used, above, hi)] };
  };
  const tree = (concept: number): TreeNode => {
    let t = trees.get(concept);
    if (t === undefined) {
      t = grow(new Random(conceptSeed(seed, concept)), 0, new Array<boolean>(TREE.nominals).fill(false), new Array<number>(TREE.numerics).fill(0), new Array<number>(TREE.numerics).fill(1));
      trees.set(concept, t);
    }
    return t;
  };
  const read = printed(6, fullPrecision);
  const x = new Float64Array(TREE.nominals + TREE.numerics);
  return {
    columns: [...Array.from({ length: TREE.nominals }, (_, j) => `n${j + 1}`), ...Array.from({ length: TREE.numerics }, (_, j) => `x${j + 1}`), 'class'],
    row(concept, _i, out) {
      for (let a = 0; a < TREE.nominals; a++) out[a] = `v${(x[a] = random.int(TREE.values))}`;
      for (let a = TREE.nominals; a < x.length; a++) out[a] = text((x[a] = read(random.next())));
      let node = tree(concept);
      while (!('leaf' in node)) node = node.children[node.attribute < TREE.nominals ? x[node.attribute]! : x[node.attribute]! < node.split ? 0 : 1]!;
      out[x.length] = noisyClass(random, node.leaf, classes, noise);
    },
  };
}

export const GENERATORS = {
  sea: {
    task: 'binary classification',
    columns: 'attrib1, attrib2, attrib3 numeric in [0, 10]; class 0/1 = attrib1 + attrib2 <= theta (attrib3 is noise)',
    drift: 'sudden: theta is 8, 9, 7, 9.5 in the four quarters of --rows (Street & Kim, 2001)',
    conceptText: '1-4: theta 8, 9, 7, 9.5',
    noise: 'labels',
    concepts: 4,
    defaultConcepts: [1, 2, 3, 4],
    options: [],
    make: sea,
  },
  stagger: {
    task: 'binary classification',
    columns: 'size, color, shape categorical; weight numeric, 5% missing; label yes/no',
    drift: 'sudden: the concept changes at each third of --rows (Schlimmer & Granger, 1986)',
    conceptText: '1: small and red, 2: green or circle, 3: medium or large',
    noise: 'labels',
    concepts: 3,
    defaultConcepts: [1, 2, 3],
    options: [],
    make: stagger,
  },
  agrawal: {
    task: 'binary classification',
    columns: 'salary, commission, age, hvalue, hyears, loan numeric; elevel, car, zipcode categorical; class groupA/groupB',
    drift: 'none unless asked (Agrawal, Imielinski & Swami, 1993)',
    conceptText: "1-10: the paper's ten loan functions (default 1)",
    noise: 'labels',
    concepts: 10,
    defaultConcepts: [1],
    options: [],
    make: agrawal,
  },
  sine: {
    task: 'binary classification',
    columns: 'x, y numeric in [0, 1]; class 0/1',
    drift: 'none unless asked (Gama et al., 2004)',
    conceptText: '1: class 1 when y < sin(x), 2: reversed, 3: y < 0.5 + 0.3 sin(3 pi x), 4: reversed (default 1)',
    noise: 'labels',
    concepts: 4,
    defaultConcepts: [1],
    options: [],
    make: sine,
  },
  mixed: {
    task: 'binary classification',
    columns: 'v, w 0/1; x, y numeric in [0, 1]; class 0/1',
    drift: 'none unless asked (Gama et al., 2004)',
    conceptText: '1: class 1 when two of v, w, y < 0.5 + 0.3 sin(3 pi x) hold, 2: reversed (default 1)',
    noise: 'labels',
    concepts: 2,
    defaultConcepts: [1],
    options: [],
    make: mixed,
  },
  led: {
    task: '10-class classification',
    columns: 'a1..a24 0/1: the 7 segments of the digit among 17 random bits; class 0-9',
    drift: 'none unless asked (Breiman et al., 1984)',
    conceptText: 'k = 1-3: the segments are a(7k-6)..a(7k) (default 1)',
    noise: 'segments',
    concepts: 3,
    defaultConcepts: [1],
    options: [],
    make: led,
  },
  rbf: {
    task: 'classification, --classes classes (2)',
    columns: 'x1..x10 numeric around --centroids centroids (50); class c0, c1, ...',
    drift: 'incremental with --speed: every centroid moves that far per row (MOA RandomRBFGeneratorDrift)',
    conceptText: 'each concept id (1-1000) draws its own centroids (default 1)',
    noise: 'labels',
    concepts: 1000,
    defaultConcepts: [1],
    options: ['classes', 'centroids', 'speed'],
    make: rbf,
  },
  'random-tree': {
    task: 'classification, --classes classes (2)',
    columns: 'n1..n5 categorical (v0..v4), x1..x5 numeric in [0, 1]; class c0, c1, ...: the leaf of a random tree',
    drift: 'none unless asked (Domingos & Hulten, 2000)',
    conceptText: 'each concept id (1-1000) grows its own tree (default 1)',
    noise: 'labels',
    concepts: 1000,
    defaultConcepts: [1],
    options: ['classes'],
    make: randomTree,
  },
  friedman: {
    task: 'regression',
    columns: 'x1..x10 numeric in [0, 1]; y = 10 sin(pi x1 x2) + 20 (x3 - 0.5)^2 + 10 x4 + 5 x5 + noise (x6..x10 unused)',
    drift: 'none: a stationary stream (Friedman, 1991)',
    conceptText: '',
    noise: 'sd',
    concepts: 1,
    defaultConcepts: [1],
    options: [],
    make: friedman,
  },
  hyperplane: {
    task: '3-class classification',
    columns: 'f1..f5 numeric in [0, 1]; class c0, c1, c2: the band of the weighted mean of the features',
    drift: 'gradual: the weights move a little every row (Hulten et al., 2001)',
    conceptText: '',
    noise: 'labels',
    concepts: 1,
    defaultConcepts: [1],
    options: [],
    make: hyperplane,
  },
} as const satisfies Record<string, Generator>;
export type GeneratorName = keyof typeof GENERATORS;

const NOISE_TEXT = { labels: 'the fraction of labels flipped', segments: 'the probability that each segment is flipped', sd: 'the sd of Gaussian noise on y' } as const;

/** The generators' task, columns, drift and concepts, and drift examples, for `generate --help`. */
export function generatorHelp(): string {
  const entries = Object.entries(GENERATORS).map(([name, g]: [string, Generator]) =>
    [`  ${name}`, `    ${g.task}; --noise is ${NOISE_TEXT[g.noise]}`, `    columns: ${g.columns}`, `    drift: ${g.drift}`, ...(g.conceptText ? [`    concepts: ${g.conceptText}`] : [])].join('\n'),
  );
  return [
    '',
    'Generators (the target is the last column, or the one before `concept`; docs/generators.md):',
    ...entries,
    '',
    'Concept drift where you want it (as MOA ConceptDriftStream):',
    '  --concepts 1,3,1 --drift-at 4000,8000    concept 1, then 3 from row 4000, then 1 again from row 8000',
    '  --drift-width 500                        each drift spread over about 500 rows (a sigmoid); 0 = abrupt',
    '  --concept-column                         a last column with the concept of each row (train --ignore concept)',
  ].join('\n');
}

/** Checks --noise against what it means for the generator. */
export function checkNoise(name: GeneratorName, noise: number): void {
  if (GENERATORS[name].noise !== 'sd' && noise > 1) throw new UsageError(`--noise for ${name} is ${NOISE_TEXT[GENERATORS[name].noise]}, from 0 to 1; got ${noise}`);
}

/** The drift plan the options ask for, checked against the generator and the row count. */
function driftPlan(name: GeneratorName, o: GeneratorOptions): DriftPlan {
  const g: Generator = GENERATORS[name];
  if (g.concepts === 1 && (o.concepts !== undefined || o.driftAt !== undefined)) throw new UsageError(`--concepts, --drift-at: ${name} has no concepts to choose from`);
  const concepts = o.concepts ?? g.defaultConcepts;
  const wrong = concepts.find((c) => !Number.isInteger(c) || c < 1 || c > g.concepts);
  if (wrong !== undefined) throw new UsageError(`--concepts: ${name} has concepts 1 to ${g.concepts}; got ${wrong}`);
  const drifts = concepts.length - 1;
  const at = o.driftAt ?? Array.from({ length: drifts }, (_, k) => Math.ceil(((k + 1) * o.rows) / concepts.length));
  if (at.length !== drifts) throw new UsageError(`--drift-at gives ${at.length} position(s) for ${concepts.length} concepts (${concepts.join(',')}): it needs ${drifts}`);
  at.forEach((p, k) => {
    if (k > 0 && p <= at[k - 1]!) throw new UsageError(`--drift-at positions must increase; got ${at.join(',')}`);
    if (p >= o.rows) throw new UsageError(`--drift-at ${p} is not before the end of the stream (--rows ${o.rows})`);
  });
  const widths = o.driftWidth ?? [0];
  if (widths.length !== 1 && widths.length !== drifts) throw new UsageError(`--drift-width gives ${widths.length} widths for ${drifts} drift(s): give one, or one per drift`);
  if (drifts === 0 && o.driftWidth !== undefined) throw new UsageError(`--drift-width: the stream has no drift (give --concepts with two or more)`);
  return { concepts, at, width: at.map((_, k) => widths[widths.length === 1 ? 0 : k]!) };
}

/** The stream `name` makes with these options: its columns and rows, concepts placed as asked. */
export function generate(name: GeneratorName, o: GeneratorOptions): StreamSpec {
  const g: Generator = GENERATORS[name];
  for (const option of ['classes', 'centroids', 'speed'] as const) {
    if (o[option] !== undefined && !g.options.includes(option)) throw new UsageError(`--${option} applies to ${Object.entries(GENERATORS).filter(([, v]) => (v.options as readonly string[]).includes(option)).map(([k]) => k).join(' and ')}, not ${name}`);
  }
  const plan = driftPlan(name, o);
  const family = g.make(o);
  const schedule = new ConceptSchedule(plan, o.seed);
  const target = family.columns.length - 1;
  return {
    columns: o.conceptColumn ? [...family.columns, 'concept'] : family.columns,
    row(i, out) {
      const concept = schedule.concept(i);
      family.row(concept, i, out);
      if (o.conceptColumn) out[target + 1] = String(concept);
    },
  };
}

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
