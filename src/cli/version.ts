import { readFileSync } from 'node:fs';

/** The version from package.json, read once at the call. */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
