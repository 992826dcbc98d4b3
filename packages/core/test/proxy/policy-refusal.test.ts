/**
 * A user refused by policy after the upstream sign-in (a hook throws `AuthorizeError('access_denied')`)
 * and a user who denied upstream (`error=access_denied` on the callback) both reach the client as
 * `access_denied` on its redirect URI with its `state` (RFC 6749 §4.1.2.1); other failures stay
 * `server_error`.
 */
import { CookieJar, type OidcHarness } from '@mcpauth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorizeError, UpstreamError, type AnyAuthError, type LogFields } from '../../src/index.js';
import { pkceChallenge, randomToken } from '../../src/lib/crypto.js';
import { OAuthProxy } from '../../src/proxy/oauth-proxy.js';
import { CLIENT_REDIRECT, proxyOptions, startUpstream, submitConsent, testClient, upstreamActive, type ProxyOverrides } from './helpers.js';

const BASE = 'http://127.0.0.1:8937';
let h: OidcHarness;

beforeAll(async () => {
  h = await startUpstream(`${BASE}/auth/callback`);
});
afterAll(() => h.close());

interface Line {
  level: string;
  message: string;
  fields: LogFields | undefined;
}

/** A proxy with a logger and an onError hook that record what they hear. */
function start(overrides: ProxyOverrides = {}) {
  const lines: Line[] = [];
  const log = (level: string) => (message: string, fields?: LogFields) => void lines.push({ level, message, fields });
  const errors: AnyAuthError[] = [];
  const proxy = new OAuthProxy(
    proxyOptions(h, BASE, {
      logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
      onError: (e) => void errors.push(e),
      ...overrides,
    }),
  );
  return { proxy, lines, errors };
}

/** Authorize → consent → the upstream URL (with the proxy's upstream state) and the browser's cookies. */
async function toUpstream(proxy: OAuthProxy) {
  const client = testClient();
  await proxy.registerClient(client);
  const consentUrl = await proxy.authorize(client, {
    state: 'client-state-42',
    scopes: ['read'],
    codeChallenge: await pkceChallenge(randomToken(48)),
    redirectUri: client.redirect_uris[0]!,
    redirectUriProvidedExplicitly: true,
  });
  const jar = new CookieJar();
  const approved = await submitConsent(proxy, consentUrl, jar, 'approve');
  expect(approved.status).toBe(303);
  return { upstreamUrl: new URL(approved.headers.get('location')!), jar };
}

/** The whole flow with a real upstream login; the proxy's answer at its callback. */
async function signIn(proxy: OAuthProxy): Promise<Response> {
  const { upstreamUrl, jar } = await toUpstream(proxy);
  const callback = await h.login(upstreamUrl);
  return proxy.handler(new Request(callback, { headers: { cookie: jar.header() } }));
}

function clientRedirect(res: Response): URLSearchParams {
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('location')!);
  expect(`${location.origin}${location.pathname}`).toBe(CLIENT_REDIRECT);
  return location.searchParams;
}

describe('OAuthProxy callback: policy refusals are access_denied', () => {
  it('an upstreamClaims hook that throws AuthorizeError(access_denied): 302 to the client with access_denied, state and iss', async () => {
    const seen: string[] = [];
    const { proxy, lines, errors } = start({
      hooks: {
        upstreamClaims: (upstream) => {
          seen.push(upstream.token);
          throw new AuthorizeError('access_denied', 'This account is not allowed to sign in to this server');
        },
      },
    });
    const back = clientRedirect(await signIn(proxy));
    expect(back.get('error')).toBe('access_denied');
    expect(back.get('error_description')).toBe('This account is not allowed to sign in to this server');
    expect(back.get('state')).toBe('client-state-42');
    expect(back.get('iss')).toBe(BASE);
    expect(back.get('code')).toBeNull();
    // logged as a refusal (debug, request_refused), without the upstream token
    const refused = lines.find((l) => l.fields?.event === 'request_refused' && l.fields['error'] === 'access_denied');
    expect(refused).toMatchObject({
      level: 'debug',
      fields: { source: 'OAuthProxy', description: expect.stringContaining('not allowed') },
    });
    expect(JSON.stringify(lines)).not.toContain(seen[0]);
    // a refusal is not an error of the server: onError does not hear of it
    expect(errors).toEqual([]);
    // the upstream tokens of the refused user are not kept: revoked upstream
    expect(seen).toHaveLength(1);
    expect(await upstreamActive(h, seen[0]!)).toBe(false);
  });

  it('a grantScopes hook that throws AuthorizeError(access_denied): the same', async () => {
    const { proxy } = start({
      hooks: {
        grantScopes: () => {
          throw new AuthorizeError('access_denied', 'Only members of the team may sign in');
        },
      },
    });
    const back = clientRedirect(await signIn(proxy));
    expect(back.get('error')).toBe('access_denied');
    expect(back.get('error_description')).toBe('Only members of the team may sign in');
    expect(back.get('state')).toBe('client-state-42');
  });

  it('an upstream error=access_denied (the user clicked Deny upstream) is passed on as access_denied with state', async () => {
    const { proxy, errors } = start();
    const { upstreamUrl, jar } = await toUpstream(proxy);
    const callback = new URL(`${BASE}/auth/callback`);
    callback.searchParams.set('state', upstreamUrl.searchParams.get('state')!);
    callback.searchParams.set('error', 'access_denied');
    callback.searchParams.set('error_description', 'The resource owner denied the request');
    const back = clientRedirect(await proxy.handler(new Request(callback, { headers: { cookie: jar.header() } })));
    expect(back.get('error')).toBe('access_denied');
    expect(back.get('error_description')).toContain('did not authorize');
    expect(back.get('state')).toBe('client-state-42');
    expect(back.get('iss')).toBe(BASE);
    expect(errors.find((e) => e instanceof UpstreamError)).toMatchObject({ error: 'access_denied' });
  });

  it('other failures after the upstream sign-in stay server_error', async () => {
    for (const thrown of [
      new Error('bug in a hook'),
      new UpstreamError('timeout', 'directory lookup timed out'),
      new AuthorizeError('server_error', 'policy store down'),
    ]) {
      const { proxy, errors } = start({
        hooks: {
          upstreamClaims: () => {
            throw thrown;
          },
        },
      });
      const back = clientRedirect(await signIn(proxy));
      expect(back.get('error')).toBe('server_error');
      expect(back.get('state')).toBe('client-state-42');
      expect(errors).toHaveLength(1);
    }
  });
});
