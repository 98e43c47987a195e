/** The plain-number definition and the byte parser that must agree with it and with Number(). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PLAIN_NUMBER, parsePlainNumber, plainNumberValue } from '../src/io/number.js';
import { Random } from '../src/util/random.js';

/** The byte parser on the string's bytes, placed inside other bytes to check the bounds are honoured. */
function fromBytes(s: string): number {
  const buf = Buffer.from(`9${s}9`, 'latin1');
  return parsePlainNumber(buf, 1, buf.length - 1);
}

/** What the byte parser must give: Number(s) for plain numbers, NaN otherwise. */
function expected(s: string): number {
  return PLAIN_NUMBER.test(s) ? Number(s) : NaN;
}

function randomNumberText(rng: Random): string {
  const digits = (n: number): string => Array.from({ length: n }, () => String(rng.int(10))).join('');
  const sign = ['', '', '-', '+'][rng.int(4)]!;
  const intPart = digits(rng.int(20));
  const point = rng.next() < 0.6 ? '.' : '';
  const frac = point ? digits(rng.int(20)) : '';
  let exp = '';
  if (rng.next() < 0.3) {
    const e = rng.next() < 0.8 ? rng.int(30) : rng.int(400);
    exp = (rng.next() < 0.5 ? 'e' : 'E') + ['', '-', '+'][rng.int(3)]! + String(e);
  }
  return sign + intPart + point + frac + exp;
}

describe('plain numbers', () => {
  it('reads the tricky cases exactly as Number() does, and leaves the rest as NaN', () => {
    const plain = ['0', '-0', '+0', '1e5', '.5', '5.', '0.1', '0.3', '123456789012345678', '1e400', '-1e400', '1e-400',
      '+3', '007', '1.7976931348623157e308', '4.9e-324', '2.2250738585072014e-308', '9007199254740993',
      '0.1e1', '5.e3', '.5E-3', '1E+22', '1e23', '8.98846567431158e307', '123456789012345', '1234567890123456',
      '0.000000000000000000000000001', '1e0000000000000000000000001', '00000000000000000000000000000012.5'];
    for (const s of plain) {
      assert.ok(PLAIN_NUMBER.test(s), s);
      assert.ok(Object.is(fromBytes(s), Number(s)), `${s}: ${fromBytes(s)} vs ${Number(s)}`);
      assert.ok(Object.is(plainNumberValue(s), Number(s)), s);
    }
    const notPlain = ['', ' 3', '3 ', '0x10', 'Infinity', '-Infinity', 'NaN', '1,5', '.', '-', '+', 'e5', '1e', '1e+',
      '--1', '1..2', '1.2.3', '0b1', '1_000', '١', '3\t', '1e5.5', '+-1', '.e1'];
    for (const s of notPlain) {
      assert.ok(!PLAIN_NUMBER.test(s), s);
      assert.ok(Number.isNaN(fromBytes(s)), s);
      assert.ok(Number.isNaN(plainNumberValue(s)), s);
    }
  });

  it('agrees with the regex and Number() on 200,000 random decimal strings', () => {
    const rng = new Random(20240601);
    let fastChecked = 0;
    for (let k = 0; k < 200000; k++) {
      const s = randomNumberText(rng);
      const want = expected(s);
      const got = fromBytes(s);
      if (!Object.is(got, want)) assert.fail(`${JSON.stringify(s)}: got ${got}, want ${want}`);
      if (!Number.isNaN(want)) fastChecked++;
    }
    assert.ok(fastChecked > 100000, `only ${fastChecked} plain numbers generated`);
  });

  it('round-trips random doubles printed the way JavaScript prints them', () => {
    const rng = new Random(7);
    const f64 = new Float64Array(1);
    const u32 = new Uint32Array(f64.buffer);
    for (let k = 0; k < 100000; k++) {
      u32[0] = rng.nextUint32();
      u32[1] = rng.nextUint32();
      const x = f64[0]!;
      if (!Number.isFinite(x)) continue;
      for (const s of [String(x), x.toExponential(), x.toPrecision(1 + rng.int(17)), x.toFixed(rng.int(12))]) {
        if (!PLAIN_NUMBER.test(s)) continue; // toFixed switches to exponent form for huge values
        if (!Object.is(fromBytes(s), Number(s))) assert.fail(`${s}: got ${fromBytes(s)}, want ${Number(s)}`);
      }
    }
  });

  it('reads 16 to 19 significant digits as Number() does, near midpoints between doubles too', () => {
    const rng = new Random(11);
    const f64 = new Float64Array(1);
    const u64 = new BigUint64Array(f64.buffer);
    const digits = (n: number): string => Array.from({ length: n }, () => String(rng.int(10))).join('');
    for (let n = 0; n < 100000; n++) {
      // Random long mantissas at every decimal exponent the fast path takes, and beyond.
      const m = String(1 + rng.int(9)) + digits(15 + rng.int(4));
      const point = rng.int(m.length + 1);
      const s = `${rng.next() < 0.2 ? '-' : ''}${'0.'.repeat(rng.int(2))}${m.slice(0, point)}.${m.slice(point)}e${rng.next() < 0.5 ? rng.int(50) - 25 : rng.int(700) - 350}`;
      if (!Object.is(fromBytes(s), Number(s))) assert.fail(`${s}: got ${fromBytes(s)}, want ${Number(s)}`);
    }
    for (let n = 0; n < 30000; n++) {
      // The exact midpoint between a double and the next, (2m + 1) · 2^(e-1), printed to 16–19
      // significant digits and nudged by one unit in the last place: numbers as close to a rounding
      // boundary as such short decimals get, from 1e-250 to 1e250.
      f64[0] = (1 + rng.next()) * 10 ** (rng.int(500) - 250);
      const bits = u64[0]!;
      const mant = (bits & ((1n << 52n) - 1n)) | (1n << 52n);
      const e2 = Number((bits >> 52n) & 0x7ffn) - 1075;
      const num = 2n * mant + 1n;
      // midpoint = text × 10^shift exactly
      const [text, shift] = e2 - 1 >= 0 ? [(num << BigInt(e2 - 1)).toString(), 0] : [(num * 5n ** BigInt(1 - e2)).toString(), e2 - 1];
      const keep = 16 + rng.int(4);
      const head = BigInt(text.slice(0, keep)) + BigInt(rng.int(3) - 1);
      const exponent = text.length - keep + shift;
      for (const s of [`${head}e${exponent}`, `${text.slice(0, keep)}e${exponent}`, `${text.slice(0, 1 + rng.int(15))}e${exponent}`]) {
        if (!Object.is(fromBytes(s), Number(s))) assert.fail(`${s}: got ${fromBytes(s)}, want ${Number(s)}`);
      }
    }
    for (const s of ['9007199254740993', '9007199254740995', '18014398509481985', '0.30000000000000004',
      '0.05644299999999999', '1.3436424411240122', '9999999999999999999', '1000000000000000000000', '12345678901234567890123']) {
      assert.ok(Object.is(fromBytes(s), Number(s)), s);
    }
  });
});
