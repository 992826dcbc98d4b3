/**
 * A copy of `part` that does not keep the string it was sliced from (a whole token) alive:
 * engines share the characters of a slice with its parent, but building a new string and
 * slicing that copies them. Checked by a heap-snapshot test (test/retention.test.ts).
 */
export function detached(part: string): string {
  return ` ${part}`.slice(1);
}
