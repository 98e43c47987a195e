/**
 * The CSV fast path: bytes without any quote character, split on the delimiter and '\n' in one
 * scan, numbers read straight from the bytes (see number.ts), only text cells decoded to strings.
 * Rows come out identical to the general path (csv-general.ts) on the same bytes.
 */
import { isUtf8 } from 'node:buffer';
import type { FixedBatcher } from './batch.js';
import { numberEnd, readNumber } from './number.js';
import { tooLongIssue, type RowIssue } from './types.js';

/** The issue of a record holding bytes that are not UTF-8, naming the first field that does. */
export function notUtf8Issue(record: Buffer, delimiter: number, names: readonly string[]): RowIssue {
  let start = 0;
  for (let col = 0; start <= record.length; col++) {
    let stop = record.indexOf(delimiter, start);
    if (stop === -1) stop = record.length;
    if (!isUtf8(record.subarray(start, stop))) {
      const field = names[col];
      return {
        reason: 'invalid-utf8',
        ...(field === undefined ? {} : { field }),
        message: 'expected UTF-8 text, found bytes that are not UTF-8 (a Latin-1 file? convert it with iconv -f latin1 -t utf8)',
      };
    }
    start = stop + 1;
  }
  return { reason: 'invalid-utf8', message: 'expected UTF-8 text, found bytes that are not UTF-8' };
}

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
  /** False when the block holds bytes that are not UTF-8: each row is then checked, and marked when bad. */
  utf8 = true,
): number {
  const width = b.width;
  const capacity = b.capacity;
  let rows = b.rows;
  let values = b.values;
  let text = b.text;
  let lines = b.line;
  const literalWanted = b.literalWanted;
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
    const rowStart = i;
    lines[rows] = lineNo;
    let col = 0;
    let p = i;
    let q = i;
    for (;;) {
      // A cell is read as a number first, which also finds where it ends; only a cell that is not
      // a finite plain number followed by a delimiter or a line break is scanned and decoded as text.
      let v = NaN;
      if (col < width) {
        v = readNumber(buf, p, end);
        q = numberEnd();
      }
      let c = q < end ? buf[q]! : 0;
      if (v - v === 0 && (q === end || c === delimiter || c === 10 || (c === 13 && q + 1 < end && buf[q + 1] === 10))) {
        values[base + col] = v;
        if (literalWanted !== null && literalWanted[col] === 1) b.literal![base + col] = buf.toString('latin1', p, q);
        // A '\r' right before the '\n' belongs to the line break.
        if (c === 13) c = buf[++q]!;
      } else {
        while (q < end) {
          c = buf[q]!;
          if (c === delimiter || c === 10) break;
          q++;
        }
        if (col < width) {
          // buf[p, fe) is the cell.
          let fe = q;
          if (q < end && c === 10 && fe > p && buf[fe - 1] === 13) fe--;
          values[base + col] = NaN;
          text[base + col] = p === fe ? '' : b.textOf(buf, p, fe, col);
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
      b.setRagged(rows, col);
    }
    if (i - rowStart > b.maxRecordBytes) {
      b.rows = rows;
      b.setIssue(rows, tooLongIssue(b.maxRecordBytes, 'record'));
    } else if (!utf8 && !isUtf8(buf.subarray(rowStart, i))) {
      b.rows = rows;
      b.setIssue(rows, notUtf8Issue(buf.subarray(rowStart, i), delimiter, b.names));
    }
    rows++;
  }
  b.rows = rows;
  return line;
}
