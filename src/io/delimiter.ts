/**
 * Delimiter sniffing, as Python's csv.Sniffer and pandas' `sep=None` do: when the first line of a
 * CSV has no comma outside quotes but holds a semicolon, a tab or a bar, the candidate that splits it
 * into two fields or more, and splits the next lines into as many, is taken instead. Only the lines
 * already read are looked at: sniffing never waits on a live input.
 */

/** Tried in this order; the first that fits best wins. */
const CANDIDATES = [';', '\t', '|'] as const;
/** Lines looked at after the first. */
const SAMPLE_LINES = 20;

/** Fields of one line for delimiter `d`, quotes respected (a quoted field may hold `d`). */
function fieldCount(line: string, d: string): number {
  let fields = 1;
  let quoted = false;
  let fieldStart = true;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"') {
        if (line[i + 1] === '"') i++;
        else quoted = false;
      }
    } else if (c === '"' && fieldStart) {
      quoted = true;
    } else if (c === d) {
      fields++;
    }
    fieldStart = !quoted && c === d;
  }
  return fields;
}

/**
 * The delimiter of a CSV whose first line does not split on commas, from the start of its text:
 * undefined when commas do split it, or nothing fits better. `text` holds at least the first line.
 */
export function sniffDelimiter(text: string): string | undefined {
  const lines = text.split(/\r?\n/);
  // The last piece may be cut short by the end of the chunk (unless the text ends with a line break).
  if (lines.length > 1) lines.pop();
  const sample = lines.filter((l) => l.trim() !== '').slice(0, SAMPLE_LINES + 1);
  const [first, ...rest] = sample;
  if (first === undefined || fieldCount(first, ',') > 1) return undefined;
  let best: { d: string; agree: number; fields: number } | undefined;
  for (const d of CANDIDATES) {
    const fields = fieldCount(first, d);
    if (fields < 2) continue;
    const agree = rest.filter((l) => fieldCount(l, d) === fields).length;
    // Most of the rows read must split the same way as the first line.
    if (rest.length > 0 && agree * 2 < rest.length) continue;
    if (best === undefined || agree > best.agree || (agree === best.agree && fields > best.fields)) best = { d, agree, fields };
  }
  return best?.d;
}

/** A delimiter as the user would type it in a message: `;`, `\t`, `|`. */
export function showDelimiter(d: string): string {
  return d === '\t' ? '\\t' : d;
}
