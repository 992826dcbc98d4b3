import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { boundedStoreContract, storeContract, takeConcurrently } from '@mcpauth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/index.js';
import { FileStore } from '../../src/node.js';

describe('FileStore', () => {
  let dir: string;
  let n = 0;
  const file = () => join(dir, `store-${++n}.json`);
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'file-store-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  describe('contract', () => {
    const store = new FileStore({ path: join(tmpdir(), `file-store-contract-${process.pid}-${Date.now()}.json`) });
    afterAll(() => rm(store.path, { force: true }));
    for (const c of storeContract) it(c.name, () => c.run(store));
    for (const c of boundedStoreContract)
      it(`bounded: ${c.name}`, () => c.run((max) => new FileStore({ path: file(), maxEntriesPerCollection: max })));
  });

  it('keeps every entry of its file on reload even above the bound, and refuses new keys then', async () => {
    const path = file();
    const big = new FileStore({ path, maxEntriesPerCollection: 5 });
    for (let i = 0; i < 5; i++) await big.set(`grants:${i}`, String(i), { ttlSeconds: 3600 });
    const small = new FileStore({ path, maxEntriesPerCollection: 2 });
    for (let i = 0; i < 5; i++) expect(await small.get(`grants:${i}`)).toBe(String(i));
    await expect(small.set('grants:new', 'x')).rejects.toMatchObject({ code: 'ERR_STORE_FULL' });
    expect(await small.increment('limits:a', { ttlSeconds: 60 })).toBe(1);
    expect(await new FileStore({ path }).increment('limits:a', { ttlSeconds: 60 })).toBe(2);
  });

  it('keeps its data across a restart (a new instance on the same file)', async () => {
    const path = join(dir, 'nested', 'dir', 'auth.json');
    const first = new FileStore({ path });
    await first.set('clients:c1', '{"client_id":"c1"}');
    await first.set('refresh:r1', 'family-1', { ttlSeconds: 3600 });
    await first.set('codes:gone', 'x');
    await first.take('codes:gone');

    const second = new FileStore({ path });
    expect(await second.get('clients:c1')).toBe('{"client_id":"c1"}');
    expect(await second.get('refresh:r1')).toBe('family-1');
    expect(await second.get('codes:gone')).toBeNull();
    expect(await second.take('refresh:r1')).toBe('family-1');

    const third = new FileStore({ path });
    expect(await third.get('refresh:r1')).toBeNull();
    expect(await third.get('clients:c1')).toBe('{"client_id":"c1"}');
  });

  it('honours TTLs after a reload and does not write expired entries', async () => {
    const path = file();
    let now = 1_700_000_000;
    const first = new FileStore({ path, now: () => now });
    await first.set('short', 's', { ttlSeconds: 10 });
    await first.set('long', 'l', { ttlSeconds: 1000 });
    await first.set('forever', 'f');

    now += 11;
    const second = new FileStore({ path, now: () => now });
    expect(await second.get('short')).toBeNull();
    expect(await second.get('long')).toBe('l');
    await second.set('touch', 't');
    const onDisk = JSON.parse(await readFile(path, 'utf8')) as { entries: [string, string, number | null][] };
    expect(onDisk.entries.map((e) => e[0]).sort()).toEqual(['forever', 'long', 'touch']);
    expect(onDisk.entries.find((e) => e[0] === 'forever')![2]).toBeNull();

    now += 1_000;
    const third = new FileStore({ path, now: () => now });
    expect(await third.get('long')).toBeNull();
    expect(await third.get('forever')).toBe('f');
  });

  it('50 concurrent takes after a reload: exactly one value, and the take is persisted', async () => {
    const path = file();
    await new FileStore({ path }).set('codes:once', 'grant');
    const store = new FileStore({ path });
    const results = await takeConcurrently([store], 'codes:once', 50);
    expect(results.filter((r) => r !== null)).toEqual(['grant']);
    expect(await new FileStore({ path }).get('codes:once')).toBeNull();
  });

  it('concurrent writes all reach the file; the file is 0600 and no temporary file is left', async () => {
    const path = file();
    const store = new FileStore({ path });
    await Promise.all(Array.from({ length: 100 }, (_, i) => store.set(`k${i}`, `v${i}`)));
    const reloaded = new FileStore({ path });
    for (let i = 0; i < 100; i++) expect(await reloaded.get(`k${i}`)).toBe(`v${i}`);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a corrupt file fails closed: every call rejects and the file is not overwritten', async () => {
    const path = file();
    await writeFile(path, '{"version":1,"entries":[["k","v"');
    const store = new FileStore({ path });
    await expect(store.ready()).rejects.toBeInstanceOf(ConfigurationError);
    await expect(store.get('k')).rejects.toBeInstanceOf(ConfigurationError);
    await expect(store.set('k', 'new')).rejects.toBeInstanceOf(ConfigurationError);
    expect(await readFile(path, 'utf8')).toBe('{"version":1,"entries":[["k","v"');

    const wrongShape = file();
    await writeFile(wrongShape, JSON.stringify({ version: 1, entries: [['k', 42, null]] }));
    await expect(new FileStore({ path: wrongShape }).get('k')).rejects.toThrow(/malformed entry/);
    const wrongVersion = file();
    await writeFile(wrongVersion, JSON.stringify({ version: 2, entries: [] }));
    await expect(new FileStore({ path: wrongVersion }).get('k')).rejects.toThrow(/version 1/);
  });

  it('a failed write rejects the call; the change is written with the next successful write', async () => {
    const blocker = join(dir, 'not-a-dir');
    const path = join(blocker, 'store.json');
    const store = new FileStore({ path });
    await store.ready();
    await writeFile(blocker, 'x');
    await expect(store.set('k', 'v')).rejects.toThrow();
    expect(await store.get('k')).toBe('v');
    await rm(blocker);
    await store.set('k2', 'v2');
    const reloaded = new FileStore({ path });
    expect(await reloaded.get('k')).toBe('v');
    expect(await reloaded.get('k2')).toBe('v2');
  });

  it('refuses bad options', () => {
    expect(() => new FileStore({ path: '' })).toThrow(TypeError);
    expect(() => new FileStore({ path: file(), maxEntriesPerCollection: 0 })).toThrow(TypeError);
  });
});
