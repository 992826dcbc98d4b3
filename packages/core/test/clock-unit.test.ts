import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../src/index.js';
import { TtlCache, epochSeconds } from '../src/kit.js';

// One clock unit: every `now` option of every package is a `Clock` (seconds since the epoch).

const packagesDir = join(import.meta.dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

describe('clock unit', () => {
  it('every public `now` option of every package is typed Clock (seconds), never a bare () => number', () => {
    const offenders: string[] = [];
    let options = 0;
    for (const pkg of readdirSync(packagesDir, { withFileTypes: true })) {
      if (!pkg.isDirectory()) continue;
      const src = join(packagesDir, pkg.name, 'src');
      let files: string[];
      try {
        files = sources(src);
      } catch {
        continue;
      }
      for (const file of files) {
        for (const line of readFileSync(file, 'utf8').split('\n')) {
          if (!/^\s*now\?:/.test(line)) continue;
          options++;
          if (!/^\s*now\?: Clock \| undefined;/.test(line)) offenders.push(`${file}: ${line.trim()}`);
        }
      }
    }
    expect(options).toBeGreaterThan(10);
    expect(offenders).toEqual([]);
  });

  it('the default clock is seconds, and the stores and caches read an injected one as seconds', async () => {
    expect(Math.abs(epochSeconds() - Date.now() / 1000)).toBeLessThan(5);
    let t = 1_700_000_000;
    const store = new MemoryStore({ now: () => t });
    await store.set('k', 'v', { ttlSeconds: 60 });
    const cache = new TtlCache<string, string>({ maxEntries: 1, now: () => t });
    cache.set('k', 'v', { ttlSeconds: 60 });
    t += 59;
    expect([await store.get('k'), cache.get('k')]).toEqual(['v', 'v']);
    t += 1;
    expect([await store.get('k'), cache.get('k')]).toEqual([null, undefined]);
  });
});
