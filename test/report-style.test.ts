/** Number formatting for the terminal reporters. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatCount } from '../src/report/style.js';
import { Random } from '../src/util/random.js';

describe('formatCount', () => {
  it('groups thousands as en-US does, for whole numbers of every length and sign', () => {
    const rng = new Random(3);
    for (let k = 0; k < 5000; k++) {
      const n = Math.round((rng.next() - 0.3) * 10 ** rng.int(16)) || 0; // no -0: it prints as 0
      assert.equal(formatCount(n), n.toLocaleString('en-US'), String(n));
    }
  });

  it('rounds fractions to whole numbers', () => {
    assert.equal(formatCount(1234.6), '1,235');
    assert.equal(formatCount(-0.4), '0');
    assert.equal(formatCount(999.5), '1,000');
  });
});
