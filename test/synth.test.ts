/** The bundled datasets are what the generators make from the seeds their README names. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { GENERATORS, writeStream, type GeneratorName } from '../src/synth/generators.js';
import { ROOT } from './helpers.js';

async function generate(name: GeneratorName, rows: number, noise: number): Promise<string> {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  await writeStream(GENERATORS[name]({ rows, seed: 42, noise }), rows, 'csv', sink);
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
});
