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

/**
 * Reads buf[start, end) as a plain number without making a string, or returns NaN when those bytes
 * are not a plain number. The result is bit-identical to `Number(text)`: with at most 15 digits and
 * a power of ten that is an exact double, one IEEE multiplication or division of two exact operands
 * is the correctly rounded value, as Number() gives; anything else is handed to Number() itself.
 * The digit loops only accumulate: how many digits there were comes from the positions.
 */
export function parsePlainNumber(buf: Buffer, start: number, end: number): number {
  let i = start;
  if (i >= end) return NaN;
  let c = buf[i]!;
  let neg = false;
  if (c === 45 || c === 43) {
    neg = c === 45;
    if (++i === end) return NaN;
    c = buf[i]!;
  }
  let mant = 0;
  // Integer part: buf[intStart, i) once the loop ends.
  const intStart = i;
  while (c >= 48 && c <= 57) {
    mant = mant * 10 + (c - 48);
    if (++i === end) return finish(buf, start, end, neg, mant, i - intStart, 0, 0);
    c = buf[i]!;
  }
  let digits = i - intStart;
  let scale = 0;
  // Fraction.
  if (c === 46) {
    if (++i === end) return digits === 0 ? NaN : finish(buf, start, end, neg, mant, digits, 0, 0);
    const fracStart = i;
    c = buf[i]!;
    while (c >= 48 && c <= 57) {
      mant = mant * 10 + (c - 48);
      if (++i === end) return finish(buf, start, end, neg, mant, digits + i - fracStart, i - fracStart, 0);
      c = buf[i]!;
    }
    scale = i - fracStart;
    digits += scale;
  }
  if (digits === 0) return NaN;
  // Exponent.
  if (c !== 101 && c !== 69) return NaN;
  if (++i === end) return NaN;
  c = buf[i]!;
  let eneg = false;
  if (c === 45 || c === 43) {
    eneg = c === 45;
    if (++i === end) return NaN;
    c = buf[i]!;
  }
  let exp = 0;
  let edigits = 0;
  while (c >= 48 && c <= 57) {
    edigits++;
    if (exp < 100000) exp = exp * 10 + (c - 48);
    if (++i === end) break;
    c = buf[i]!;
  }
  if (i !== end || edigits === 0) return NaN;
  return finish(buf, start, end, neg, mant, digits, scale, eneg ? -exp : exp);
}

/**
 * With at most 15 digits (leading zeros included) the mantissa is an exact integer below 2^53;
 * longer ones, rare in data, go to Number().
 */
function finish(buf: Buffer, start: number, end: number, neg: boolean, mant: number, digits: number, scale: number, exp: number): number {
  if (digits <= 15) {
    if (mant === 0) return neg ? -0 : 0;
    const k = exp - scale;
    let v: number;
    if (k === 0) v = mant;
    else if (k > 0 && k <= 22) v = mant * POW10[k]!;
    else if (k < 0 && k >= -22) v = mant / POW10[-k]!;
    else return Number(buf.toString('latin1', start, end));
    return neg ? -v : v;
  }
  return Number(buf.toString('latin1', start, end));
}
