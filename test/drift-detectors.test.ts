import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDetector, DETECTORS } from '../src/eval/drift/index.js';
import { Ddm } from '../src/eval/drift/ddm.js';
import { PageHinkley } from '../src/eval/drift/page-hinkley.js';
import { Random } from '../src/util/random.js';
import { jsonLines, runCli } from './helpers.js';

/** Rows after a change of the error rate from `a` to `b` (after 5,000 rows at `a`) until the detector fires. */
function delay(name: (typeof DETECTORS)[number], seed: number, a: number, b: number): number {
  const rng = new Random(seed);
  const d = createDetector(name);
  for (let i = 0; i < 5000; i++) d.update(rng.next() < a ? 1 : 0);
  for (let i = 1; i <= 5000; i++) if (d.update(rng.next() < b ? 1 : 0)) return i;
  return Infinity;
}

// The bounds are the documented ones (docs/metrics.md): the worst of 20 seeds, rounded up.
const BOUNDS = { adwin: 64, ddm: 700, ph: 100 } as const;

for (const name of DETECTORS) {
  test(`${name}: an error rate jumping from 0.2 to 0.8 is detected within ${BOUNDS[name]} rows (20 streams)`, () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rows = delay(name, seed, 0.2, 0.8);
      assert.ok(rows <= BOUNDS[name], `seed ${seed}: ${rows} rows`);
    }
  });
}

test('false alarms per 100,000 stationary rows (error rate 0.3, 10 streams): ADWIN 0, DDM < 1, Page-Hinkley < 10', () => {
  const alarms = (name: (typeof DETECTORS)[number]): number => {
    let n = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const rng = new Random(seed);
      const d = createDetector(name);
      for (let i = 0; i < 100_000; i++) if (d.update(rng.next() < 0.3 ? 1 : 0)) n++;
    }
    return n / 10;
  };
  assert.equal(alarms('adwin'), 0);
  assert.ok(alarms('ddm') < 1);
  assert.ok(alarms('ph') < 10);
});

test('DDM: the warning zone comes before the drift; the levels are p_min + 2 s_min and + 3 s_min', () => {
  const d = new Ddm();
  for (let i = 0; i < 1000; i++) d.update(i % 10 === 0 ? 1 : 0);
  const { pMin } = d.state();
  assert.ok(Math.abs(pMin - 0.1) < 0.02);
  let warned = -1;
  let drifted = -1;
  for (let i = 1; i <= 2000 && drifted < 0; i++) {
    if (d.update(i % 2) && drifted < 0) drifted = i;
    else if (d.warning && warned < 0) warned = i;
  }
  assert.ok(warned > 0 && drifted > warned, `warning at ${warned}, drift at ${drifted}`);
  assert.equal(d.before, pMin);
});

test('Page-Hinkley: hand-computed: a constant 0 stream then 1s fires once m_T - M_T exceeds the threshold', () => {
  // No forgetting (alpha 1), delta 0, threshold 10, no warm-up: after 100 zeros the mean is 0 and
  // m_T = M_T = 0. The k-th one gives x - mean = 1 - k/(100+k), and m grows by that; the sum passes
  // 10 at the 11th one (sum of 100/(100+k) for k = 1..11 = 10.2).
  const ph = new PageHinkley({ alpha: 1, delta: 0, threshold: 10, warmUp: 0 });
  for (let i = 0; i < 100; i++) assert.equal(ph.update(0), false);
  const fired: number[] = [];
  for (let k = 1; k <= 11; k++) if (ph.update(1)) fired.push(k);
  assert.deepEqual(fired, [11]);
  assert.equal(ph.after, 1);
  assert.equal(ph.before, 0);
});

test('train --drift on a generated STAGGER stream: each detector fires soon after each concept change, not before', async () => {
  const gen = await runCli(['generate', 'stagger', '--rows', '30000', '--seed', '2', '--noise', '0']);
  // The concept changes at rows 10,000 and 20,000.
  const within = { adwin: 100, ddm: 100, ph: 150 } as const;
  for (const name of DETECTORS) {
    const r = await runCli(['train', '-', '--drift', name, '--json'], { stdin: gen.stdout });
    assert.equal(r.code, 0, r.stderr);
    const events = jsonLines(r.stdout);
    const drifts = events.filter((e) => e['event'] === 'drift').map((e) => e['rows'] as number);
    for (const change of [10_000, 20_000]) {
      assert.ok(drifts.some((row) => row > change && row <= change + within[name]), `${name}: changes found at ${drifts.join(', ')}`);
    }
    assert.ok(!drifts.some((row) => row >= 2000 && row <= 10_000), `${name}: no alarm in the stationary stretch: ${drifts.join(', ')}`);
    const summary = events.at(-1)!;
    assert.equal(summary['drifts'], drifts.length);
    const first = events.find((e) => e['event'] === 'drift')!;
    assert.deepEqual(Object.keys(first), ['event', 'epoch', 'rows', 'stream_rows', 'detector', 'before', 'after']);
  }
});
