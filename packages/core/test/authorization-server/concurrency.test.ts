import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/index.js';
import { raceCodeRedemption } from './concurrent-code.js';

describe('one authorization code, 50 concurrent token requests', () => {
  it('exactly one succeeds on the memory store; the replays are invalid_grant and revoke the grant', async () => {
    const result = await raceCodeRedemption([new MemoryStore()]);
    expect(result.succeeded).toBe(1);
    expect(result.statuses.filter((s) => s === 400)).toHaveLength(49);
    expect(new Set(result.errors)).toEqual(new Set(['invalid_grant']));
    expect(result.winner?.access_token).toBeTruthy();
    // Replays of the code revoke what was issued from it (RFC 6749 §4.1.2).
    expect(result.winnerAccessTokenValid).toBe(false);
  });

  it('exactly one succeeds across two server instances sharing one memory store', async () => {
    const shared = new MemoryStore();
    const result = await raceCodeRedemption([shared, shared]);
    expect(result.succeeded).toBe(1);
    expect(result.errors).toHaveLength(49);
  });
});
