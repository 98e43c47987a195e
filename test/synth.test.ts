/** The bundled datasets are what the generators make from the seeds their README names. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { GENERATORS, writeStream, type GeneratorName } from '../src/synth/generators.js';
import { ROOT } from './helpers.js';

async function generate(name: GeneratorName, rows: number, noise: number, fullPrecision = false): Promise<string> {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  await writeStream(GENERATORS[name]({ rows, seed: 42, noise, fullPrecision }), rows, 'csv', sink);
  return text;
}

describe('synthetic streams', () => {
  for (const [name, file, rows, noise] of [
    ['sea', 'sea_drift', 10000, 0.1],
    ['stagger', 'stagger', 5000, 0.05],
    ['friedman', 'friedman', 5000, 1],
    ['hyperplane', 'hyperplane', 5000, 0.05],
  ] as const) {
    it(`datasets/${file}.csv is ${name} with seed 42, byte for byte`, async () => {
      assert.equal(await generate(name, rows, noise), readFileSync(`${ROOT}datasets/${file}.csv`, 'utf8'));
    });
  }

  it('SEA labels follow its concept, with the noise asked for', async () => {
    const rows = (await generate('sea', 20000, 0.1)).trim().split('\n').slice(1);
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
      const fixed = (await generate(name, 2000, 0.1)).trim().split('\n');
      const full = (await generate(name, 2000, 0.1, true)).trim().split('\n');
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
});
