/**
 * A Node built-in module reached at run time (`process.getBuiltinModule`: Node ≥ 20.16, Bun,
 * Deno), so that library code has no static `node:` import; `undefined` where the runtime has
 * none (Workers, browsers), and the caller falls back to Web APIs.
 *
 * @example
 * ```ts
 * const crypto = nodeBuiltin<typeof import('node:crypto')>('node:crypto'); // undefined on Workers
 * ```
 */
export function nodeBuiltin<T>(id: string): T | undefined {
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return process?.getBuiltinModule?.(id) as T | undefined;
  } catch {
    return undefined;
  }
}
