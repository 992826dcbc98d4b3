import assert from 'node:assert/strict';

/**
 * The verifier policy of `@mcpauth/core`'s `TokenVerifier`, as a suite every verifier runs
 * (`JWTVerifier`, `StaticTokenVerifier`, `IntrospectionTokenVerifier`, `GitHubTokenVerifier`,
 * and every provider package's):
 *
 * - a valid token → its `AccessToken`; an invalid one → `null`, the reason reported to
 *   `onInvalidToken` as `ERR_TOKEN_INVALID`;
 * - an outage of the upstream → a rejection with `ERR_UPSTREAM` (`UpstreamError`), not cached, not
 *   reported as a refusal;
 * - a throwing or rejecting `onInvalidToken` changes no verdict;
 * - one cache option shape, `cache: { ttlSeconds, maxEntries } | false`, honoured, with the clock
 *   (`now`) in seconds;
 * - no token in any error message.
 *
 * Types are structural: this package does not depend on core.
 */

/** What the contract sees of a verifier. */
export interface VerifierUnderTest {
  verifyToken(token: string): Promise<unknown>;
}

/** An error as a verifier reports or throws it (`AuthError`'s shape). */
export interface ReportedError {
  code: string;
  message: string;
  reason?: string;
  /** An upstream's `error_description` (`UpstreamError`): kept out of the message, which may be logged. */
  errorDescription?: string | undefined;
  cause?: unknown;
}

/** The policy options the contract passes to every verifier it creates. */
export interface VerifierPolicyOptions {
  onInvalidToken: (error: ReportedError) => unknown;
  /** Seconds since the epoch. */
  now: () => number;
  /** Left out: the verifier's default. */
  cache?: unknown;
}

/** An upstream outage: starts when called (for this token), ends when the returned function is. */
export type StartOutage = (token: string) => Promise<() => Promise<void>>;

/** How a verifier under test is built and fed. */
export interface VerifierFixture {
  /** A fresh verifier (empty caches) with the contract's policy options added to the fixture's own. */
  create(options: VerifierPolicyOptions): VerifierUnderTest;
  /** A token the verifier accepts; two calls give two different tokens. */
  validToken(): Promise<string>;
  /** Tokens the verifier must refuse, by what is wrong with them. */
  invalidTokens(): Promise<Record<string, string>>;
  /**
   * The ways the upstream can fail, each making the verifier unable to reach a verdict; or
   * `'no upstream'` for a verifier that asks no one (static tokens, a fixed key).
   */
  outages: Record<string, StartOutage> | 'no upstream';
  /**
   * The verifier's cache: `verifications()` counts the real verifications made so far (upstream
   * calls, signature checks), across every verifier the fixture created; or `'no cache'`.
   */
  cache: { verifications(): number } | 'no cache';
}

/** One behaviour every verifier must have. */
export interface VerifierContractCase {
  name: string;
  run(fixture: VerifierFixture): Promise<void>;
}

function recorder(): { errors: ReportedError[]; hook: (error: ReportedError) => void } {
  const errors: ReportedError[] = [];
  return { errors, hook: (error) => void errors.push(error) };
}

const realClock = () => Date.now() / 1000;

/** Every message of an error and its causes. */
function messages(error: unknown, depth = 0): string[] {
  if (typeof error !== 'object' || error === null || depth > 5) return [];
  const own = typeof (error as Error).message === 'string' ? [(error as Error).message, String(error)] : [];
  return [...own, ...messages((error as { cause?: unknown }).cause, depth + 1)];
}

function assertNoToken(error: unknown, token: string, what: string): void {
  for (const message of messages(error)) assert.ok(!message.includes(token), `${what} contains the token: ${message}`);
}

/** What `promise` rejects with; fails (assertion) when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => assert.fail(`expected a rejection, got ${value === null ? 'null' : typeof value}`),
    (err: unknown) => err,
  );
}

function assertAccessToken(value: unknown, token: string, now: number): void {
  assert.ok(value !== null && typeof value === 'object', 'a valid token resolves to an AccessToken');
  const access = value as Record<string, unknown>;
  assert.equal(access['token'], token, 'AccessToken.token is the token given');
  assert.ok(typeof access['clientId'] === 'string' && access['clientId'].length > 0, 'AccessToken.clientId is a non-empty string');
  assert.ok(
    Array.isArray(access['scopes']) && access['scopes'].every((s) => typeof s === 'string'),
    'AccessToken.scopes is a list of strings',
  );
  assert.ok(typeof access['claims'] === 'object' && access['claims'] !== null, 'AccessToken.claims is an object');
  const expiresAt = access['expiresAt'];
  if (expiresAt !== undefined) {
    // seconds since the epoch, after the clock's now: a millisecond mix-up is off by a factor 1000
    assert.ok(
      typeof expiresAt === 'number' && expiresAt > now && expiresAt < now + 10 * 365 * 86_400,
      `AccessToken.expiresAt ${String(expiresAt)} is not a time in seconds after now (${now})`,
    );
  }
}

function assertUpstream(error: unknown, token: string, what: string): void {
  assert.equal((error as ReportedError | undefined)?.code, 'ERR_UPSTREAM', `${what}: rejects with UpstreamError, got ${String(error)}`);
  assertNoToken(error, token, what);
}

function refusals(errors: readonly ReportedError[]): ReportedError[] {
  return errors.filter((e) => e.code === 'ERR_TOKEN_INVALID');
}

/** Run `body` and fail if it leaves an unhandled rejection behind. */
async function withoutUnhandledRejections(body: () => Promise<void>): Promise<void> {
  const unhandled: unknown[] = [];
  const listener = (reason: unknown) => void unhandled.push(reason);
  process.on('unhandledRejection', listener);
  try {
    await body();
    // rejections become unhandled after the microtask queue drains
    await new Promise((resolve) => setTimeout(resolve, 10));
  } finally {
    process.off('unhandledRejection', listener);
  }
  assert.deepEqual(unhandled, [], 'a hook left an unhandled rejection');
}

function outagesOf(fixture: VerifierFixture): [string, StartOutage][] {
  return fixture.outages === 'no upstream' ? [] : Object.entries(fixture.outages);
}

/**
 * The behaviour shared by every `TokenVerifier`: run each case against a fixture with
 * `for (const c of verifierContract) it(c.name, () => c.run(fixture))`. Cases about outages and
 * the cache pass trivially for a fixture that declares `'no upstream'` / `'no cache'`.
 */
export const verifierContract: readonly VerifierContractCase[] = [
  {
    name: 'a valid token resolves to its AccessToken (expiresAt in seconds)',
    async run(fixture) {
      const { hook, errors } = recorder();
      const verifier = fixture.create({ onInvalidToken: hook, now: realClock });
      const token = await fixture.validToken();
      assertAccessToken(await verifier.verifyToken(token), token, realClock());
      assert.deepEqual(refusals(errors), [], 'a valid token is not reported');
    },
  },
  {
    name: 'an invalid token resolves to null; the reason is reported as ERR_TOKEN_INVALID without the token',
    async run(fixture) {
      const invalid = Object.entries(await fixture.invalidTokens());
      assert.ok(invalid.length > 0, 'the fixture names invalid tokens');
      const cases: [string, string][] = [...invalid, ['the empty string', '']];
      for (const [label, token] of cases) {
        const { hook, errors } = recorder();
        const verifier = fixture.create({ onInvalidToken: hook, now: realClock });
        assert.equal(await verifier.verifyToken(token), null, `${label}: null`);
        const reported = refusals(errors);
        assert.ok(reported.length > 0, `${label}: the refusal is reported`);
        for (const error of reported) {
          assert.ok(typeof error.reason === 'string' && error.reason.length > 0, `${label}: the report has a reason`);
          if (token.length > 0) assertNoToken(error, token, `${label}: the report`);
        }
      }
    },
  },
  {
    name: 'an upstream outage rejects with UpstreamError (without the token), is not reported as a refusal and not cached',
    async run(fixture) {
      for (const [label, start] of outagesOf(fixture)) {
        const { hook, errors } = recorder();
        const verifier = fixture.create({ onInvalidToken: hook, now: realClock });
        const token = await fixture.validToken();
        const end = await start(token);
        try {
          assertUpstream(await rejectionOf(verifier.verifyToken(token)), token, label);
        } finally {
          await end();
        }
        assert.deepEqual(refusals(errors), [], `${label}: an outage is not a refusal`);
        for (const error of errors) assertNoToken(error, token, `${label}: a report`);
        assertAccessToken(await verifier.verifyToken(token), token, realClock());
      }
    },
  },
  {
    name: 'a throwing or rejecting onInvalidToken hook changes no verdict and leaves no unhandled rejection',
    async run(fixture) {
      const hooks: [string, () => unknown][] = [
        [
          'a throwing hook',
          () => {
            throw new Error('logger down');
          },
        ],
        ['a rejecting hook', () => Promise.reject(new Error('logger down'))],
      ];
      await withoutUnhandledRejections(async () => {
        for (const [label, onInvalidToken] of hooks) {
          const verifier = fixture.create({ onInvalidToken, now: realClock });
          const token = await fixture.validToken();
          assertAccessToken(await verifier.verifyToken(token), token, realClock());
          for (const [what, invalid] of Object.entries(await fixture.invalidTokens())) {
            assert.equal(await verifier.verifyToken(invalid), null, `${label}, ${what}: still null`);
          }
          for (const [what, start] of outagesOf(fixture)) {
            const fresh = fixture.create({ onInvalidToken, now: realClock });
            const other = await fixture.validToken();
            const end = await start(other);
            try {
              assertUpstream(await rejectionOf(fresh.verifyToken(other)), other, `${label}, ${what}`);
            } finally {
              await end();
            }
          }
        }
      });
    },
  },
  {
    name: 'cache: false verifies every time',
    async run(fixture) {
      if (fixture.cache === 'no cache') return;
      const { verifications } = fixture.cache;
      const verifier = fixture.create({ onInvalidToken: () => {}, now: realClock, cache: false });
      const token = await fixture.validToken();
      const before = verifications();
      assertAccessToken(await verifier.verifyToken(token), token, realClock());
      assertAccessToken(await verifier.verifyToken(token), token, realClock());
      assert.equal(verifications() - before, 2, 'two verifications without a cache');
    },
  },
  {
    name: 'cache: { ttlSeconds } reuses a verdict for that many seconds of the injected clock',
    async run(fixture) {
      if (fixture.cache === 'no cache') return;
      const { verifications } = fixture.cache;
      let offset = 0;
      const now = () => realClock() + offset;
      const verifier = fixture.create({ onInvalidToken: () => {}, now, cache: { ttlSeconds: 60 } });
      const token = await fixture.validToken();
      const before = verifications();
      assertAccessToken(await verifier.verifyToken(token), token, now());
      offset = 50;
      assertAccessToken(await verifier.verifyToken(token), token, now());
      assert.equal(verifications() - before, 1, 'the second verification within ttlSeconds is cached');
      offset = 70;
      assertAccessToken(await verifier.verifyToken(token), token, now());
      assert.equal(verifications() - before, 2, 'past ttlSeconds the token is verified again');
    },
  },
  {
    name: 'cache: { maxEntries } bounds the cache (least recently used dropped)',
    async run(fixture) {
      if (fixture.cache === 'no cache') return;
      const { verifications } = fixture.cache;
      const verifier = fixture.create({ onInvalidToken: () => {}, now: realClock, cache: { maxEntries: 1 } });
      const [a, b] = [await fixture.validToken(), await fixture.validToken()];
      assert.notEqual(a, b, 'validToken gives a new token each time');
      const before = verifications();
      for (const token of [a, a, b, a]) assertAccessToken(await verifier.verifyToken(token), token, realClock());
      assert.equal(verifications() - before, 3, 'a, (a cached), b evicts a, a again');
    },
  },
  {
    name: 'a cache option of another shape is a TypeError at construction',
    async run(fixture) {
      if (fixture.cache === 'no cache') return;
      for (const cache of [
        true,
        'on',
        300,
        null,
        { ttlSeconds: 0 },
        { ttlSeconds: -1 },
        { ttlSeconds: Number.NaN },
        { maxEntries: 0 },
        { maxEntries: 1.5 },
        { ttl: 60 },
      ]) {
        assert.throws(
          () => fixture.create({ onInvalidToken: () => {}, now: realClock, cache }),
          TypeError,
          `cache: ${JSON.stringify(cache)}`,
        );
      }
    },
  },
];
