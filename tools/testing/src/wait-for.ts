/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** What is awaited, for the error when it never happens ("the connection to close"). */
  message: string;
  /** Give up after this many milliseconds. Default 5 000. */
  timeoutMs?: number;
  /** Check every this many milliseconds. Default 10. */
  intervalMs?: number;
}

/**
 * Poll `condition` until it holds; reject with `Timed out after … waiting for <message>` when it
 * does not within `timeoutMs`. The one polling helper of the tests: every wait has a deadline and
 * says what it waited for.
 *
 * @example
 * ```ts
 * await waitFor(() => isClosed(), { message: 'the server to close the connection', timeoutMs: 2_000 });
 * await waitFor(async () => (await store.get('short')) === null, { message: 'the entry to expire' });
 * ```
 */
export async function waitFor(condition: () => boolean | Promise<boolean>, options: WaitForOptions): Promise<void> {
  const { message, timeoutMs = 5_000, intervalMs = 10 } = options;
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() >= deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${message}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
