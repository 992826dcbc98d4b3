import { describe, expect, it } from 'vitest';
import { interleave, roundOrder } from '../src/interleave.js';

describe('interleave', () => {
  it('runs every variant in every round, in orders where no variant always follows the same one', () => {
    let seed = 1;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return (seed - 1) / 2147483646;
    };
    const predecessors = new Map<number, Set<number>>();
    let previous: number | undefined;
    for (let round = 0; round < 12; round++) {
      const order = roundOrder(5, round, random);
      expect([...order].sort()).toEqual([0, 1, 2, 3, 4]);
      for (const v of order) {
        if (previous !== undefined) predecessors.set(v, (predecessors.get(v) ?? new Set()).add(previous));
        previous = v;
      }
    }
    for (let v = 0; v < 5; v++) expect(predecessors.get(v)!.size, `variant ${v}`).toBeGreaterThan(1);
    // two variants simply alternate which goes first
    expect([0, 1, 2, 3].map((r) => roundOrder(2, r, random))).toEqual([
      [0, 1],
      [1, 0],
      [0, 1],
      [1, 0],
    ]);
  });

  it('measures each variant in each round', async () => {
    const stats = await interleave(
      [
        { name: 'a', op: () => undefined },
        { name: 'b', op: async () => undefined },
        { name: 'c', op: (i) => i * 2 },
      ],
      { rounds: 3, blockMs: 5, warmupMs: 5 },
    );
    expect(stats.map((s) => s.name)).toEqual(['a', 'b', 'c']);
    for (const s of stats) {
      expect(s.perRound).toHaveLength(3);
      expect(s.cpuPerRound).toHaveLength(3);
      expect(s.operations).toBeGreaterThan(0);
    }
  });
});
