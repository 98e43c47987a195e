/**
 * Loads the report's renderer (document.ts and the charting libraries, ES modules) when a report is
 * written, not with every command. A module of its own because the bundled CLI runs from a V8 code
 * cache, where import() does not work (see cli/boot.ts): the build leaves this module to node's
 * own loader, as a file of its own beside the bundle.
 */
export function importDocument(): Promise<typeof import('./document.js')> {
  return import('./document.js');
}
