/**
 * The benchmark harness of the packages' benches: variants take turns in blocks, in an order
 * that changes every round, for several rounds, so that the drift of a shared machine falls on all of them alike;
 * each round gives every variant a time per operation, and figures are ratios within a round
 * (median and spread over the rounds), never absolute times compared across runs.
 */

export interface BenchVariant {
  name: string;
  /** One operation; `i` counts operations of this variant (to walk a pool of inputs). */
  op: (i: number) => unknown;
}

export interface InterleaveOptions {
  rounds?: number;
  /** Length of one variant's turn. */
  blockMs?: number;
  /** Warm-up per variant before the rounds (JIT, caches, key imports). */
  warmupMs?: number;
  /** Operations started together and awaited together (1: one after the other). */
  inFlight?: number;
  /** Operations per timed sample. */
  chunk?: number;
  /**
   * Collect garbage before each block (needs --expose-gc). Default `false`: a forced collection
   * resets V8's heap sizing, so every block starts with a small young generation and the variant
   * that allocates more pays more (it doubled the CPU measured per MCP SDK request, and flattered
   * the JWT fast path against jose); without it each block pays the scavenges of its own garbage.
   */
  gc?: boolean;
}

export interface VariantStats {
  name: string;
  /** Mean µs of wall time per operation, one per round. */
  perRound: number[];
  /** Median of `perRound`. */
  median: number;
  /** Mean µs of CPU time (every thread of the process: the thread pool's work too) per operation, one per round. */
  cpuPerRound: number[];
  /** Median of `cpuPerRound`. */
  cpuMedian: number;
  operations: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** A small seeded PRNG (mulberry32): the same orders on every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The order of the variants in a round: two alternate; more are shuffled (seeded), so that no
 * variant always follows the same one. With a fixed rotation each variant would always inherit
 * the garbage (and the collector's background work) of its predecessor: the variant after an
 * allocation-heavy one paid for it in every round.
 */
export function roundOrder(count: number, round: number, random: () => number): number[] {
  const order = Array.from({ length: count }, (_, i) => (round + i) % count);
  if (count <= 2) return order;
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** Run the variants interleaved; returns the time per operation of each, round by round. */
export async function interleave(variants: readonly BenchVariant[], options: InterleaveOptions = {}): Promise<VariantStats[]> {
  const { rounds = 8, blockMs = 300, warmupMs = 600, inFlight = 1, chunk = Math.max(20, inFlight) } = options;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (options.gc === true && !gc) throw new Error('run with --expose-gc (the vitest config sets it)');
  const counters = variants.map(() => 0);
  const chunkOps = Math.ceil(chunk / inFlight) * inFlight;
  const block = async (v: number, ms: number) => {
    const variant = variants[v]!;
    let ops = 0;
    const cpu = process.cpuUsage();
    const start = performance.now();
    const until = start + ms;
    do {
      for (let n = 0; n < chunkOps; n += inFlight) {
        if (inFlight === 1) await variant.op(counters[v]!++);
        else await Promise.all(Array.from({ length: inFlight }, () => variant.op(counters[v]!++)));
      }
      ops += chunkOps;
    } while (performance.now() < until);
    const used = process.cpuUsage(cpu);
    return { ms: performance.now() - start, cpuUs: used.user + used.system, ops };
  };
  for (let v = 0; v < variants.length; v++) await block(v, warmupMs);
  const perRound = variants.map((): number[] => []);
  const cpuPerRound = variants.map((): number[] => []);
  const operations = variants.map(() => 0);
  const random = mulberry32(0x5eed);
  for (let round = 0; round < rounds; round++) {
    for (const v of roundOrder(variants.length, round, random)) {
      if (options.gc === true) gc?.();
      const { ms, cpuUs, ops } = await block(v, blockMs);
      perRound[v]!.push((ms * 1000) / ops);
      cpuPerRound[v]!.push(cpuUs / ops);
      operations[v]! += ops;
    }
  }
  return variants.map((variant, v) => ({
    name: variant.name,
    perRound: perRound[v]!,
    median: median(perRound[v]!),
    cpuPerRound: cpuPerRound[v]!,
    cpuMedian: median(cpuPerRound[v]!),
    operations: operations[v]!,
  }));
}

/** `base`'s time over `variant`'s, round by round (above 1: `variant` is faster): median and range. */
export function speedup(
  variant: VariantStats,
  base: VariantStats,
  of: 'wall' | 'cpu' = 'wall',
): { median: number; min: number; max: number } {
  const [mine, theirs] = of === 'wall' ? [variant.perRound, base.perRound] : [variant.cpuPerRound, base.cpuPerRound];
  const ratios = mine.map((t, r) => theirs[r]! / t);
  return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
}

const ratio = (r: { median: number; min: number; max: number }) =>
  `${r.median.toFixed(2).padStart(6)}× [${r.min.toFixed(2)}–${r.max.toFixed(2)}]`;

/**
 * A table of the variants: CPU and wall µs per operation (medians of the rounds) and the
 * speed-up over `base` by each (median [min–max] of the rounds' ratios).
 */
export function formatTable(title: string, stats: readonly VariantStats[], base = 0): string {
  const b = stats[base]!;
  const rows = stats.map(
    (s) =>
      `  ${s.name.padEnd(46)} ${s.cpuMedian.toFixed(1).padStart(7)} ${ratio(speedup(s, b, 'cpu'))}  ${s.median.toFixed(1).padStart(7)} ${ratio(speedup(s, b, 'wall'))}  ${String(s.operations).padStart(6)}`,
  );
  return [
    `${title} (vs ${b.name}; ratios above 1 are faster; median [min–max] of ${b.perRound.length} interleaved rounds)`,
    `  ${'variant'.padEnd(46)} ${'CPU µs/op'.padStart(7)} ${'CPU ratio'.padEnd(20)}  ${'wall µs'.padStart(7)} ${'wall ratio'.padEnd(20)}  ${'ops'.padStart(6)}`,
    ...rows,
  ].join('\n');
}
