// auto's regression mix, replayed on the recordings of record-all.sh (the `regression` streams):
//   node bench/auto-rules/regression.mjs DIR
// Per rule, on how many streams its RMSE is at most the best member's, their geometric mean ratio and
// the worst; then per stream every member, the rule before and the rule now (docs/learners.md).
import { readFileSync } from 'node:fs';
import { hedgeWeights, streamList } from './evaluate.mjs';

/** The members of the regression pool (POOLS in src/learners/auto.ts), in its order. */
const MEMBERS = ['linear(lr=0.003)', 'linear(lr=0.01)', 'linear(lr=0.05)', 'pa', 'ht', 'no-change'];
const M = MEMBERS.length;
/** The most a row costs a member, in variances of the target (auto's MAX_LOSS). */
const MAX_LOSS = 1e6;

/** A recording: per row its target y and each member's prediction. */
function load(file) {
  const b = new Float64Array(readFileSync(file).buffer.slice(0));
  const rows = [];
  for (let i = 0; i < b.length; ) {
    const y = b[i];
    if (b[i + 1] !== 1) throw new Error(`${file}: not a regression recording`);
    rows.push({ y, P: Array.from(b.subarray(i + 2, i + 2 + M)) });
    i += 2 + M;
  }
  return rows;
}

/** A rule's RMSE: rule.predict(P, variance) gives the row's prediction, then rule.update(P, y, variance); variance: the targets' before the row since the first (1 before two). */
function run(rows, rule) {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  let se = 0;
  for (const { y, P } of rows) {
    const variance = n >= 2 ? m2 / (n - 1) || 1 : 1;
    se += (rule.predict(P, variance) - y) ** 2;
    rule.update(P, y, variance);
    n++;
    const d = y - mean;
    mean += d / n;
    m2 += d * (y - mean);
  }
  return Math.sqrt(se / rows.length);
}

const memberRmse = (rows) => MEMBERS.map((_, m) => Math.sqrt(rows.reduce((a, { y, P }) => a + (P[m] - y) ** 2, 0) / rows.length));

/** A member's loss on a row, at most MAX_LOSS (a NaN prediction costs that much), as auto's. */
const capped = (loss) => (loss < MAX_LOSS ? loss : MAX_LOSS);
const squared = (p, y, variance) => capped((p - y) ** 2 / variance);
const absolute = (p, y, variance) => capped(Math.abs(p - y) / Math.sqrt(variance));

const rules = {
  /** Hedge over the members' predictions on their discounted loss. */
  hedge: ({ d = 0.995, eta = 1, loss = squared } = {}) => {
    const E = new Array(M).fill(0);
    return {
      predict: (P) => hedgeWeights(E, eta).reduce((a, w, i) => (w === 0 ? a : a + w * P[i]), 0),
      update: (P, y, v) => P.forEach((p, i) => (E[i] = d * E[i] + loss(p, y, v))),
    };
  },
  /** A Hedge over other rules (the "mixers"), on their own discounted loss: auto's rule with subs = [hedge(), hedge({ d: 0.9995 })]. */
  mixers: ({ subs, d = 0.999, eta = 1 }) => {
    const E = new Array(subs.length).fill(0);
    let outs = [];
    return {
      predict: (P, v) => {
        outs = subs.map((s) => s.predict(P, v));
        return hedgeWeights(E, eta).reduce((a, w, i) => (w === 0 ? a : a + w * outs[i]), 0);
      },
      update: (P, y, v) => {
        outs.forEach((q, i) => (E[i] = d * E[i] + squared(q, y, v)));
        subs.forEach((s) => s.update(P, y, v));
      },
    };
  },
  /**
   * Another rule whose errors are in units of the targets' recent variance: each target weighs
   * f^age (West's weighted update), 1 before two targets; the runner's is the variance since the first.
   */
  recentVariance: (inner, f = 0.999) => {
    let n = 0;
    let weight = 0;
    let mean = 0;
    let m2 = 0;
    const variance = () => (n >= 2 && m2 > 0 ? m2 / weight : 1);
    return {
      predict: (P) => inner.predict(P, variance()),
      update: (P, y) => {
        inner.update(P, y, variance());
        n++;
        weight = f * weight + 1;
        const d = y - mean;
        mean += d / weight;
        m2 = f * m2 + d * (y - mean);
      },
    };
  },
  /** Another rule on the members' predictions taken into the range of the targets before the row, once `after` targets are known. */
  clipped: (inner, { after = 2 } = {}) => {
    let least = Infinity;
    let largest = -Infinity;
    let n = 0;
    const clip = (P) => (n < after ? P : P.map((p) => (p < least ? least : p > largest ? largest : p)));
    return {
      predict: (P, v) => inner.predict(clip(P), v),
      update: (P, y, v) => {
        inner.update(clip(P), y, v);
        least = Math.min(least, y);
        largest = Math.max(largest, y);
        n++;
      },
    };
  },
};

const dir = process.argv[2];
if (!dir) throw new Error('usage: regression.mjs DIR (recorded by record-all.sh)');
const { hedge, clipped, mixers, recentVariance } = rules;
const candidates = {
  'Hedge, d = 0.995 (the rule before)': () => hedge(),
  'a Hedge over the fast and slow Hedges, as classification without the stack': () => mixers({ subs: [hedge(), hedge({ d: 0.9995 })] }),
  'Hedge on the absolute error in sd': () => hedge({ loss: absolute }),
  'Hedge, eta = 0.3': () => hedge({ eta: 0.3 }),
  'Hedge, d = 0.9995': () => hedge({ d: 0.9995 }),
  'Hedge on the predictions clipped to the targets range from the first target': () => clipped(hedge(), { after: 1 }),
  'the same from the second target': () => clipped(hedge()),
  'the same from the 30th': () => clipped(hedge(), { after: 30 }),
  'the same, d = 0.99': () => clipped(hedge({ d: 0.99 })),
  'the same, eta = 0.3': () => clipped(hedge({ eta: 0.3 })),
  'the same, on the absolute error': () => clipped(hedge({ loss: absolute })),
  'the same over the fast and slow Hedges': () => clipped(mixers({ subs: [hedge(), hedge({ d: 0.9995 })] })),
  "the clipped Hedge, errors in the targets' recent variance (f = 0.999)": () => clipped(recentVariance(hedge())),
  'the same over the fast and slow Hedges (auto)': () => clipped(recentVariance(mixers({ subs: [hedge(), hedge({ d: 0.9995 })] }))),
  'the same, f = 0.995': () => clipped(recentVariance(mixers({ subs: [hedge(), hedge({ d: 0.9995 })] }), 0.995)),
};
const streams = streamList()
  .filter(({ set }) => set.startsWith('regression'))
  .map(({ set, name, source, args, flags }) => {
    const rows = load(`${dir}/${name}.bin`);
    const rmse = memberRmse(rows);
    const label = ['shared', 'bundled', 'script'].includes(source) ? `${args[0]}${flags.length ? ` ${flags.join(' ')}` : ''}` : `${source} ${args.join(' ')}`;
    return { set, name, label, rows, rmse, best: Math.min(...rmse.filter((r) => Number.isFinite(r))) };
  });
const sets = ['regression', 'regression-held-out'];
console.log("| rule | chosen on: RMSE at most the best member's, geometric mean of RMSE ÷ best, worst | held out: the same |\n| --- | --- | --- |");
for (const [label, make] of Object.entries(candidates)) {
  const cells = sets.map((set) => {
    const ratios = streams.filter((s) => s.set === set).map((s) => ({ name: s.name, ratio: run(s.rows, make()) / s.best }));
    const worst = ratios.reduce((a, r) => (r.ratio > a.ratio ? r : a));
    const mean = Math.exp(ratios.reduce((a, r) => a + Math.log(r.ratio), 0) / ratios.length);
    return `${ratios.filter((r) => r.ratio <= 1 + 1e-12).length} of ${ratios.length}, ${mean.toFixed(3)}, ${worst.ratio.toFixed(3)} (${worst.name})`;
  });
  console.log(`| ${label} | ${cells.join(' | ')} |`);
}
const shown = (x) => (Number.isFinite(x) ? (x >= 1e6 ? 'diverged' : x.toPrecision(4)) : 'diverged');
console.log(`\n| stream | set | ${MEMBERS.map((m) => `\`${m}\``).join(' | ')} | \`auto\` before | \`auto\` | before ÷ best | auto ÷ best |`);
console.log(`| --- | --- |${' --- |'.repeat(M + 4)}`);
for (const s of streams) {
  const before = run(s.rows, candidates['Hedge, d = 0.995 (the rule before)']());
  const now = run(s.rows, candidates['the same over the fast and slow Hedges (auto)']());
  const cells = s.rmse.map((r) => (r === s.best ? `**${shown(r)}**` : shown(r)));
  console.log(`| ${s.label} | ${s.set === 'regression' ? 'chosen' : 'held out'} | ${cells.join(' | ')} | ${shown(before)} | ${shown(now)} | ${(before / s.best).toFixed(3)} | ${(now / s.best).toFixed(3)} |`);
}
