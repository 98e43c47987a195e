import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../src/errors.js';
import { createSampler, restoreSampler } from '../src/samplers/index.js';
import type { Sampler, SamplerOptions } from '../src/samplers/types.js';
import { Random } from '../src/util/random.js';

/** Upper critical value of chi-square with `dof` degrees of freedom at p = 0.001: tabulated, else Wilson-Hilferty. */
function chi2Critical(dof: number): number {
  const table: Record<number, number> = { 9: 27.877, 19: 43.82 };
  if (table[dof] !== undefined) return table[dof];
  const z = 3.0902;
  const a = 2 / (9 * dof);
  return dof * (1 - a + z * Math.sqrt(a)) ** 3;
}

function chi2(observed: number[], expected: number): number {
  return observed.reduce((acc, o) => acc + (o - expected) ** 2 / expected, 0);
}

function options(o: Partial<SamplerOptions> & Pick<SamplerOptions, 'kind'>): SamplerOptions {
  return { sampleRate: 1, bufferSize: 100, replayRatio: 1, task: 'classification', ...o };
}

/** A training row as the learner would see it: a copy of the first features and the target. */
type Row = { x: number[]; y: number };

/** Offers rows whose single feature is their index (start..start+n-1); returns the copies emitted. */
function offerIndexed(s: Sampler, start: number, n: number, out: Row[] = []): Row[] {
  const x = new Float64Array(1);
  const sink = (v: Float64Array, y: number): void => void out.push({ x: Array.from(v), y });
  for (let i = start; i < start + n; i++) {
    x[0] = i;
    s.offer(x, 1, i % 2, sink);
  }
  return out;
}

function epoch(s: Sampler, e: number, n: number): number[] {
  s.startEpoch(e);
  const out = offerIndexed(s, 0, n);
  s.endEpoch((v, y) => void out.push({ x: Array.from(v), y }));
  return out.map((r) => r.x[0]!);
}

describe('createSampler validation', () => {
  const bad: [Partial<SamplerOptions> & Pick<SamplerOptions, 'kind'>, RegExp][] = [
    [{ kind: 'bernoulli', sampleRate: 1.5 }, /^--sample-rate must be in \(0, 1\], got 1\.5$/],
    [{ kind: 'bernoulli', sampleRate: 0 }, /--sample-rate.*got 0/],
    [{ kind: 'bernoulli', sampleRate: NaN }, /--sample-rate.*got NaN/],
    [{ kind: 'shuffle', bufferSize: 0 }, /--buffer-size.*got 0/],
    [{ kind: 'window', bufferSize: 2.5 }, /--buffer-size.*got 2\.5/],
    [{ kind: 'replay', bufferSize: -3 }, /--buffer-size.*got -3/],
    [{ kind: 'window', replayRatio: -1 }, /--replay-ratio.*got -1/],
    [{ kind: 'replay', replayRatio: Infinity }, /--replay-ratio.*got Infinity/],
    [{ kind: 'balanced', task: 'regression' }, /balanced.*classification/],
    [{ kind: 'balanced', classWeights: new Map([['a', -1]]), className: String }, /--class-weights.*"a".*-1/],
    [{ kind: 'balanced', classWeights: new Map([['a', 0]]), className: String }, /--class-weights/],
  ];
  for (const [o, message] of bad) {
    it(`rejects ${JSON.stringify(o)}`, () => {
      assert.throws(() => createSampler(options(o), new Random(1)), (e: unknown) => {
        assert.ok(e instanceof UsageError, `expected UsageError, got ${String(e)}`);
        assert.match(e.message, message);
        return true;
      });
    });
  }

  it('accepts the edges of the ranges and describes each sampler', () => {
    const r = new Random(1);
    assert.equal(createSampler(options({ kind: 'all' }), r).description, 'all');
    assert.equal(createSampler(options({ kind: 'bernoulli', sampleRate: 1 }), r).description, 'bernoulli(rate=1)');
    assert.equal(createSampler(options({ kind: 'shuffle', bufferSize: 1 }), r).description, 'shuffle(buffer=1)');
    assert.equal(
      createSampler(options({ kind: 'window', bufferSize: 10, replayRatio: 0 }), r).description,
      'window(buffer=10, ratio=0)',
    );
    assert.equal(
      createSampler(options({ kind: 'replay', bufferSize: 1000, replayRatio: 1 }), r).description,
      'replay(buffer=1000, ratio=1)',
    );
    assert.equal(createSampler(options({ kind: 'balanced' }), r).description, 'balanced(uniform)');
  });
});

describe('all', () => {
  it('passes every row through in order', () => {
    const s = createSampler(options({ kind: 'all' }), new Random(1));
    assert.deepEqual(epoch(s, 1, 50), Array.from({ length: 50 }, (_, i) => i));
  });
});

describe('bernoulli', () => {
  it('trains on a fraction within 4.5 sigma of the rate', () => {
    const n = 20000;
    for (const rate of [0.02, 0.3, 0.9]) {
      const s = createSampler(options({ kind: 'bernoulli', sampleRate: rate }), new Random(7));
      const trained = epoch(s, 1, n).length;
      const sigma = Math.sqrt(n * rate * (1 - rate));
      assert.ok(Math.abs(trained - n * rate) < 4.5 * sigma, `rate ${rate}: trained ${trained} of ${n}`);
    }
    const all = createSampler(options({ kind: 'bernoulli', sampleRate: 1 }), new Random(7));
    assert.equal(epoch(all, 1, 1000).length, 1000);
  });

  it('chooses different rows each epoch, and the same rows for the same seed', () => {
    const n = 2000;
    const run = (seed: number): number[][] => {
      const s = createSampler(options({ kind: 'bernoulli', sampleRate: 0.5 }), new Random(seed));
      return [epoch(s, 1, n), epoch(s, 2, n)];
    };
    const [e1, e2] = run(42);
    const again = run(42);
    assert.deepEqual(again, [e1, e2]);
    assert.notDeepEqual(run(43)[0], e1);
    // Independent halves overlap on ~n/4 rows (sd ~19); identical choices would overlap on ~n/2.
    const first = new Set(e1);
    const overlap = e2!.filter((i) => first.has(i)).length;
    assert.ok(Math.abs(overlap - n / 4) < 4.5 * Math.sqrt(n * 0.25 * 0.75), `overlap ${overlap}`);
  });
});

describe('balanced', () => {
  /** Trained class shares over rows from measureFrom on; the class of row i drawn from probs(i). */
  function shares(
    seed: number,
    n: number,
    probs: (i: number) => number[],
    o: Partial<SamplerOptions> = {},
    measureFrom = 0,
  ): number[] {
    const names = ['a', 'b', 'c'];
    const s = createSampler(options({ kind: 'balanced', className: (i) => names[i]!, ...o }), new Random(seed));
    const data = new Random(seed + 1000);
    const counts = [0, 0, 0];
    const x = new Float64Array(2);
    let i = 0;
    const sink = (_v: Float64Array, y: number): void => {
      if (i >= measureFrom) counts[y]!++;
    };
    for (; i < n; i++) {
      const p = probs(i);
      let u = data.next();
      let c = 0;
      while (c < p.length - 1 && u >= p[c]!) u -= p[c++]!;
      s.offer(x, 2, c, sink);
    }
    const total = counts[0]! + counts[1]! + counts[2]!;
    return counts.map((c) => c / total);
  }
  // Tolerances: over 300 seeds the shares below have sd <= 0.0055; 0.025 is > 4.5 sd.
  const near = (got: number[], want: number[]): void =>
    want.forEach((w, k) => assert.ok(Math.abs(got[k]! - w) < 0.025, `share ${got.map((g) => g.toFixed(3))} vs ${want}`));

  it('balances 70/20/10 classes to uniform', () => {
    near(shares(3, 30000, () => [0.7, 0.2, 0.1]), [1 / 3, 1 / 3, 1 / 3]);
  });

  it('follows class weights by name (a=1, b=3)', () => {
    const classWeights = new Map([['a', 1], ['b', 3]]);
    near(shares(4, 30000, () => [0.8, 0.2], { classWeights }), [0.25, 0.75, 0]);
    // The majority class as the heavy one: b arrives at 0.8, a at 0.2.
    near(shares(5, 30000, () => [0.2, 0.8], { classWeights }), [0.25, 0.75, 0]);
  });

  it('brings in a class first seen mid-stream', () => {
    // c first appears at row 1000; over the second half the three classes are trained equally.
    near(shares(6, 100000, (i) => (i < 1000 ? [0.6, 0.4] : [0.5, 0.4, 0.1]), {}, 50000), [1 / 3, 1 / 3, 1 / 3]);
  });

  it('rejects regression with a UsageError', () => {
    assert.throws(() => createSampler(options({ kind: 'balanced', task: 'regression' }), new Random(1)), UsageError);
  });
});

describe('shuffle', () => {
  it('emits a permutation of each epoch, not the identity, and different per epoch', () => {
    const s = createSampler(options({ kind: 'shuffle', bufferSize: 64 }), new Random(9));
    const n = 1000;
    const e1 = epoch(s, 1, n);
    assert.deepEqual(s.fill?.(), { rows: 0, capacity: 64 });
    const e2 = epoch(s, 2, n);
    const identity = Array.from({ length: n }, (_, i) => i);
    for (const e of [e1, e2]) {
      assert.deepEqual([...e].sort((a, b) => a - b), identity);
      assert.notDeepEqual(e, identity);
    }
    assert.notDeepEqual(e1, e2);
  });

  it('holds rows until the buffer is full, then emits one per row', () => {
    const s = createSampler(options({ kind: 'shuffle', bufferSize: 10 }), new Random(9));
    s.startEpoch(1);
    assert.equal(offerIndexed(s, 0, 10).length, 0);
    assert.deepEqual(s.fill?.(), { rows: 10, capacity: 10 });
    assert.equal(offerIndexed(s, 10, 5).length, 5);
    // A buffer larger than the epoch emits everything at the end, shuffled.
    const big = createSampler(options({ kind: 'shuffle', bufferSize: 500 }), new Random(9));
    const e = epoch(big, 1, 100);
    assert.deepEqual([...e].sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i));
    assert.notDeepEqual(e, Array.from({ length: 100 }, (_, i) => i));
  });

  it('replaces a uniform slot once full (chi-square on the first row emitted, 2000 runs)', () => {
    const seeds = new Random(31);
    const first = new Array<number>(10).fill(0);
    for (let run = 0; run < 2000; run++) {
      const s = createSampler(options({ kind: 'shuffle', bufferSize: 10 }), seeds);
      const out = offerIndexed(s, 0, 11);
      first[out[0]!.x[0]!]!++;
    }
    assert.ok(chi2(first, 200) < chi2Critical(9), `first rows ${first}`);
  });

  it('drains in uniform random order (chi-square on where row 0 lands, 2000 runs)', () => {
    const seeds = new Random(32);
    const where = new Array<number>(20).fill(0);
    for (let run = 0; run < 2000; run++) {
      const s = createSampler(options({ kind: 'shuffle', bufferSize: 50 }), seeds);
      where[epoch(s, 1, 20).indexOf(0)]!++;
    }
    assert.ok(chi2(where, 100) < chi2Critical(19), `positions ${where}`);
  });
});

describe('window', () => {
  it('draws uniformly and only from the last K rows, at the replay ratio', () => {
    const K = 20;
    const n = 6000;
    const s = createSampler(options({ kind: 'window', bufferSize: K, replayRatio: 2 }), new Random(11));
    const x = new Float64Array(1);
    // Draws by (step mod K, lag): uniform over the window means uniform over the K*K cells.
    const cells = new Array<number>(K * K).fill(0);
    let trained = 0;
    let current = 0;
    for (let i = 0; i < n; i++) {
      x[0] = i;
      current = i;
      let first = true;
      s.offer(x, 1, 0, (v) => {
        trained++;
        if (first) {
          assert.equal(v[0], current, 'the new row comes first');
          first = false;
          return;
        }
        const lag = current - v[0]!;
        assert.ok(lag >= 1 && lag <= K, `row ${v[0]} drawn at step ${current}`);
        if (current >= K) cells[(current % K) * K + lag - 1]!++;
      });
    }
    assert.equal(trained, n + 2 * (n - 1));
    const draws = cells.reduce((a, b) => a + b, 0);
    assert.ok(chi2(cells, draws / (K * K)) < chi2Critical(K * K - 1), 'draws are not uniform over the window');
    assert.deepEqual(s.fill?.(), { rows: K, capacity: K });
  });

  it('draws floor(steps * r) extra rows for fractional r', () => {
    for (const r of [0, 0.1, 0.29, 0.5, 1.25, 3]) {
      for (const n of [11, 101, 1000]) {
        const s = createSampler(options({ kind: 'window', bufferSize: 5, replayRatio: r }), new Random(1));
        // The first step has an empty window: n - 1 steps draw. (0.1 added ten times is 0.999...)
        const want = n + Math.floor((n - 1) * r + 1e-9);
        assert.equal(epoch(s, 1, n).length, want, `ratio ${r}, ${n} rows`);
      }
    }
  });
});

describe('replay', () => {
  it('keeps a uniform sample of the stream (chi-square over 2000 runs)', () => {
    const runs = 2000;
    const n = 1000;
    const K = 50;
    const bins = new Array<number>(10).fill(0);
    const seeds = new Random(2024);
    for (let run = 0; run < runs; run++) {
      const s = createSampler(options({ kind: 'replay', bufferSize: K, replayRatio: 0 }), seeds);
      offerIndexed(s, 0, n);
      const buffer = s.state()['buffer'] as { x: number[]; rows: number };
      assert.equal(buffer.rows, K);
      for (const pos of buffer.x) bins[Math.floor(pos / (n / 10))]!++;
    }
    const stat = chi2(bins, (runs * K) / 10);
    assert.ok(stat < chi2Critical(9), `chi-square ${stat.toFixed(2)} for bins ${bins}`);
  });

  it('includes each row of a short stream with probability K/n', () => {
    // K = 5 of n = 10: each position is kept with probability 1/2 (sd of a count over 4000 runs: 31.6).
    const runs = 4000;
    const counts = new Array<number>(10).fill(0);
    const seeds = new Random(99);
    for (let run = 0; run < runs; run++) {
      const s = createSampler(options({ kind: 'replay', bufferSize: 5, replayRatio: 0 }), seeds);
      offerIndexed(s, 0, 10);
      for (const pos of (s.state()['buffer'] as { x: number[] }).x) counts[pos]!++;
    }
    for (const c of counts) assert.ok(Math.abs(c - runs / 2) < 4.5 * Math.sqrt(runs / 4), `inclusion counts ${counts}`);
  });

  it('replays only earlier rows, at the replay ratio, and keeps the reservoir across epochs', () => {
    const K = 30;
    const s = createSampler(options({ kind: 'replay', bufferSize: K, replayRatio: 1.5 }), new Random(5));
    const x = new Float64Array(1);
    let trained = 0;
    const n = 400;
    for (let e = 1; e <= 2; e++) {
      s.startEpoch(e);
      for (let i = 0; i < n; i++) {
        x[0] = (e - 1) * n + i;
        const now = x[0];
        let first = true;
        s.offer(x, 1, 0, (v) => {
          trained++;
          if (first) first = false;
          else assert.ok(v[0]! < now, `row ${v[0]} replayed at ${now}`);
        });
      }
      s.endEpoch(() => assert.fail('replay emits nothing at the end of an epoch'));
      assert.deepEqual(s.fill?.(), { rows: K, capacity: K });
    }
    assert.equal(trained, 2 * n + Math.floor((2 * n - 1) * 1.5));
    // After the second epoch the reservoir samples both epochs' rows (P(all from one) ~ 2^-29).
    const kept = (s.state()['buffer'] as { x: number[] }).x;
    assert.ok(kept.some((v) => v < n) && kept.some((v) => v >= n), `reservoir ${kept}`);
  });
});

describe('feature dimension growth', () => {
  for (const kind of ['shuffle', 'window', 'replay'] as const) {
    it(`${kind}: rows stored at a smaller dim come back zero-padded, through one scratch array`, () => {
      const K = 8;
      const s = createSampler(options({ kind, bufferSize: K, replayRatio: 4 }), new Random(3));
      s.startEpoch(1);
      const emitted: number[][] = [];
      const arrays = new Set<Float64Array>();
      let offered: Float64Array | null = null;
      const sink = (v: Float64Array): void => {
        if (v !== offered) arrays.add(v);
        emitted.push(Array.from(v));
      };
      // Rows are longer than their dim, with junk past it: only the first dim values count.
      const offer = (id: number, dim: number): void => {
        const x = new Float64Array(16).fill(-1);
        x[0] = id;
        for (let i = 1; i < dim; i++) x[i] = id * 100 + i;
        offered = x;
        s.offer(x, dim, 0, sink);
      };
      for (let id = 1; id <= K; id++) offer(id, 2);
      for (let id = K + 1; id <= 2 * K; id++) offer(id, 3);
      for (let id = 2 * K + 1; id <= 3 * K; id++) offer(id, 7);
      emitted.length = 0;
      arrays.clear(); // the scratch is reallocated when dim grows; from here on dim stays 9
      for (let id = 3 * K + 1; id <= 4 * K; id++) offer(id, 9);
      s.endEpoch(sink);
      const stored = emitted.filter((r) => r.length === 9 && r[0]! <= 3 * K);
      assert.ok(stored.length > 0, 'some rows from before the last growth are emitted');
      for (const r of emitted) {
        if (r.length === 16) continue; // the arriving row itself, passed through as given
        assert.equal(r.length, 9);
        const id = r[0]!;
        const dim = id <= K ? 2 : id <= 2 * K ? 3 : id <= 3 * K ? 7 : 9;
        const want = Array.from({ length: 9 }, (_, i) => (i === 0 ? id : i < dim ? id * 100 + i : 0));
        assert.deepEqual(r, want);
      }
      assert.equal(arrays.size, 1, 'stored rows are emitted through one reused array');
    });
  }
});

describe('state and restoreSampler', () => {
  const kinds: SamplerOptions[] = [
    options({ kind: 'all' }),
    options({ kind: 'bernoulli', sampleRate: 0.4 }),
    options({ kind: 'balanced', classWeights: new Map([['a', 2], ['b', 1]]), className: (i) => 'abc'[i]! }),
    options({ kind: 'shuffle', bufferSize: 37 }),
    options({ kind: 'window', bufferSize: 25, replayRatio: 0.7 }),
    options({ kind: 'replay', bufferSize: 25, replayRatio: 1.3 }),
  ];

  /** Rows with growing dim and three classes; the continuation of a run from row `from`. */
  function cont(s: Sampler, from: number, to: number, epochs: number[]): number[][] {
    const out: number[][] = [];
    const sink = (v: Float64Array, y: number): void => void out.push([y, ...Array.from(v)]);
    const x = new Float64Array(12);
    for (const e of epochs) {
      if (e !== epochs[0] || from === 0) s.startEpoch(e);
      for (let i = from; i < to; i++) {
        const dim = i < 150 ? 4 : i < 400 ? 7 : 12;
        for (let j = 0; j < dim; j++) x[j] = i + j / 16;
        s.offer(x.subarray(0, dim), dim, (i * 7) % 3 === 0 ? 2 : i % 2, sink);
      }
      s.endEpoch(sink);
      from = 0;
    }
    return out;
  }

  for (const opts of kinds) {
    it(`${opts.kind}: resumes mid-epoch with identical emissions`, () => {
      const a = createSampler(opts, new Random(77));
      cont(a, 0, 300, [1]);
      a.startEpoch(2);
      const x = new Float64Array(12);
      for (let i = 0; i < 200; i++) a.offer(x.fill(i).subarray(0, 7), 7, i % 3, () => {});
      const saved = JSON.parse(JSON.stringify(a.state())) as Record<string, unknown>;
      const b = restoreSampler(saved, opts);
      assert.deepEqual(b.state(), a.state());
      assert.equal(b.description, a.description);
      const fromA = cont(a, 200, 500, [2, 3]);
      const fromB = cont(b, 200, 500, [2, 3]);
      assert.ok(fromA.length > 100);
      assert.deepEqual(fromB, fromA);
    });
  }

  it('refuses a checkpoint of another kind or buffer size', () => {
    const s = createSampler(options({ kind: 'replay', bufferSize: 10 }), new Random(1));
    assert.throws(() => restoreSampler(s.state(), options({ kind: 'window', bufferSize: 10 })), UsageError);
    assert.throws(() => restoreSampler(s.state(), options({ kind: 'replay', bufferSize: 11 })), /--buffer-size/);
    assert.throws(() => restoreSampler({ kind: 'replay', random: [1, 2, 3] }, options({ kind: 'replay', bufferSize: 10 })));
  });
});
