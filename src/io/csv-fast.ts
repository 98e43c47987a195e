/**
 * The CSV fast path: bytes without any quote character, split on the delimiter and '\n' in one
 * scan, numbers read straight from the bytes (see number.ts), only text cells decoded to strings.
 * Rows come out identical to the general path (csv-general.ts) on the same bytes.
 */
import type { FixedBatcher } from './batch.js';
import { parsePlainNumber } from './number.js';

/**
 * Parses buf[start, end): whole lines, each ending in '\n' except possibly the last one when the
 * input ends there. `line` is the physical line number of buf[start]; returns the number of the line
 * after the block. Blank lines (nothing, or only '\r', before '\n') are skipped but counted.
 */
export function parseFastBlock(
  b: FixedBatcher,
  buf: Buffer,
  start: number,
  end: number,
  delimiter: number,
  line: number,
): number {
  const width = b.width;
  const capacity = b.capacity;
  let rows = b.rows;
  let values = b.values;
  let text = b.text;
  let lines = b.line;
  let i = start;
  while (i < end) {
    const lineNo = line++;
    const first = buf[i]!;
    if (first === 10) {
      i++;
      continue;
    }
    if (first === 13 && i + 1 < end && buf[i + 1] === 10) {
      i += 2;
      continue;
    }
    if (rows === capacity) {
      b.rows = rows;
      b.flush();
      rows = 0;
      values = b.values;
      text = b.text;
      lines = b.line;
    }
    const base = rows * width;
    lines[rows] = lineNo;
    let col = 0;
    let p = i;
    let q = i;
    for (;;) {
      let c = 0;
      while (q < end) {
        c = buf[q]!;
        if (c === delimiter || c === 10) break;
        q++;
      }
      // buf[p, fe) is the field; a '\r' right before the '\n' belongs to the line break.
      let fe = q;
      if (q < end && c === 10 && fe > p && buf[fe - 1] === 13) fe--;
      if (col < width) {
        const v = parsePlainNumber(buf, p, fe);
        if (v === v) {
          values[base + col] = v;
        } else {
          values[base + col] = NaN;
          text[base + col] = p === fe ? '' : buf.toString('utf8', p, fe);
        }
      }
      col++;
      if (q < end && c === delimiter) {
        p = ++q;
        continue;
      }
      break;
    }
    i = q < end ? q + 1 : end;
    if (col !== width) {
      b.rows = rows;
      if (col < width) b.fillAbsent(rows, col);
      b.setIssue(rows, { reason: 'ragged-row', message: `expected ${width} fields, found ${col}` });
    }
    rows++;
  }
  b.rows = rows;
  return line;
}
