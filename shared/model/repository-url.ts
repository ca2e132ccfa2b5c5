import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder of a repository on this machine (a `file://` URL or an absolute path), else undefined. */
export function localRepositoryPath(url: string): string | undefined {
  if (/^file:/i.test(url)) return fileURLToPath(url);
  return isAbsolute(url) ? url : undefined;
}
