// Mixing rules for auto's pool, replayed offline on the members' predictions that record.mjs wrote:
// the members learn the same whatever the rule, so a rule's prequential accuracy on a stream can
// be computed from the recording alone. docs/learners.md ("Why this rule") has the results.
import { readFileSync } from 'node:fs';

/** The members of the classification pool (POOLS in src/learners/auto.ts), in its order. */
export const MEMBERS = ['linear(lr=0.01)', 'linear(lr=0.13)', 'linear(lr=1.5)', 'pa', 'nb', 'ht', 'no-change'];
const M = MEMBERS.length;

/**
 * The streams of streams.txt: each its set, name, source (`shared` and a file of ../shared/datasets,
 * `bundled` and one of datasets/, or a generator), the generator's arguments and, after `--`, the
 * flags `train` takes (a regression target).
 */
export function streamList() {
  return readFileSync(new URL('streams.txt', import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [head, flags = ''] = l.split(' -- ');
      const [set, name, source, ...args] = head.split(' ');
      return { set, name, source, args, flags: flags.split(' ').filter(Boolean) };
    });
}

/** A recording: per row its class y, the classes known then k, and each member's k probabilities. */
export function load(file) {
  const b = new Float64Array(readFileSync(file).buffer.slice(0));
  const rows = [];
  for (let i = 0; i < b.length; ) {
    const y = b[i++];
    const k = b[i++];
    const P = [];
    for (let m = 0; m < M; m++, i += k) P.push(b.subarray(i, i + k));
    rows.push({ y, k, P });
  }
  return rows;
}

/** The class the evaluator scores (the last of the most probable, src/eval/metrics.ts). */
function scored(p) {
  let best = 0;
  for (let c = 1; c < p.length; c++) if (p[c] >= p[best]) best = c;
  return best;
}

/** auto's miss: the first most probable class is not y. */
function miss(p, y) {
  let best = 0;
  for (let c = 1; c < p.length; c++) if (p[c] > p[best]) best = c;
  return best === y ? 0 : 1;
}

/** A rule's prequential accuracy: rule.predict(P, k) gives the row's probabilities, then rule.update(P, y, k, p). */
export function run(rows, rule) {
  let right = 0;
  for (const { y, k, P } of rows) {
    const p = rule.predict(P, k);
    if (scored(p) === y) right++;
    rule.update(P, y, k, p);
  }
  return right / rows.length;
}

/** Each member's prequential accuracy. */
export function memberAccuracies(rows) {
  const right = new Array(M).fill(0);
  for (const { y, P } of rows) for (let m = 0; m < M; m++) if (scored(P[m]) === y) right[m]++;
  return right.map((r) => r / rows.length);
}

function mix(outs, w, k) {
  const out = new Float64Array(k);
  outs.forEach((p, i) => {
    if (w[i] !== 0) for (let c = 0; c < k; c++) out[c] += w[i] * p[c];
  });
  return out;
}

/** Hedge's weights: exp(-eta (E - min E)), normalized; 0 past exp(-40), as auto. */
export function hedgeWeights(E, eta) {
  const least = Math.min(...E);
  const w = E.map((e) => (eta * (e - least) < 40 ? Math.exp(-eta * (e - least)) : 0));
  const sum = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / sum);
}

/** Discounted misses of a list of predictors. */
function discounted(n, d) {
  const E = new Array(n).fill(0);
  return { E, add: (outs, y) => outs.forEach((p, i) => (E[i] = d * E[i] + miss(p, y))) };
}

export const rules = {
  /** Hedge over the members' probabilities, on their discounted misses. */
  hedge: ({ eta = 1, d = 0.995 } = {}) => {
    const e = discounted(M, d);
    return { predict: (P, k) => mix(P, hedgeWeights(e.E, eta), k), update: (P, y) => e.add(P, y) };
  },
  /** The member with the fewest discounted misses. */
  leader: ({ d = 0.995 } = {}) => {
    const e = discounted(M, d);
    return { predict: (P) => P[e.E.indexOf(Math.min(...e.E))], update: (P, y) => e.add(P, y) };
  },
  /** Hedge's weights over the members' classes (a weighted vote), not their probabilities. */
  vote: ({ eta = 1, d = 0.995 } = {}) => {
    const e = discounted(M, d);
    return {
      predict: (P, k) => mix(P.map((p) => { const v = new Float64Array(k); v[scored(p)] = 1; return v; }), hedgeWeights(e.E, eta), k),
      update: (P, y) => e.add(P, y),
    };
  },
  /** Fixed-Share (Herbster and Warmuth, 1998): undiscounted multiplicative weights, a share alpha spread back each row. */
  fixedShare: ({ eta = 1, alpha = 0.001 } = {}) => {
    const w = new Array(M).fill(1 / M);
    return {
      predict: (P, k) => mix(P, w, k),
      update: (P, y) => {
        let sum = 0;
        for (let m = 0; m < M; m++) sum += w[m] *= Math.exp(-eta * miss(P[m], y));
        for (let m = 0; m < M; m++) w[m] = ((1 - alpha) * w[m]) / sum + alpha / M;
      },
    };
  },
  /** AdaHedge (de Rooij et al., 2014): eta = ln M / the cumulated mixability gap, here discounted by d. */
  adaHedge: ({ d = 0.995 } = {}) => {
    const L = new Array(M).fill(0);
    let gap = 0;
    const weights = () => {
      if (gap > 0) return hedgeWeights(L, Math.log(M) / gap);
      const least = Math.min(...L);
      const w = L.map((l) => (l === least ? 1 : 0));
      const sum = w.reduce((a, b) => a + b, 0);
      return w.map((x) => x / sum);
    };
    return {
      predict: (P, k) => mix(P, weights(), k),
      update: (P, y) => {
        const w = weights();
        const l = P.map((p) => miss(p, y));
        const h = w.reduce((a, wi, i) => a + wi * l[i], 0);
        let mixLoss;
        if (gap > 0) {
          const eta = Math.log(M) / gap;
          const lm = Math.min(...l);
          mixLoss = lm - Math.log(w.reduce((a, wi, i) => a + wi * Math.exp(-eta * (l[i] - lm)), 0)) / eta;
        } else mixLoss = Math.min(...l.filter((_, i) => w[i] > 0));
        gap = d * gap + Math.max(0, h - mixLoss);
        for (let m = 0; m < M; m++) L[m] = d * L[m] + l[m];
      },
    };
  },
  /**
   * A stacked softmax regression on the members' probabilities less 1/k (or their centred
   * log-probabilities) and a bias, weights 0 at first, one step of its log loss a row: AdaGrad's
   * (lr over the root of each weight's squared gradients, summed from `squares`) as in auto, or
   * with adagrad false plain SGD's.
   */
  stack: ({ lr = 0.5, adagrad = true, squares = 1, logit = false } = {}) => {
    let W = new Float64Array(0);
    let G = new Float64Array(0);
    let K = 0;
    let x;
    return {
      predict: (P, k) => {
        const D = M * k + 1;
        if (k !== K) {
          // New classes: each old weight (and sum) where its class and input now are.
          const from = M * K + 1;
          const regrow = (old, fill) => {
            const now = new Float64Array(k * D).fill(fill);
            for (let c = 0; c < K; c++) {
              for (let i = 0; i < M * K; i++) now[c * D + Math.floor(i / K) * k + (i % K)] = old[c * from + i];
              now[c * D + M * k] = old[c * from + M * K];
            }
            return now;
          };
          W = regrow(W, 0);
          G = regrow(G, squares);
          K = k;
        }
        x = new Float64Array(D);
        let i = 0;
        for (const p of P) {
          if (logit) {
            const logs = Array.from(p, (v) => Math.log(Math.max(v, 1e-3)));
            const mean = logs.reduce((a, b) => a + b, 0) / k;
            for (const v of logs) x[i++] = v - mean;
          } else for (let c = 0; c < k; c++) x[i++] = p[c] - 1 / k;
        }
        x[i] = 1;
        const z = new Float64Array(k);
        for (let c = 0; c < k; c++) for (let j = 0; j < D; j++) z[c] += W[c * D + j] * x[j];
        const top = Math.max(...z);
        let sum = 0;
        for (let c = 0; c < k; c++) sum += z[c] = Math.exp(z[c] - top);
        return z.map((v) => v / sum);
      },
      update: (P, y, k, p) => {
        const D = M * k + 1;
        for (let c = 0; c < k; c++) {
          const error = p[c] - (c === y ? 1 : 0);
          for (let j = 0; j < D; j++) {
            const g = error * x[j];
            if (!adagrad) W[c * D + j] -= lr * g;
            else if (g !== 0) W[c * D + j] -= (lr * g) / Math.sqrt((G[c * D + j] += g * g));
          }
        }
      },
    };
  },
  /** A Hedge over other rules (the "mixers"), on their own discounted misses: auto's rule with subs = [hedge, hedge(d = 0.9995), stack]. */
  mixers: ({ subs, eta = 1, d = 0.999 }) => {
    const e = discounted(subs.length, d);
    let outs = [];
    return {
      predict: (P, k) => {
        outs = subs.map((s) => s.predict(P, k));
        return mix(outs, hedgeWeights(e.E, eta), k);
      },
      update: (P, y, k) => {
        e.add(outs, y);
        subs.forEach((s, i) => s.update(P, y, k, outs[i]));
      },
    };
  },
};
