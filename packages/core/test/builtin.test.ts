import nodeCrypto from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nodeBuiltin } from '../src/kit.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('nodeBuiltin', () => {
  it('reaches a Node built-in at run time', () => {
    expect(nodeBuiltin('node:crypto')).toBe(nodeCrypto);
  });

  it('is undefined where the runtime has no such module or no getBuiltinModule', () => {
    vi.spyOn(process, 'getBuiltinModule').mockImplementation(() => {
      throw new Error('not here');
    });
    expect(nodeBuiltin('node:crypto')).toBeUndefined();
    vi.restoreAllMocks();
    vi.spyOn(globalThis, 'process', 'get').mockReturnValue(undefined as never);
    expect(nodeBuiltin('node:crypto')).toBeUndefined();
  });
});
