import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { formatTable, interleave, type VariantStats } from '@mcpauth/testing/interleave';
// @ts-expect-error autocannon ships no types; used for its promise API only
import autocannon from 'autocannon';
import { bench, describe } from 'vitest';
// @ts-expect-error a plain ES module (the HTTP part runs it as a child process)
import { BODY, HEADERS, handlers } from './fixtures/guarded.mjs';

// What the guard costs a request: the MCP SDK handler unguarded (a fixed authInfo) against the
// same handler behind createMcpAuthHandler (bearer guard with a verifier answering from memory,
// as a warm token cache does; CORS), in process (CPU per request, interleaved rounds) and over
// HTTP on loopback (autocannon, 50 connections, the server in a child process). Needs the built
// package (`pnpm build`): the fixture imports dist.

type FetchHandler = (request: Request) => Promise<Response>;
const RESOURCE = 'https://mcp.example.com/mcp';
const sdk = handlers(RESOURCE) as { unguarded: FetchHandler; guarded: FetchHandler };
const stub = {
  fetch: async () => new Response('{"jsonrpc":"2.0","id":1,"result":{}}', { headers: { 'content-type': 'application/json' } }),
};
const request = () => new Request(RESOURCE, { method: 'POST', headers: HEADERS as Record<string, string>, body: BODY as string });
const settle = async (response: Promise<Response>) => {
  const res = await response;
  if (res.status !== 200) throw new Error(`status ${res.status}`);
  await res.text();
};
const onceOpts = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 };

function added(guarded: VariantStats, unguarded: VariantStats): string {
  const diffs = guarded.cpuPerRound.map((t, r) => t - unguarded.cpuPerRound[r]!).sort((a, b) => a - b);
  const median = diffs.length % 2 ? diffs[diffs.length >> 1]! : (diffs[diffs.length / 2 - 1]! + diffs[diffs.length / 2]!) / 2;
  return `added CPU per request: ${median.toFixed(1)} µs (median of the rounds' differences, range ${diffs[0]!.toFixed(1)} to ${diffs[diffs.length - 1]!.toFixed(1)} µs)`;
}

describe('guarded vs unguarded MCP request, in process', () => {
  bench(
    'interleaved rounds',
    async () => {
      const { createMcpAuthHandler } = await import('../src/mcp.js');
      const { RemoteAuthProvider } = await import('../src/index.js');
      const token = {
        token: 't',
        clientId: 'c',
        scopes: ['mcp'],
        expiresAt: Math.floor(Date.now() / 1000) + 86_400,
        resource: RESOURCE,
        claims: {},
      };
      const auth = new RemoteAuthProvider({
        resourceUrl: RESOURCE,
        authorizationServers: ['https://as.example.com'],
        verifier: { verifyToken: async () => token },
        requiredScopes: ['mcp'],
      });
      const guardedStub = createMcpAuthHandler({ auth, mcp: stub });
      const pairs: [string, FetchHandler, FetchHandler][] = [
        ['MCP SDK handler (tools/list, stateless)', sdk.unguarded, sdk.guarded],
        ['a stub MCP handler (a small JSON response)', () => stub.fetch(), guardedStub],
      ];
      for (const [name, unguarded, guarded] of pairs) {
        const stats = await interleave(
          [
            { name: 'unguarded', op: () => settle(unguarded(request())) },
            { name: 'createMcpAuthHandler (guard + CORS)', op: () => settle(guarded(request())) },
          ],
          // many short rounds: the difference is a few µs
          { rounds: 30, blockMs: 100, warmupMs: 500 },
        );
        console.log(`${formatTable(`${name}: per request`, stats)}\n  ${added(stats[1]!, stats[0]!)}`);
      }
    },
    onceOpts,
  );
});

describe('guarded vs unguarded MCP server over HTTP (loopback, 50 connections)', () => {
  bench(
    'autocannon, interleaved rounds',
    async () => {
      const child = spawn(process.execPath, [fileURLToPath(new URL('./fixtures/guarded.mjs', import.meta.url)), 'serve'], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      try {
        const [line] = (await once(child.stdout!, 'data')) as [Buffer];
        const urls = JSON.parse(line.toString()) as { unguarded: string; guarded: string };
        const run = async (url: string, seconds: number) => {
          const result = await autocannon({ url, method: 'POST', headers: HEADERS, body: BODY, connections: 50, duration: seconds });
          if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx answers, ${result.errors} errors`);
          return result.requests.average as number;
        };
        await run(urls.unguarded, 2);
        await run(urls.guarded, 2);
        const rps: Record<'unguarded' | 'guarded', number[]> = { unguarded: [], guarded: [] };
        const ROUNDS = 5;
        for (let round = 0; round < ROUNDS; round++) {
          for (const name of round % 2 ? (['guarded', 'unguarded'] as const) : (['unguarded', 'guarded'] as const))
            rps[name].push(await run(urls[name], 3));
        }
        const ratios = rps.guarded.map((g, r) => g / rps.unguarded[r]!).sort((a, b) => a - b);
        const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
        console.log(
          `over HTTP (autocannon, 50 connections, ${ROUNDS} rounds of 3 s each, alternating): unguarded ${med(rps.unguarded).toFixed(0)} req/s, guarded ${med(rps.guarded).toFixed(0)} req/s (medians); ` +
            `guarded/unguarded ${med(ratios).toFixed(3)}× [${ratios[0]!.toFixed(3)}–${ratios[ratios.length - 1]!.toFixed(3)}]`,
        );
      } finally {
        child.stdin!.end();
        child.kill();
      }
    },
    { ...onceOpts },
  );
});
