/**
 * Authorization codes bound to a DPoP key by `dpop_jkt` (RFC 9449 §10), with the own
 * authorization server (`StoreOAuthProvider`) and through the OAuth proxy: the code is redeemed
 * only with a proof by that key (then the tokens are DPoP-bound); without a proof or with another
 * key's it is refused with `invalid_grant`, and the refusal leaves the code to its key's holder
 * (as a PKCE or `redirect_uri` mismatch does), who can redeem it once. A malformed `dpop_jkt` is
 * an `invalid_request` sent to the redirect URI; a server without DPoP ignores the parameter.
 * Last, `oauth4webapi` as an outside client: its DPoP handle's thumbprint as `dpop_jkt`.
 */
import { DpopSession } from '@modelcontextprotocol/client';
import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterEach, describe, expect, it } from 'vitest';
import { OAuthProxy } from '../../src/proxy/oauth-proxy.js';
import {
  authorize,
  direct,
  redeem,
  register,
  REDIRECT,
  SCOPE,
  startStack,
  type Direct,
  type Stack,
} from '../authorization-server/fixtures.js';
import { proxyOptions } from '../proxy/helpers.js';
import { CLIENT_CALLBACK, codeOverHttp, redeemOverHttp, registerOverHttp, startProxyStack, type ProxyStack } from '../proxy/stack.js';

async function expectRefused(res: Response, error: string, description: RegExp): Promise<void> {
  expect(res.status).toBe(400);
  expect(await res.json()).toMatchObject({ error, error_description: expect.stringMatching(description) });
}

const proofFor = async (session: DpopSession, tokenUrl: string) => ({ DPoP: await session.buildProof({ htm: 'POST', htu: tokenUrl }) });

describe('dpop_jkt with the own authorization server (StoreOAuthProvider)', () => {
  const bound = async (d: Direct, jkt: string) => {
    const client = await register(d);
    const { params, verifier } = await authorize(d, client.client_id, { dpop_jkt: jkt });
    const code = params.get('code');
    if (!code) throw new Error(`no code: ${params}`);
    return { clientId: client.client_id, code, verifier };
  };

  it('redeems the code only with a proof by the key it is bound to, then binds the tokens to it', async () => {
    const d = direct({ server: { dpop: {} } });
    const tokenUrl = `${d.issuer}/token`;
    const key = await DpopSession.create();
    const { clientId, code, verifier } = await bound(d, key.thumbprint);

    await expectRefused(await redeem(d, clientId, code, verifier), 'invalid_grant', /bound to a DPoP key/);
    const thief = await DpopSession.create();
    await expectRefused(
      await redeem(d, clientId, code, verifier, {}, await proofFor(thief, tokenUrl)),
      'invalid_grant',
      /another key than the one this authorization code is bound to/,
    );

    // the refusals did not consume the code: its key's holder redeems it, once
    const res = await redeem(d, clientId, code, verifier, {}, await proofFor(key, tokenUrl));
    expect(res.status).toBe(200);
    const tokens = (await res.json()) as { access_token: string; token_type: string; refresh_token?: string };
    expect(tokens.token_type).toBe('DPoP');
    expect((await d.provider.loadAccessToken(tokens.access_token))?.cnf).toEqual({ jkt: key.thumbprint });
    await expectRefused(await redeem(d, clientId, code, verifier, {}, await proofFor(key, tokenUrl)), 'invalid_grant', /invalid/);
    // the replay revoked the grant the code started
    expect(await d.provider.loadAccessToken(tokens.access_token)).toBeNull();
  });

  it('answers a malformed dpop_jkt with invalid_request at the redirect URI', async () => {
    const d = direct({ server: { dpop: {} } });
    const client = await register(d);
    for (const jkt of ['too-short', `${'a'.repeat(42)}+`, `${'a'.repeat(43)}=`, 'a'.repeat(44)]) {
      const { params, location } = await authorize(d, client.client_id, { dpop_jkt: jkt });
      expect(location.startsWith(`${REDIRECT}?`)).toBe(true);
      expect(params.get('error')).toBe('invalid_request');
      expect(params.get('error_description')).toMatch(/dpop_jkt/);
      expect(params.get('state')).toBe('st-1');
      expect(params.get('iss')).toBe(d.issuer);
      expect(params.has('code')).toBe(false);
    }
  });

  it('a server without DPoP ignores dpop_jkt (RFC 6749 §3.1): the code is unbound and the tokens are Bearer', async () => {
    const d = direct();
    const key = await DpopSession.create();
    const { clientId, code, verifier } = await bound(d, key.thumbprint);
    const res = await redeem(d, clientId, code, verifier);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ token_type: 'Bearer' });
    // not even its form is checked
    const client = await register(d);
    expect((await authorize(d, client.client_id, { dpop_jkt: 'not-a-thumbprint' })).params.get('code')).toBeTruthy();
  });
});

describe('dpop_jkt through the OAuth proxy', () => {
  let stack: ProxyStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  const redeemAt = (s: ProxyStack, clientId: string, code: string, verifier: string, headers: Record<string, string> = {}) =>
    redeemOverHttp(s, clientId, code, verifier, { headers });

  it('binds the code it issues to the key, through consent and the upstream login', async () => {
    stack = await startProxyStack((url, h) => new OAuthProxy(proxyOptions(h, url, { dpop: {} })));
    const s = stack;
    const tokenUrl = `${s.url}/token`;
    const key = await DpopSession.create();
    const { client_id: clientId } = await registerOverHttp(s);
    const { code, verifier } = await codeOverHttp(s, clientId, { extra: { dpop_jkt: key.thumbprint } });

    await expectRefused(await redeemAt(s, clientId, code, verifier), 'invalid_grant', /bound to a DPoP key/);
    await expectRefused(
      await redeemAt(s, clientId, code, verifier, await proofFor(await DpopSession.create(), tokenUrl)),
      'invalid_grant',
      /another key/,
    );
    const res = await redeemAt(s, clientId, code, verifier, await proofFor(key, tokenUrl));
    expect(res.status).toBe(200);
    const tokens = (await res.json()) as { access_token: string; token_type: string };
    expect(tokens.token_type).toBe('DPoP');
    expect(decodeJwt(tokens.access_token)['cnf']).toEqual({ jkt: key.thumbprint });
    await expectRefused(await redeemAt(s, clientId, code, verifier, await proofFor(key, tokenUrl)), 'invalid_grant', /invalid/);

    // malformed: an error at the client's redirect URI, before consent
    const url = new URL(`${s.url}/authorize`);
    for (const [k, v] of Object.entries({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: CLIENT_CALLBACK,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      state: 'st',
      dpop_jkt: 'not-a-thumbprint',
    }))
      url.searchParams.set(k, v);
    const malformed = await fetch(url, { redirect: 'manual' });
    expect(malformed.status).toBe(302);
    const location = new URL(malformed.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(CLIENT_CALLBACK);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('state')).toBe('st');
  });
});

describe('dpop_jkt from oauth4webapi', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('authorizes with its DPoP key thumbprint, redeems with its proofs and calls the MCP endpoint with the DPoP token', async () => {
    stack = await startStack({ dpop: {} });
    const s = stack;
    const http = { [oauth.allowInsecureRequests]: true } as const; // the stack runs on http://127.0.0.1
    const issuer = new URL(s.url);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...http, algorithm: 'oauth2' }));
    const registered = await oauth.processDynamicClientRegistrationResponse(
      await oauth.dynamicClientRegistrationRequest(
        as,
        { redirect_uris: [REDIRECT], grant_types: ['authorization_code'], token_endpoint_auth_method: 'none' },
        http,
      ),
    );
    const client: oauth.Client = { client_id: registered.client_id, token_endpoint_auth_method: 'none' };
    const keyPair = await oauth.generateKeyPair('ES256');
    const dpop = oauth.DPoP(client, keyPair);

    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint!);
    for (const [k, v] of Object.entries({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: REDIRECT,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      scope: SCOPE,
      state,
      dpop_jkt: await dpop.calculateThumbprint(),
    }))
      url.searchParams.set(k, v);
    // StoreOAuthProvider approves at once: the answer is the redirect to the client
    const answer = await fetch(url, { redirect: 'manual' });
    const params = oauth.validateAuthResponse(as, client, new URL(answer.headers.get('location')!), state);

    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, REDIRECT, verifier, { ...http, DPoP: dpop }),
    );
    expect(tokens.token_type).toBe('dpop');
    expect((await s.provider.loadAccessToken(tokens.access_token))?.cnf).toEqual({ jkt: await dpop.calculateThumbprint() });

    const res = await oauth.protectedResourceRequest(
      tokens.access_token,
      'POST',
      new URL(s.mcpUrl),
      new Headers({ 'content-type': 'application/json', accept: 'application/json, text/event-stream' }),
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'oauth4webapi', version: '1' } },
      }),
      { ...http, DPoP: dpop },
    );
    expect(res.status).toBe(200);
  });
});
