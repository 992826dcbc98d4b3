import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen, type Listening } from '@mcpauth/testing';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/**
 * A WorkOS user as the userinfo endpoint describes them. Fixture from the documented ID token
 * claims of WorkOS Connect (the userinfo endpoint returns the same user claims, by granted scope):
 * https://workos.com/docs/reference/workos-connect/token (ID token JWT) and
 * https://workos.com/docs/reference/workos-connect/userinfo
 */
export const LEROY = {
  sub: 'user_01JQ0E27VT3MH79RY0FVA4QBP9',
  name: 'Leroy Jenkins',
  given_name: 'Leroy',
  family_name: 'Jenkins',
  email: 'leroy.jenkins@example.com',
  email_verified: true,
} as const;

/** The documented organization of the access token example (https://workos.com/docs/reference/workos-connect/token). */
export const ORG_ID = 'org_01HRDMC6CM357W30QMHMQ96Q0S';

/** How the fake answers `GET /oauth2/userinfo` for one token. */
export type UserinfoBehaviour =
  | { kind: 'user'; claims: Record<string, unknown> }
  | { kind: 'rate_limited' }
  | { kind: 'server_error' }
  | { kind: 'malformed'; body: string }
  | { kind: 'hang' };

/** How the fake's JWKS endpoint answers. */
export type JwksMode = 'up' | 'malformed' | 'server_error' | 'hang';

/** A recorded request. */
export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

/** The WorkOS Connect OAuth application registered at the fake (Dashboard → Applications). */
export interface FakeConnectApp {
  clientId: string;
  clientSecret: string;
  /** The application's redirect URI. */
  redirectUri: string;
  /** Seconds the access tokens live (WorkOS's example: 300). */
  accessTokenTtl?: number;
}

export interface FakeWorkOS extends Listening {
  /** The AuthKit domain: the fake's origin, the `iss` of its tokens. */
  issuer: string;
  /** The RFC 8414 metadata the fake serves. */
  metadata: Record<string, unknown>;
  /** Set how userinfo answers for a token (unknown tokens get 401). */
  setToken(token: string, behaviour: UserinfoBehaviour): void;
  /** Revoke an access token: userinfo answers 401 from now on. */
  revoke(token: string): void;
  /** How userinfo answers for the tokens issued from now on (default: the user's claims by scope). */
  issueAs(behaviour: UserinfoBehaviour | undefined): void;
  /** Revoke every refresh token (the user removed the application's access). */
  revokeRefreshTokens(): void;
  /** Sign an AuthKit access token (RS256, the fake's key) with the documented claims merged under `claims`. */
  sign(claims?: JWTPayload, options?: { kid?: string; key?: CryptoKey }): Promise<string>;
  setJwksMode(mode: JwksMode): void;
  /** Make the token endpoint answer this once (status, body), then behave again. */
  failNextToken(status: number, body: string): void;
  requests: SeenRequest[];
  /** Requests for a path. */
  hits(path: string): number;
  /** Access tokens issued by the token endpoint, in order. */
  issuedTokens: string[];
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/**
 * A fake AuthKit domain on 127.0.0.1 answering with the documented shapes of:
 * - `GET /oauth2/userinfo` (WorkOS Connect userinfo): 200 with the user claims by scope, 401 with
 *   an RFC 6750 challenge, 429 with `Retry-After`, 5xx, malformed bodies and no answer;
 * - `GET /oauth2/jwks`: the RS256 key AuthKit signs with (up, 5xx, malformed, no answer);
 * - `GET /.well-known/oauth-authorization-server`: AuthKit's RFC 8414 metadata;
 * - with a Connect application: `GET /oauth2/authorize` (the user signs in and approves at once)
 *   and `POST /oauth2/token` (authorization_code with PKCE, refresh_token; `client_secret_post`).
 */
export async function startFakeWorkOS(app?: FakeConnectApp, options: { now?: () => number } = {}): Promise<FakeWorkOS> {
  const clock = options.now ?? (() => Math.floor(Date.now() / 1000));
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `key_${crypto.randomUUID().replace(/-/g, '').slice(0, 26).toUpperCase()}`;
  // JWKS shape (WorkOS's JwksResponse: alg RS256, kty RSA, use sig, kid `key_01…`):
  // https://schemas.apis.io/schemas/workos/workos-jwksresponse/ (from WorkOS's OpenAPI description).
  const jwk: JWK = { ...(await exportJWK(publicKey)), alg: 'RS256', kid, use: 'sig' };
  const tokens = new Map<string, UserinfoBehaviour>();
  const requests: SeenRequest[] = [];
  const issuedTokens: string[] = [];
  let jwksMode: JwksMode = 'up';
  let tokenFailure: { status: number; body: string } | undefined;
  let issuedBehaviour: UserinfoBehaviour | undefined;
  let issuer = '';
  let metadata: Record<string, unknown> = {};
  const codes = new Map<string, { challenge: string | null; redirectUri: string; scope: string }>();
  const refreshTokens = new Map<string, string>(); // refresh token → scope
  const random = () =>
    Buffer.from(crypto.getRandomValues(new Uint8Array(16)))
      .toString('hex')
      .toUpperCase();

  const sign = (claims: JWTPayload = {}, options: { kid?: string; key?: CryptoKey } = {}) => {
    const now = clock();
    // Access token claims: https://workos.com/docs/reference/workos-connect/token ("Access token JWT")
    // and https://workos.com/docs/reference/authkit/session-tokens/access-token (org_id, role, permissions).
    return new SignJWT({
      iss: issuer,
      sub: LEROY.sub,
      org_id: ORG_ID,
      sid: `session_${random()}`,
      jti: random(),
      iat: now,
      exp: now + 300,
      ...claims,
    })
      .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? kid, typ: 'JWT' })
      .sign(options.key ?? privateKey);
  };

  /** Userinfo claims released by scope (OpenID Connect Core §5.4, as WorkOS documents). */
  const userinfoFor = (scope: string): Record<string, unknown> => {
    const granted = new Set(scope.split(' '));
    return {
      sub: LEROY.sub,
      ...(granted.has('profile') ? { name: LEROY.name, given_name: LEROY.given_name, family_name: LEROY.family_name } : {}),
      ...(granted.has('email') ? { email: LEROY.email, email_verified: LEROY.email_verified } : {}),
    };
  };

  const issue = async (res: ServerResponse, scope: string) => {
    const ttl = app?.accessTokenTtl ?? 300;
    const accessToken = await sign({ aud: app!.clientId, exp: clock() + ttl });
    tokens.set(accessToken, issuedBehaviour ?? { kind: 'user', claims: userinfoFor(scope) });
    issuedTokens.push(accessToken);
    const refreshToken = random();
    if (scope.split(' ').includes('offline_access')) refreshTokens.set(refreshToken, scope);
    // Token response: https://workos.com/docs/reference/workos-connect/token (access_token, token_type,
    // expires_in, refresh_token with offline_access, id_token with openid).
    send(res, 200, {
      access_token: accessToken,
      token_type: 'bearer',
      expires_in: ttl,
      ...(refreshTokens.has(refreshToken) ? { refresh_token: refreshToken } : {}),
      ...(scope.split(' ').includes('openid') ? { id_token: await sign({ aud: app!.clientId, ...userinfoFor(scope) }) } : {}),
    });
  };

  const oauth = async (req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams, body: string) => {
    if (!app) return false;
    if (path === '/oauth2/authorize' && req.method === 'GET') {
      // https://workos.com/docs/reference/workos-connect/authorize
      if (query.get('client_id') !== app.clientId || query.get('redirect_uri') !== app.redirectUri) {
        send(res, 400, '<html>Invalid client or redirect URI</html>', { 'content-type': 'text/html' });
        return true;
      }
      if (query.has('code_challenge') && query.get('code_challenge_method') !== 'S256') {
        send(res, 400, '<html>Unsupported code_challenge_method</html>', { 'content-type': 'text/html' });
        return true;
      }
      const code = random();
      codes.set(code, { challenge: query.get('code_challenge'), redirectUri: app.redirectUri, scope: query.get('scope') ?? '' });
      const back = new URL(app.redirectUri);
      back.searchParams.set('code', code);
      if (query.has('state')) back.searchParams.set('state', query.get('state')!);
      res.writeHead(302, { location: back.href }).end();
      return true;
    }
    if (path === '/oauth2/token' && req.method === 'POST') {
      if (tokenFailure) {
        const { status, body: failure } = tokenFailure;
        tokenFailure = undefined;
        send(res, status, failure);
        return true;
      }
      const form = new URLSearchParams(body);
      // Errors in the RFC 6749 §5.2 shape.
      if (form.get('client_id') !== app.clientId || form.get('client_secret') !== app.clientSecret) {
        send(res, 401, { error: 'invalid_client', error_description: 'Invalid client credentials.' });
        return true;
      }
      if (form.get('grant_type') === 'authorization_code') {
        const grant = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        const verifier = form.get('code_verifier') ?? '';
        const digest = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))).toString('base64url');
        if (!grant || form.get('redirect_uri') !== grant.redirectUri || (grant.challenge !== null && digest !== grant.challenge)) {
          send(res, 400, { error: 'invalid_grant', error_description: 'The authorization code is invalid or expired.' });
          return true;
        }
        await issue(res, grant.scope);
        return true;
      }
      if (form.get('grant_type') === 'refresh_token') {
        const old = form.get('refresh_token') ?? '';
        const scope = refreshTokens.get(old);
        refreshTokens.delete(old); // rotated
        if (scope === undefined) {
          send(res, 400, { error: 'invalid_grant', error_description: 'The refresh token is invalid.' });
          return true;
        }
        await issue(res, scope);
        return true;
      }
      send(res, 400, { error: 'unsupported_grant_type', error_description: 'Unsupported grant type.' });
      return true;
    }
    return false;
  };

  const server = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://x');
      const path = url.pathname;
      requests.push({ method: req.method ?? 'GET', path, query: url.searchParams, headers: req.headers, body });
      if (path === '/oauth2/userinfo') {
        const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
        const behaviour = match ? tokens.get(match[1]!) : undefined;
        switch (behaviour?.kind) {
          case undefined:
            // RFC 6750 §3.1, as an OpenID Connect UserInfo endpoint answers an invalid token (OIDC Core §5.3.3).
            return send(
              res,
              401,
              { error: 'invalid_token', error_description: 'The access token is invalid or has expired.' },
              { 'www-authenticate': 'Bearer error="invalid_token"' },
            );
          case 'user':
            return send(res, 200, behaviour.claims);
          case 'rate_limited':
            // https://workos.com/docs/reference/rate-limits: 429 with Retry-After.
            return send(res, 429, { message: 'Too many requests' }, { 'retry-after': '60' });
          case 'server_error':
            return send(res, 503, '<html>Service Unavailable</html>', { 'content-type': 'text/html' });
          case 'malformed':
            return send(res, 200, behaviour.body);
          case 'hang':
            return; // never answers
        }
      }
      if (path === '/oauth2/jwks') {
        if (jwksMode === 'hang') return;
        if (jwksMode === 'server_error') return send(res, 503, { message: 'Service Unavailable' });
        if (jwksMode === 'malformed') return send(res, 200, '{"keys": [');
        return send(res, 200, { keys: [jwk] });
      }
      if (path === '/.well-known/oauth-authorization-server') return send(res, 200, metadata);
      void oauth(req, res, path, url.searchParams, body).then((handled) => {
        if (!handled) send(res, 404, { message: 'Not Found' });
      });
    });
  });
  issuer = server.url;
  // AuthKit's metadata, as documented at https://workos.com/docs/authkit/mcp
  // ("curl https://<subdomain>.authkit.app/.well-known/oauth-authorization-server").
  metadata = {
    authorization_endpoint: `${issuer}/oauth2/authorize`,
    code_challenge_methods_supported: ['S256'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    introspection_endpoint: `${issuer}/oauth2/introspection`,
    issuer,
    registration_endpoint: `${issuer}/oauth2/register`,
    scopes_supported: ['email', 'offline_access', 'openid', 'profile'],
    response_modes_supported: ['query'],
    response_types_supported: ['code'],
    token_endpoint: `${issuer}/oauth2/token`,
    token_endpoint_auth_methods_supported: ['none', 'client_secret_post', 'client_secret_basic'],
  };
  return {
    ...server,
    issuer,
    metadata,
    setToken: (token, behaviour) => void tokens.set(token, behaviour),
    revoke: (token) => void tokens.delete(token),
    revokeRefreshTokens: () => refreshTokens.clear(),
    issueAs: (behaviour) => {
      issuedBehaviour = behaviour;
    },
    sign,
    setJwksMode: (mode) => {
      jwksMode = mode;
    },
    failNextToken: (status, body) => {
      tokenFailure = { status, body };
    },
    requests,
    hits: (path) => requests.filter((r) => r.path === path).length,
    issuedTokens,
  };
}
