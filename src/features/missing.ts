/** Cell texts that mean "no value": imputed, never an error. */
const MISSING = new Set(['', 'na', 'n/a', 'null', '?', 'nan', 'none']);

export function isMissing(text: string): boolean {
  return text === '' || (text.length <= 4 && MISSING.has(text.trim().toLowerCase()));
}
