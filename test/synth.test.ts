/**
 * The generators: the bundled datasets are what they make from the seeds the README names; every
 * stream is fixed by its seed, has the class balance its documentation states, follows its label
 * rule (recomputed here from the features, for agrawal and sea on every row), and drifts where and
 * how --concepts, --drift-at and --drift-width ask.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { generate, GENERATORS, writeStream, type GeneratorName, type GeneratorOptions } from '../src/synth/generators.js';
import { ROOT, runCli } from './helpers.js';

async function csvText(name: GeneratorName, options: GeneratorOptions): Promise<string> {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  await writeStream(generate(name, options), options.rows, 'csv', sink);
  return text;
}

async function generateText(name: GeneratorName, rows: number, noise: number, fullPrecision = false): Promise<string> {
  return csvText(name, { rows, seed: 42, noise, fullPrecision });
}

/** The header and the rows, split into cells. */
async function table(name: GeneratorName, options: Partial<GeneratorOptions> & { rows: number }): Promise<{ header: string[]; rows: string[][] }> {
  const lines = (await csvText(name, { seed: 7, noise: 0, ...options })).trim().split('\n');
  return { header: lines[0]!.split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

/** Share of rows whose column `col` is `value`. */
function share(rows: string[][], col: number, value: string): number {
  return rows.filter((r) => r[col] === value).length / rows.length;
}

/** Within `sigmas` binomial standard deviations of p over n rows. */
function near(actual: number, p: number, n: number, what: string, sigmas = 5): void {
  const sd = Math.sqrt((p * (1 - p)) / n);
  assert.ok(Math.abs(actual - p) <= sigmas * sd, `${what}: ${actual.toFixed(4)}, expected ${p.toFixed(4)} ± ${(sigmas * sd).toFixed(4)}`);
}

describe('synthetic streams', () => {
  for (const [name, file, rows, noise] of [
    ['sea', 'sea_drift', 10000, 0.1],
    ['stagger', 'stagger', 5000, 0.05],
    ['friedman', 'friedman', 5000, 1],
    ['hyperplane', 'hyperplane', 5000, 0.05],
  ] as const) {
    it(`datasets/${file}.csv is ${name} with seed 42, byte for byte`, async () => {
      assert.equal(await generateText(name, rows, noise), readFileSync(`${ROOT}datasets/${file}.csv`, 'utf8'));
    });
  }

  it('datasets/sine_drift.csv is sine with the drift its README names, byte for byte', async () => {
    const options = { rows: 16000, seed: 42, noise: 0.05, concepts: [1, 3], driftAt: [6000], driftWidth: [500] };
    assert.equal(await csvText('sine', options), readFileSync(`${ROOT}datasets/sine_drift.csv`, 'utf8'));
  });

  it('SEA labels follow its concept, with the noise asked for', async () => {
    const rows = (await generateText('sea', 20000, 0.1)).trim().split('\n').slice(1);
    const thetas = [8, 9, 7, 9.5];
    let agree = 0;
    rows.forEach((row, i) => {
      const [a, b, , label] = row.split(',').map(Number) as [number, number, number, number];
      if ((a + b <= thetas[Math.floor((i * 4) / rows.length)]! ? 1 : 0) === label) agree++;
    });
    // 10% flipped: 18,000 agree on average, sd about 42.
    assert.ok(Math.abs(agree - 18000) < 250, `${agree} of 20000 follow the concept`);
  });

  it('with full precision prints the same stream with every digit of each number', async () => {
    for (const name of ['sea', 'friedman', 'hyperplane'] as const) {
      const fixed = (await generateText(name, 2000, 0.1)).trim().split('\n');
      const full = (await generateText(name, 2000, 0.1, true)).trim().split('\n');
      assert.equal(full[0], fixed[0]);
      let long = 0;
      let cells = 0;
      for (let r = 1; r < full.length; r++) {
        const a = fixed[r]!.split(',');
        const b = full[r]!.split(',');
        assert.equal(b.length, a.length);
        b.forEach((text, j) => {
          const x = Number(text);
          if (Number.isNaN(x)) return assert.equal(text, a[j], `${name} row ${r}`);
          cells++;
          // The shortest text that gives back the same double, and the fixed one rounded from it.
          assert.equal(String(x), text);
          assert.equal(x.toFixed(a[j]!.split('.')[1]?.length ?? 0), a[j], `${name} row ${r}`);
          if (text.replace(/^[-0.]+|\./g, '').length >= 16) long++;
        });
      }
      assert.ok(long > cells / 2, `${name}: ${long} of ${cells} numbers have 16 or more significant digits`);
    }
  });

  it('every generator is fixed by its seed, drift and all, and another seed gives another stream', async () => {
    for (const name of Object.keys(GENERATORS) as GeneratorName[]) {
      const drift = GENERATORS[name].concepts > 1 ? { concepts: [1, 2], driftAt: [300], driftWidth: [100], conceptColumn: true } : {};
      const options = { rows: 600, seed: 3, noise: 0.1, ...drift };
      const first = await csvText(name, options);
      assert.equal(await csvText(name, options), first, name);
      assert.notEqual(await csvText(name, { ...options, seed: 4 }), first, name);
      assert.equal(first.trim().split('\n').length, 601, name);
    }
  });

  it('SEA: every row follows the concept it was drawn from, through a gradual and a recurring drift', async () => {
    const { header, rows } = await table('sea', { rows: 12000, concepts: [1, 3, 1], driftAt: [4000, 8000], driftWidth: [1000], conceptColumn: true, fullPrecision: true });
    assert.deepEqual(header, ['attrib1', 'attrib2', 'attrib3', 'class', 'concept']);
    const thetas: Record<string, number> = { '1': 8, '3': 7 };
    rows.forEach((r, i) => {
      const [a, b] = [Number(r[0]), Number(r[1])];
      assert.equal(r[3], a + b <= thetas[r[4]!]! ? '1' : '0', `row ${i}: ${r.join(',')}`);
    });
    // The stated balance: P(a + b <= theta) for a, b uniform in [0, 10] is theta^2 / 200 for theta <= 10.
    near(share(rows.slice(0, 2500), 3, '1'), 0.32, 2500, 'concept 1 (theta 8)');
    near(share(rows.slice(5500, 6500), 3, '1'), 0.245, 1000, 'concept 3 (theta 7)');
  });

  it('agrawal: every row follows the function of its concept (all ten), recomputed from the features', async () => {
    const inRange = (x: number, range: [number, number]) => range[0] <= x && x <= range[1];
    const band = (age: number) => (age < 40 ? 0 : age < 60 ? 1 : 2);
    const salaryBands: [number, number][] = [[50000, 100000], [75000, 125000], [25000, 75000]];
    const elevelBands: [number, number][] = [[0, 1], [1, 3], [2, 4]];
    // Functions 4 and 5 of the paper: a first band picks one of two second bands, per age band.
    const f4: [[number, number], [number, number]][] = [[[25000, 75000], [50000, 100000]], [[50000, 100000], [75000, 125000]], [[50000, 100000], [25000, 75000]]];
    const f5: [[number, number], [number, number]][] = [[[100000, 300000], [200000, 400000]], [[200000, 400000], [300000, 500000]], [[300000, 500000], [100000, 300000]]];
    const rule = (f: number, c: Record<string, number>): boolean => {
      const b = band(c.age!);
      const income = c.salary! + c.commission!;
      switch (f) {
        case 1: return b !== 1;
        case 2: return inRange(c.salary!, salaryBands[b]!);
        case 3: return inRange(c.elevel!, elevelBands[b]!);
        case 4: return inRange(c.salary!, f4[b]![inRange(c.elevel!, elevelBands[b]!) ? 0 : 1]);
        case 5: return inRange(c.loan!, f5[b]![inRange(c.salary!, salaryBands[b]!) ? 0 : 1]);
        case 6: return inRange(income, salaryBands[b]!);
        case 7: return (income * 2) / 3 - c.loan! / 5 - 20000 > 0;
        case 8: return (income * 2) / 3 - 5000 * c.elevel! - 20000 > 0;
        case 9: return (income * 2) / 3 - 5000 * c.elevel! - c.loan! / 5 - 10000 > 0;
        default: return (income * 2) / 3 - 5000 * c.elevel! + (c.hyears! >= 20 ? (c.hvalue! * (c.hyears! - 20)) / 10 : 0) / 5 - 10000 > 0;
      }
    };
    const functions = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const { header, rows } = await table('agrawal', { rows: 20000, concepts: functions, conceptColumn: true });
    const seen = new Set<string>();
    rows.forEach((r, i) => {
      const c: Record<string, number> = {};
      header.forEach((h, j) => (c[h] = Number(r[j]!.replace(/^(level|car|zip)/, ''))));
      assert.ok(c.salary! >= 20000 && c.salary! <= 150000 && c.age! >= 20 && c.age! <= 80 && c.car! >= 1 && c.car! <= 20, `row ${i}`);
      assert.equal(c.commission === 0, c.salary! >= 75000, `row ${i}: commission`);
      assert.equal(r[9], rule(c.concept!, c) ? 'groupA' : 'groupB', `row ${i} (function ${c.concept}): ${r.join(',')}`);
      seen.add(`${c.concept}:${r[9]}`);
    });
    assert.equal(seen.size, 20, 'each function gives both groups');
    // Function 1's stated balance: 41 of the 61 ages (20-39, 60-80) are group A.
    near(share(rows.slice(0, 2000), 9, 'groupA'), 41 / 61, 2000, 'function 1 group A');
  });

  it('the documented class balance of sine, mixed, led, rbf and random-tree', async () => {
    // Sine: P(y < sin x) = 1 - cos 1; P(y < 0.5 + 0.3 sin 3 pi x) = 0.5 + 0.2 / pi.
    const sine1 = 1 - Math.cos(1);
    const sine2 = 0.5 + 0.2 / Math.PI;
    const sine = (await table('sine', { rows: 16000, concepts: [1, 2, 3, 4] })).rows;
    [sine1, 1 - sine1, sine2, 1 - sine2].forEach((p, k) => near(share(sine.slice(k * 4000, (k + 1) * 4000), 2, '1'), p, 4000, `sine concept ${k + 1}`));
    // Mixed: v and w fair coins, so P(two of three) = 1/4 + P(z) / 2.
    const mixed = (await table('mixed', { rows: 8000, concepts: [1, 2] })).rows;
    near(share(mixed.slice(0, 4000), 4, '1'), 0.25 + sine2 / 2, 4000, 'mixed concept 1');
    near(share(mixed.slice(4000), 4, '1'), 0.75 - sine2 / 2, 4000, 'mixed concept 2');
    // LED: ten equally likely digits; with no noise the segments spell the digit.
    const led = (await table('led', { rows: 10000, concepts: [1, 3], driftAt: [5000], conceptColumn: true })).rows;
    for (let d = 0; d < 10; d++) near(share(led, 24, String(d)), 0.1, 10000, `led digit ${d}`);
    const eights = led.filter((r) => r[24] === '8');
    // Concept 1 shows the segments in a1..a7, concept 3 in a15..a21.
    assert.ok(eights.every((r) => r.slice(r[25] === '1' ? 0 : 14, r[25] === '1' ? 7 : 21).every((b) => b === '1')));
    assert.ok(led.filter((r) => r[24] === '1').every((r) => r.slice(r[25] === '1' ? 0 : 14, r[25] === '1' ? 7 : 21).join('') === '0010010'));
    // RBF: centroid j has class j mod k, picked uniformly: balanced.
    const rbf = (await table('rbf', { rows: 9000, classes: 3, centroids: 30 })).rows;
    for (const c of ['c0', 'c1', 'c2']) near(share(rbf, 10, c), 1 / 3, 9000, `rbf ${c}`);
    // Random tree: the classes the tree's leaves hold, no other.
    const tree = (await table('random-tree', { rows: 4000, classes: 3 })).rows;
    assert.ok(tree.every((r) => /^c[012]$/.test(r[10]!)));
    assert.ok(new Set(tree.map((r) => r[10])).size >= 2);
  });

  it('abrupt drift switches exactly at --drift-at; a sigmoid drift of width w mixes the concepts as MOA does', async () => {
    const abrupt = (await table('sine', { rows: 3000, concepts: [2, 4, 2], driftAt: [1000, 2500], conceptColumn: true })).rows;
    abrupt.forEach((r, i) => assert.equal(r[3], i < 1000 ? '2' : i < 2500 ? '4' : '2', `row ${i}`));
    // Width 2000 around row 10000: the later concept's share over a window is the sigmoid's mean there.
    const gradual = (await table('stagger', { rows: 20000, concepts: [1, 3], driftAt: [10000], driftWidth: [2000], conceptColumn: true })).rows;
    for (const [from, to] of [[8000, 9000], [9500, 10500], [11000, 12000], [14000, 15000]] as const) {
      let expected = 0;
      for (let t = from; t < to; t++) expected += 1 / (1 + Math.exp((-4 * (t - 10000)) / 2000));
      near(share(gradual.slice(from, to), 5, '3'), expected / (to - from), to - from, `rows ${from}-${to}`);
    }
    assert.ok(gradual.slice(0, 5000).every((r) => r[5] === '1') && gradual.slice(15000).every((r) => r[5] === '3'));
  });

  it('rbf --speed moves each centroid by that distance per row: row i is at most speed * i from where a still centroid would put it', async () => {
    const still = (await table('rbf', { rows: 2000, fullPrecision: true })).rows;
    const moving = (await table('rbf', { rows: 2000, fullPrecision: true, speed: 0.0005 })).rows;
    let moved = 0;
    still.forEach((r, i) => {
      const distance = Math.hypot(...r.slice(0, 10).map((x, d) => Number(x) - Number(moving[i]![d])));
      assert.ok(distance <= 0.0005 * i + 1e-9, `row ${i}: ${distance}`);
      assert.equal(moving[i]![10], r[10]);
      if (distance > 0.0005 * i * 0.5) moved++;
    });
    assert.ok(moved > 1000, `${moved} rows moved at least half the way`);
  });

  it('bad drift options are usage errors naming the flag (exit 2)', async () => {
    for (const [args, message] of [
      [['sea', '--concepts', '1,5'], /--concepts: sea has concepts 1 to 4; got 5/],
      [['agrawal', '--concepts', '1,2,3', '--drift-at', '100'], /--drift-at gives 1 position\(s\) for 3 concepts/],
      [['agrawal', '--concepts', '1,2', '--drift-at', '20000'], /--drift-at 20000 is not before the end/],
      [['sine', '--concepts', '1,2,3', '--drift-at', '500,400'], /must increase/],
      [['friedman', '--concepts', '1,1'], /friedman has no concepts/],
      [['sea', '--speed', '0.1'], /--speed applies to rbf, not sea/],
      [['led', '--drift-width', '100'], /--drift-width: the stream has no drift/],
    ] as const) {
      const result = await runCli(['generate', ...args, '--rows', '1000']);
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split('\n').length, 1);
    }
  });
});
