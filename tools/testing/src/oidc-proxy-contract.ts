import assert from 'node:assert/strict';
import type { FakeOidcIdp } from './fake-oidc-idp.js';
import { ConsentingOAuthClientProvider, signInWithOAuth } from './mcp-client.js';
import { startSignIn, type McpStack } from './mcp-stack.js';

/** An OAuth proxy in front of a {@link FakeOidcIdp}, serving an MCP endpoint (see `startMcpStack`). */
export interface OidcProxyStack extends McpStack<{ ready(): Promise<void>; verifyToken(token: string): Promise<unknown> }> {
  idp: FakeOidcIdp;
  close(): Promise<void>;
}

/** How a provider under the {@link oidcProxyFailureCases} is started. */
export interface OidcProxyFixture {
  /** A fresh stack: the provider (with a short `http.timeoutMs`) in front of a fresh fake IdP. */
  start(): Promise<OidcProxyStack>;
  /** The MCP client's redirect URI. */
  clientCallback: string;
}

/** One upstream failure an OAuth proxy in front of an OpenID provider must handle. */
export interface OidcProxyCase {
  name: string;
  run(fixture: OidcProxyFixture): Promise<void>;
}

const upstreamReported = (stack: OidcProxyStack, from = 0) => stack.errors.slice(from).some((e) => e.code === 'ERR_UPSTREAM');

async function withStack(fixture: OidcProxyFixture, body: (stack: OidcProxyStack) => Promise<void>): Promise<void> {
  const stack = await fixture.start();
  try {
    await body(stack);
  } finally {
    await stack.close();
  }
}

/**
 * What every OAuth proxy in front of an OpenID provider (`OIDCProxy` and the provider packages
 * built on it) does when the provider fails, as cases to run against a fake IdP:
 * `for (const c of oidcProxyFailureCases) it(c.name, () => c.run(fixture))`.
 *
 * - a token endpoint that rate-limits, fails, answers garbage or never answers: the MCP client
 *   gets `server_error` at its redirect URI, the failure is reported as `ERR_UPSTREAM`;
 * - a discovery document that fails the same ways: `ready()` rejects with `ERR_UPSTREAM`, the
 *   routes answer 502, and the next use discovers again;
 * - a revocation endpoint that fails: reported, and the proxy's own tokens are revoked all the same.
 */
export const oidcProxyFailureCases: readonly OidcProxyCase[] = [
  ...(['rate_limited', 'server_error', 'malformed', 'hang'] as const).map(
    (mode): OidcProxyCase => ({
      name: `a token endpoint that is ${mode} gives the client server_error, reported`,
      run: (fixture) =>
        withStack(fixture, async (stack) => {
          stack.idp.setMode('token', mode);
          const callback = await startSignIn(stack.mcpUrl, new ConsentingOAuthClientProvider(fixture.clientCallback));
          assert.equal(callback?.get('error'), 'server_error');
          assert.equal(callback?.has('code'), false);
          assert.ok(upstreamReported(stack), 'the failure is reported as ERR_UPSTREAM');
        }),
    }),
  ),
  {
    name: 'discovery failures reject ready() with UpstreamError (routes 502) and are retried on the next use',
    run: (fixture) =>
      withStack(fixture, async (stack) => {
        for (const mode of ['server_error', 'malformed', 'hang', 'rate_limited'] as const) {
          stack.idp.setMode('discovery', mode);
          const error = await stack.auth.ready().then(
            () => assert.fail(`ready() resolved with discovery ${mode}`),
            (err: unknown) => err,
          );
          assert.equal((error as { code?: string }).code, 'ERR_UPSTREAM', `discovery ${mode}`);
          const metadata = await fetch(`${stack.server.url}/.well-known/oauth-authorization-server`);
          assert.equal(metadata.status, 502, `metadata while discovery is ${mode}`);
        }
        stack.idp.setMode('discovery', 'up');
        await stack.auth.ready();
        assert.equal((await fetch(`${stack.server.url}/.well-known/oauth-authorization-server`)).status, 200);
      }),
  },
  ...(['oauth_error', 'server_error', 'hang'] as const).map(
    (mode): OidcProxyCase => ({
      name: `a revocation endpoint that is ${mode} is reported; the proxy's tokens are revoked all the same`,
      run: (fixture) =>
        withStack(fixture, async (stack) => {
          const browser = new ConsentingOAuthClientProvider(fixture.clientCallback);
          const client = await signInWithOAuth(stack.mcpUrl, browser);
          await client.close();
          stack.idp.setMode('revoke', mode);
          const errors = stack.errors.length;
          const revoke = await fetch(new URL('/revoke', stack.mcpUrl), {
            method: 'POST',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ token: browser.saved!.refresh_token!, client_id: String(browser.client!.client_id) }),
          });
          assert.equal(revoke.status, 200);
          assert.equal(await stack.auth.verifyToken(browser.saved!.access_token), null);
          assert.ok(upstreamReported(stack, errors), 'the failed upstream revocation is reported as ERR_UPSTREAM');
        }),
    }),
  ),
];
