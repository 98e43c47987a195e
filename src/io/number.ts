/**
 * What counts as a "plain number" cell, defined once for every reader.
 *
 * A plain number is text matching PLAIN_NUMBER: an optional sign, decimal digits with an optional
 * point, an optional exponent. Its value is exactly `Number(text)`. Everything else that Number()
 * would accept (' 3', '0x10', 'Infinity', '') stays text, so the featurizer decides what it means.
 */

/** The definition. The byte parser below accepts exactly the strings this matches. */
export const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The value of a plain number given as a string, or NaN when the text is not a plain number. */
export function plainNumberValue(text: string): number {
  return PLAIN_NUMBER.test(text) ? Number(text) : NaN;
}

/** Powers of ten that are exact doubles. */
const POW10 = [
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
  1e18, 1e19, 1e20, 1e21, 1e22,
];
/** Their reciprocals, rounded (only ever used where the result is corrected afterwards). */
const INV_POW10 = POW10.map((p) => 1 / p);

/**
 * Reads buf[start, end) as a plain number without making a string, or returns NaN when those bytes
 * are not a plain number. The result is bit-identical to `Number(text)`.
 */
export function parsePlainNumber(buf: Buffer, start: number, end: number): number {
  const v = readNumber(buf, start, end);
  return stop === end ? v : NaN;
}

/** Where the last readNumber stopped: the index of the first byte after the number. */
let stop = 0;

/** The index after the number that the last readNumber call read. */
export function numberEnd(): number {
  return stop;
}

/**
 * Reads the longest plain number at buf[start, end) without making a string, and sets what
 * numberEnd() returns to the index after it. NaN when no plain number starts there, or when an
 * exponent marker has no digits (so the cell cannot be a plain number whatever follows).
 *
 * The value is bit-identical to `Number(text)`: with at most 15 digits and a power of ten that is an
 * exact double, one IEEE multiplication or division of two exact operands is the correctly rounded
 * value, as Number() gives; up to 19 digits, see fromParts; anything else is handed to Number()
 * itself. The digit loops only accumulate: how many digits there were comes from the positions.
 * Digits after the 15th (counting leading zeros) go into `tail`, as the 15 before them would no
 * longer be exact in `mant`.
 */
export function readNumber(buf: Buffer, start: number, end: number): number {
  let i = start;
  stop = start;
  if (i >= end) return NaN;
  let c = buf[i]!;
  let neg = false;
  if (c === 45 || c === 43) {
    neg = c === 45;
    if (++i === end) return NaN;
    c = buf[i]!;
  }
  let mant = 0;
  // Integer part: buf[intStart, i) once the loop ends. (d >>> 0 > 9: not a digit, in one test.)
  const intStart = i;
  while (i < end) {
    const d = buf[i]! - 48;
    if (d >>> 0 > 9) break;
    mant = mant * 10 + d;
    i++;
  }
  if (i === end) return finish(buf, start, (stop = end), neg, mant, i - intStart, 0, 0, 0, 0);
  c = buf[i]!;
  let digits = i - intStart;
  let scale = 0;
  let tail = 0;
  let tailDigits = 0;
  // Fraction.
  if (c === 46) {
    const fracStart = ++i;
    // Digits go into mant up to the 15th in all, then into tail.
    const mantStop = Math.min(end, fracStart + 15 - digits);
    while (i < mantStop) {
      const d = buf[i]! - 48;
      if (d >>> 0 > 9) break;
      mant = mant * 10 + d;
      i++;
    }
    const tailStart = i;
    while (i < end) {
      const d = buf[i]! - 48;
      if (d >>> 0 > 9) break;
      tail = tail * 10 + d;
      i++;
    }
    tailDigits = i - tailStart;
    scale = i - fracStart;
    digits += scale;
    if (i === end) return digits === 0 ? NaN : finish(buf, start, (stop = end), neg, mant, digits, scale, 0, tail, tailDigits);
    c = buf[i]!;
  }
  if (digits === 0) return NaN;
  // Exponent.
  if (c !== 101 && c !== 69) return finish(buf, start, (stop = i), neg, mant, digits, scale, 0, tail, tailDigits);
  if (++i === end) return NaN;
  c = buf[i]!;
  let eneg = false;
  if (c === 45 || c === 43) {
    eneg = c === 45;
    if (++i === end) return NaN;
    c = buf[i]!;
  }
  let exp = 0;
  const expStart = i;
  while (c >= 48 && c <= 57) {
    if (exp < 100000) exp = exp * 10 + (c - 48);
    if (++i === end) break;
    c = buf[i]!;
  }
  if (i === expStart) return NaN;
  return finish(buf, start, (stop = i), neg, mant, digits, scale, eneg ? -exp : exp, tail, tailDigits);
}

/**
 * The value of the digits read: `mant` followed by the `tailDigits` digits of `tail`, scale of them
 * after the point, times 10^exp. Up to 15 digits (leading zeros included) mant is an exact integer
 * below 2^53. Up to 19 with at most 15 before the point, fromParts; longer or odder ones (Python and
 * JavaScript print up to 17 significant digits, after leading zeros) are read again by longDecimal.
 */
function finish(
  buf: Buffer, start: number, end: number, neg: boolean,
  mant: number, digits: number, scale: number, exp: number, tail: number, tailDigits: number,
): number {
  let v: number;
  if (digits <= 15) {
    v = mant === 0 ? 0 : scaled(mant, exp - scale);
    if (v !== v) v = fromParts(mant, 0, 0, exp - scale);
  } else if (digits <= 19 && digits - scale <= 15) v = fromParts(mant, tail, tailDigits, exp - scale);
  else v = longDecimal(buf, start, end, exp);
  if (v !== v) return Number(buf.toString('latin1', start, end));
  return neg ? -v : v;
}

/** m × 10^k for an exact integer m below 2^53, correctly rounded, or NaN when 10^k is not exact. */
function scaled(m: number, k: number): number {
  if (k === 0) return m;
  if (k > 0 && k <= 22) return m * POW10[k]!;
  if (k < 0 && k >= -22) return m / POW10[-k]!;
  return NaN;
}

/** 2^27 + 1: Veltkamp's constant that splits a double into two halves of 26 bits. */
const SPLIT = 134217729;
/** Far above the error of q + c in fromParts (under |q|·2^-98), far below half an ulp (|q|·2^-54). */
const TOLERANCE = 2 ** -90;

/** The rounding error of p = fl(a × b): a × b − p exactly (Dekker's product, as JavaScript has no FMA). */
function productError(a: number, b: number, p: number): number {
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/**
 * Beyond ±22, powers of ten are kept as two doubles, up to ±280: far enough from the ends of the
 * double range that no product below overflows and no low part is subnormal.
 */
const MAX_POWER = 280;
/** 10^k ≈ POWERS[2(k + MAX_POWER)] + POWERS[2(k + MAX_POWER) + 1], filled in when first needed. */
const POWERS = new Float64Array(4 * MAX_POWER + 2);

/** Works out 10^k as hi + lo exactly with big integers: hi the nearest double, lo the nearest to the rest. */
function fillPower(k: number, j: number): void {
  let hi: number;
  let lo: number;
  if (k >= 0) {
    const exact = 10n ** BigInt(k);
    hi = Number(exact);
    lo = Number(exact - BigInt(hi));
  } else {
    // hi = m · 2^e with e < 0, so 10^k − hi = (2^-e − m · 10^-k) / (2^-e · 10^-k).
    hi = Number(`1e${k}`);
    const bits = new BigUint64Array(new Float64Array([hi]).buffer)[0]!;
    const m = (bits & ((1n << 52n) - 1n)) | (1n << 52n);
    const e = Number(bits >> 52n) - 1075;
    const ten = 10n ** BigInt(-k);
    lo = (Number((1n << BigInt(-e)) - m * ten) / Number(ten)) * 2 ** e;
  }
  POWERS[j] = hi;
  POWERS[j + 1] = lo;
}

/**
 * M × 10^k correctly rounded, where M = hi · 10^loDigits + lo is below 10^19 (hi below 10^15,
 * loDigits at most 4), or NaN when that cannot be settled here.
 *
 * M is held exactly as the sum of two doubles mh + ml. The value is then a first product or
 * quotient q plus a correction c computed from exact error terms, so that q + c is within |q|·2^-98
 * of M × 10^k. One IEEE addition rounds q + c correctly unless M × 10^k is that close to a midpoint
 * between two doubles; rounding q + c ± tolerance tells: when both give the same double, so does
 * M × 10^k (rounding is monotonic). Otherwise NaN, as for |k| > MAX_POWER.
 */
function fromParts(hi: number, lo: number, loDigits: number, k: number): number {
  if (k > MAX_POWER || k < -MAX_POWER) return NaN;
  if (lo === 0) {
    // Trailing zeros (np.savetxt's 1.000000000000000000e+00): hi alone is exact.
    const v = scaled(hi, k + loDigits);
    if (v === v) return v;
  }
  const p10 = POW10[loDigits]!;
  const m = hi * p10;
  // hi × p10 − m exactly: p10 has at most 14 significant bits, so only hi needs splitting.
  const t = SPLIT * hi;
  const hh = t - (t - hi);
  const mErr = hh * p10 - m + (hi - hh) * p10;
  const mh = m + lo;
  const back = mh - m;
  // Both error terms are integers below 2^12, so their sum is exact.
  const ml = mErr + (m - (mh - back)) + (lo - back);
  if (mh < 9007199254740992) {
    // M is below 2^53: mh is M, and one correctly rounded operation is enough when 10^k is exact.
    const v = scaled(mh, k);
    if (v === v) return v;
  }
  let q: number;
  let c: number;
  if (k > 22 || k < -22) {
    // 10^k is not a double: it is taken as the sum of two, phi + plo, within |10^k|·2^-103.
    const j = 2 * (k + MAX_POWER);
    if (POWERS[j] === 0) fillPower(k, j);
    const phi = POWERS[j]!;
    const plo = POWERS[j + 1]!;
    q = mh * phi;
    c = productError(mh, phi, q) + (mh * plo + ml * phi);
  } else if (k >= 0) {
    const p = POW10[k]!;
    q = mh * p;
    c = productError(mh, p, q) + ml * p;
  } else {
    const p = POW10[-k]!;
    const inv = INV_POW10[-k]!;
    q = mh * inv;
    const qp = q * p;
    // q·p is within a few ulps of mh, so mh − qp is exact; the remainder M − q·p is then exact to |M|·2^-104.
    c = (mh - qp - productError(q, p, qp) + ml) * inv;
  }
  const tolerance = q * TOLERANCE;
  const v = q + (c - tolerance);
  return v === q + (c + tolerance) ? v : NaN;
}

/**
 * Numbers with more than 19 digits or more than 15 before the point: the digits are read again,
 * leading zeros skipped, and the first 19 significant ones go to fromParts (NaN when a later one is
 * not 0). The sign is the caller's.
 */
function longDecimal(buf: Buffer, start: number, end: number, exp: number): number {
  let hi = 0;
  let lo = 0;
  let loDigits = 0;
  let significant = 0;
  let k = exp;
  let fraction = false;
  let i = start;
  const first = buf[i]!;
  if (first === 45 || first === 43) i++;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c === 46) {
      fraction = true;
      continue;
    }
    if (c === 101 || c === 69) break;
    const d = c - 48;
    if (significant === 0 && d === 0) {
      if (fraction) k--;
    } else if (significant < 19) {
      if (significant < 15) hi = hi * 10 + d;
      else {
        lo = lo * 10 + d;
        loDigits++;
      }
      significant++;
      if (fraction) k--;
    } else if (d !== 0) return NaN;
    else if (!fraction) k++;
  }
  return significant === 0 ? 0 : fromParts(hi, lo, loDigits, k);
}
