/**
 * The demo driven by `oauth4webapi`, a strict OAuth 2 / OpenID client we did not write: RFC 9728
 * resource discovery, RFC 8414 discovery, RFC 7591 registration, authorization code with PKCE
 * (the authorization response validated, `iss` included: RFC 9207), token, a call to the MCP
 * endpoint, refresh with rotation, RFC 7009 revocation.
 */
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScriptedBrowser } from './browser.js';
import { startDemo, type DemoProcess } from './demo-process.js';

const REDIRECT_URI = 'http://127.0.0.1:4397/callback';
const http = { [oauth.allowInsecureRequests]: true } as const; // the demo runs on http://127.0.0.1

describe('the demo with oauth4webapi', () => {
  let demo: DemoProcess;
  beforeAll(async () => {
    demo = await startDemo();
  });
  afterAll(() => demo?.stop());

  it('discovers, registers, authorizes with PKCE, calls the MCP endpoint, refreshes and revokes', async () => {
    // RFC 9728: the resource names its authorization server.
    const resource = await oauth.processResourceDiscoveryResponse(
      new URL(demo.mcpUrl),
      await oauth.resourceDiscoveryRequest(new URL(demo.mcpUrl), http),
    );
    expect(resource.authorization_servers).toEqual([demo.url]);
    const issuer = new URL(resource.authorization_servers![0]!);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...http, algorithm: 'oauth2' }));
    expect(as.code_challenge_methods_supported).toEqual(['S256']);
    expect(as.authorization_response_iss_parameter_supported).toBe(true);

    const registered = await oauth.processDynamicClientRegistrationResponse(
      await oauth.dynamicClientRegistrationRequest(
        as,
        {
          client_name: 'oauth4webapi',
          redirect_uris: [REDIRECT_URI],
          grant_types: ['authorization_code', 'refresh_token'],
          token_endpoint_auth_method: 'none',
        },
        http,
      ),
    );
    const client: oauth.Client = { client_id: registered.client_id, token_endpoint_auth_method: 'none' };

    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint!);
    for (const [k, v] of Object.entries({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: REDIRECT_URI,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      scope: 'mcp:tools',
      state,
      resource: demo.mcpUrl,
    })) {
      url.searchParams.set(k, v);
    }
    const callback = await new ScriptedBrowser({ login: 'carol' }).walk(url, REDIRECT_URI);
    const params = oauth.validateAuthResponse(as, client, callback, state);

    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, REDIRECT_URI, verifier, {
        ...http,
        additionalParameters: { resource: demo.mcpUrl },
      }),
    );
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.scope).toBe('mcp:tools');

    const call = async (token: string) =>
      oauth.protectedResourceRequest(
        token,
        'POST',
        new URL(demo.mcpUrl),
        new Headers({
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-06-18',
        }),
        JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }),
        http,
      );
    const first = await call(tokens.access_token);
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('carol');

    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, http),
    );
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect((await call(refreshed.access_token)).status).toBe(200);

    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, oauth.None(), refreshed.refresh_token!, http));
    // oauth4webapi turns the 401 challenge into an error carrying it
    const refused = await call(refreshed.access_token).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
    expect((refused as oauth.WWWAuthenticateChallengeError).response.status).toBe(401);
    expect((refused as oauth.WWWAuthenticateChallengeError).cause[0]).toMatchObject({
      scheme: 'bearer',
      parameters: { error: 'invalid_token' },
    });
    const again = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshed.refresh_token!, http);
    await expect(oauth.processRefreshTokenResponse(as, client, again)).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});
