import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The Slipway checkout's root: the nearest folder upwards with Slipway's package.json. Works from sources
 * (tests, tsx) and from the bundles built into node_modules/.cache.
 */
export function slipwayRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'slipway') return dir;
    if (dirname(dir) === dir) throw new Error(`Cannot find the Slipway root above ${from}.`);
  }
}
