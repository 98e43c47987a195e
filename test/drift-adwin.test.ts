import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Adwin } from '../src/eval/drift/adwin.js';
import { Random } from '../src/util/random.js';

test('ADWIN: the exponential histogram merges the two oldest buckets of a full level (hand-computed)', () => {
  const a = new Adwin();
  for (let v = 1; v <= 16; v++) assert.equal(a.update(v), false);
  // With at most 5 buckets a size: 1..4 merged into one bucket of 4 (sum 10, squared deviations 5),
  // then four buckets of 2 (sum 11, 15, 19, 23; 0.5 each), then 13..16 as buckets of 1.
  assert.deepEqual(a.state().buckets, [
    [2, 10, 5],
    [1, 11, 0.5],
    [1, 15, 0.5],
    [1, 19, 0.5],
    [1, 23, 0.5],
    [0, 13, 0],
    [0, 14, 0],
    [0, 15, 0],
    [0, 16, 0],
  ]);
  assert.equal(a.width, 16);
  assert.equal(a.estimation, 8.5);
  assert.equal(a.variance, (16 * 16 - 1) / 12);
});

test('ADWIN: 64 zeros then ones are cut at the third check, down to the hand-computed window', () => {
  // At value 96 the window is buckets 16,16,8,8,8,8 (the zeros), 4x5, 2x4, 1x4 (the ones); n = 96,
  // v = (64*32/96)/96 = 0.2222, ln(2 ln 96 / 0.002) = 8.4261. The first split beyond the bound is
  // n0 = 56, n1 = 40: |0 - 32/40| = 0.8 > sqrt(2 m v dd) + 2/3 dd m = 0.6837 with m = 1/52 + 1/36
  // (n0 = 48 gives 0.6667 < 0.6679, just inside). Cuts repeat until 24 zeros and 32 ones remain:
  // at n = 56 the best split (n0 = 24) gives 1 < 1.065.
  const a = new Adwin();
  for (let i = 0; i < 64; i++) assert.equal(a.update(0), false);
  const fired: number[] = [];
  for (let i = 64; i < 96; i++) if (a.update(1)) fired.push(i + 1);
  assert.deepEqual(fired, [96]);
  assert.equal(a.width, 56);
  assert.equal(a.estimation, 32 / 56);
  assert.equal(a.detections, 1);
});

test('ADWIN: after cuts the window is exactly the newest `width` values (mean and variance)', () => {
  const rng = new Random(7);
  const a = new Adwin();
  const values: number[] = [];
  let cuts = 0;
  for (let i = 0; i < 6000; i++) {
    const mean = i < 2000 ? 0.1 : i < 4000 ? 0.9 : 0.4;
    const v = mean + (rng.next() - 0.5) * 0.2;
    values.push(v);
    if (a.update(v)) cuts++;
  }
  assert.ok(cuts >= 2, `two changes of mean, ${cuts} cuts`);
  const w = values.slice(values.length - a.width);
  const mean = w.reduce((s, v) => s + v, 0) / w.length;
  const variance = w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length;
  assert.ok(Math.abs(a.estimation - mean) < 1e-9, `${a.estimation} vs ${mean}`);
  assert.ok(Math.abs(a.variance - variance) < 1e-9, `${a.variance} vs ${variance}`);
});

/** Bernoulli(p) errors for `rows` rows, then Bernoulli(q): rows after the change until the first detection. */
function delayAfterChange(seed: number, p: number, q: number, rows: number): { falseAlarms: number; delay: number } {
  const rng = new Random(seed);
  const a = new Adwin();
  let falseAlarms = 0;
  for (let i = 0; i < rows; i++) if (a.update(rng.next() < p ? 1 : 0)) falseAlarms++;
  for (let i = 1; i <= 5000; i++) if (a.update(rng.next() < q ? 1 : 0)) return { falseAlarms, delay: i };
  return { falseAlarms, delay: Infinity };
}

test('ADWIN: an error rate jumping from 0.2 to 0.8 is detected within 64 rows, 0.2 to 0.4 within 320', () => {
  for (let seed = 1; seed <= 10; seed++) {
    const big = delayAfterChange(seed, 0.2, 0.8, 5000);
    assert.equal(big.falseAlarms, 0);
    assert.ok(big.delay <= 64, `seed ${seed}: detected ${big.delay} rows after the change`);
    const small = delayAfterChange(seed, 0.2, 0.4, 5000);
    assert.ok(small.delay <= 320, `seed ${seed}: detected ${small.delay} rows after the change`);
  }
});

test('ADWIN: no change is detected on 100,000 stationary Bernoulli(0.3) rows', () => {
  const rng = new Random(3);
  const a = new Adwin();
  let alarms = 0;
  for (let i = 0; i < 100_000; i++) if (a.update(rng.next() < 0.3 ? 1 : 0)) alarms++;
  assert.equal(alarms, 0);
  assert.equal(a.width, 100_000);
});

test('ADWIN: state() is plain data; a restored detector continues exactly', () => {
  const stream = (rng: Random, i: number): number => (rng.next() < (i < 3000 ? 0.2 : 0.7) ? 1 : 0);
  const whole = new Adwin();
  const r1 = new Random(11);
  const firedWhole: number[] = [];
  for (let i = 0; i < 6000; i++) if (whole.update(stream(r1, i))) firedWhole.push(i);
  const first = new Adwin();
  const r2 = new Random(11);
  const fired: number[] = [];
  for (let i = 0; i < 2900; i++) if (first.update(stream(r2, i))) fired.push(i);
  const resumed = Adwin.restore(JSON.parse(JSON.stringify(first.state())));
  for (let i = 2900; i < 6000; i++) if (resumed.update(stream(r2, i))) fired.push(i);
  assert.deepEqual(fired, firedWhole);
  assert.ok(firedWhole.length > 0);
  assert.deepEqual(resumed.state(), whole.state());
});

test('ADWIN: options are checked', () => {
  assert.throws(() => new Adwin({ delta: 0 }), /delta/);
  assert.throws(() => new Adwin({ clock: 0 }), /clock/);
});
