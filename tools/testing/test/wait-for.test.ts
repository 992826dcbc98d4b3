import { describe, expect, it } from 'vitest';
import { waitFor } from '../src/index.js';

describe('waitFor', () => {
  it('resolves once the condition holds, sync or async', async () => {
    let checks = 0;
    await waitFor(() => ++checks === 3, { message: 'the third check' });
    expect(checks).toBe(3);
    await waitFor(async () => true, { message: 'nothing' });
  });

  it('rejects at its deadline, saying what it waited for', async () => {
    await expect(waitFor(() => false, { message: 'a condition that never holds', timeoutMs: 50 })).rejects.toThrow(
      'Timed out after 50 ms waiting for a condition that never holds',
    );
  });
});
