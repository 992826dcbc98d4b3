import type { IncomingMessage, ServerResponse } from 'node:http';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { listen, type Listening } from './listen.js';

/**
 * How one endpoint of a {@link FakeOidcIdp} answers: normally (`up`), with the IdP's OAuth error
 * body (`oauth_error`, 400), a rate limit (429), a 5xx, a body that is not JSON (`malformed`), or
 * never (`hang`).
 */
export type FakeIdpMode = 'up' | 'oauth_error' | 'rate_limited' | 'server_error' | 'malformed' | 'hang';

/** The endpoints whose behaviour a test can switch. */
export type FakeIdpEndpoint = 'discovery' | 'jwks' | 'token' | 'revoke';

/** One authorization the fake granted: the authorize request's parameters and the scope asked for. */
export interface FakeIdpGrant {
  /** The parameters of the authorization request (`audience`, `scope`, …). */
  params: URLSearchParams;
  /** `scope` of the authorization request. */
  scope: string;
  /** The issuer (`iss` of the tokens). */
  issuer: string;
}

/** A recorded request. */
export interface FakeIdpRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

/** What makes the fake one IdP and not another: its documented shapes. */
export interface FakeOidcIdpOptions {
  /** Path of the issuer on the fake's origin (`''`: the origin; Cognito: `/{userPoolId}`). */
  issuerPath?: string | undefined;
  /** The issuer ends with a slash (Auth0: `https://{tenant}/`). */
  issuerTrailingSlash?: boolean | undefined;
  /** The discovery document, given the fake's origin and issuer; the fake serves the endpoints it names. */
  discovery(origin: string, issuer: string): Record<string, unknown>;
  /** Path of the revocation endpoint when the discovery document does not name one. */
  revocationPath?: string | undefined;
  /** The app client registered at the IdP. */
  client: { clientId: string; clientSecret: string; callbackUrl: string };
  /** The access token's claims for a grant (`iat`, `exp`, `jti` are added when missing). */
  accessTokenClaims(grant: FakeIdpGrant): JWTPayload;
  /** The ID token's claims for a grant (`iat`, `exp` are added when missing). */
  idTokenClaims(grant: FakeIdpGrant): JWTPayload;
  /** Members added to a successful token response (`scope`, …). */
  tokenResponse?(grant: FakeIdpGrant): Record<string, unknown>;
  /** The IdP's OAuth error body (RFC 6749 §5.2 shape plus what the IdP adds). */
  errorBody(error: string, description: string): Record<string, unknown>;
  /** An authorization request the IdP refuses: the error sent back to the redirect URI. */
  refuseAuthorization?(params: URLSearchParams): { error: string; description: string } | undefined;
  /** When the token endpoint issues a refresh token: when `offline_access` was asked for (default), or always (Cognito). */
  refreshTokens?: 'offline_access' | 'always' | undefined;
  /** Lifetime of access tokens, seconds. Default 3600. */
  expiresIn?: number | undefined;
}

/** A fake OpenID provider on 127.0.0.1 (see {@link startFakeOidcIdp}). */
export interface FakeOidcIdp extends Listening {
  issuer: string;
  configUrl: string;
  /** The discovery document served. */
  configuration: Record<string, unknown>;
  /** Sign a JWT with the IdP's key (or `key`, with `kid`), exactly these claims. */
  sign(payload: JWTPayload, options?: { kid?: string; key?: CryptoKey; typ?: string }): Promise<string>;
  /** Switch how an endpoint answers. */
  setMode(endpoint: FakeIdpEndpoint, mode: FakeIdpMode): void;
  /** Every request received, in order. */
  requests: FakeIdpRequest[];
  /** Requests to one endpoint. */
  requestsTo(endpoint: FakeIdpEndpoint | 'authorize'): FakeIdpRequest[];
  /** Access and refresh tokens the token endpoint issued, in order. */
  issued: { accessTokens: string[]; refreshTokens: string[] };
  /** Refresh tokens revoked at the revocation endpoint. */
  revoked: Set<string>;
  /** The JWKS outages (5xx, 429, malformed, no answer) as the verifier contract's `outages`. */
  jwksOutages(): Record<string, (token: string) => Promise<() => Promise<void>>>;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

const random = () => Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64url');

/** The client credentials of a token or revocation request (HTTP Basic or form). */
function clientCredentials(req: IncomingMessage, form: URLSearchParams): [string | null, string | null] {
  const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
  if (!basic) return [form.get('client_id'), form.get('client_secret')];
  const [id = '', secret = ''] = Buffer.from(basic[1]!, 'base64').toString().split(':');
  return [decodeURIComponent(id), decodeURIComponent(secret)];
}

async function s256(verifier: string): Promise<string> {
  return Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))).toString('base64url');
}

/**
 * A fake OpenID provider for hosted IdPs that cannot run here (Auth0, Cognito): OpenID discovery,
 * a JWKS (RS256), an authorization endpoint (the user signs in and approves at once; exact
 * redirect URI; PKCE S256), a token endpoint (authorization code with PKCE, refresh token;
 * `client_secret_basic` or `client_secret_post`) issuing RS256 JWTs with the IdP's claims, and a
 * revocation endpoint for refresh tokens. The IdP's documented shapes (discovery document,
 * claims, error bodies) come from the options; every endpoint but authorize can be switched to an
 * OAuth error, 429, 5xx, malformed body or no answer.
 */
export async function startFakeOidcIdp(options: FakeOidcIdpOptions): Promise<FakeOidcIdp> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `fake-${random().slice(0, 12)}`;
  const jwk: JWK = { ...(await exportJWK(publicKey)), alg: 'RS256', kid, use: 'sig' };
  const modes = new Map<FakeIdpEndpoint, FakeIdpMode>();
  const requests: FakeIdpRequest[] = [];
  const issued = { accessTokens: [] as string[], refreshTokens: [] as string[] };
  const revoked = new Set<string>();
  const codes = new Map<string, { grant: FakeIdpGrant; redirectUri: string; challenge: string | null }>();
  const refreshGrants = new Map<string, FakeIdpGrant>();
  const { client } = options;
  let paths: Record<FakeIdpEndpoint | 'authorize', string> | undefined;
  let configuration: Record<string, unknown> = {};
  let issuer = '';

  const sign = (payload: JWTPayload, o: { kid?: string; key?: CryptoKey; typ?: string } = {}) =>
    new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: o.kid ?? kid, typ: o.typ ?? 'JWT' }).sign(o.key ?? privateKey);

  const timed = (claims: JWTPayload, withJti: boolean): JWTPayload => {
    const now = Math.floor(Date.now() / 1000);
    return { iat: now, exp: now + (options.expiresIn ?? 3600), ...(withJti ? { jti: crypto.randomUUID() } : {}), ...claims };
  };

  /** Answer per the endpoint's mode; `true` when the mode answered (or chose not to). */
  const failed = (endpoint: FakeIdpEndpoint, res: ServerResponse): boolean => {
    switch (modes.get(endpoint) ?? 'up') {
      case 'up':
        return false;
      case 'hang':
        return true;
      case 'oauth_error':
        send(res, 400, options.errorBody('invalid_request', 'The request is not valid.'));
        return true;
      case 'rate_limited':
        send(res, 429, options.errorBody('too_many_requests', 'Rate limit exceeded.'), { 'retry-after': '30' });
        return true;
      case 'server_error':
        send(res, 503, '<html><body>Service Unavailable</body></html>', { 'content-type': 'text/html' });
        return true;
      case 'malformed':
        send(res, 200, '{"access_token": "truncated');
        return true;
    }
  };

  const authorize = (query: URLSearchParams, res: ServerResponse): void => {
    const redirect = query.get('redirect_uri');
    if (query.get('client_id') !== client.clientId || redirect !== client.callbackUrl) {
      // An unknown client or redirect URI is never redirected to: an error page.
      send(res, 400, '<html><body>Callback URL mismatch.</body></html>', { 'content-type': 'text/html' });
      return;
    }
    const back = new URL(redirect);
    if (query.has('state')) back.searchParams.set('state', query.get('state')!);
    const refusal =
      query.get('response_type') !== 'code'
        ? { error: 'unsupported_response_type', description: 'response_type must be code' }
        : query.has('code_challenge') && query.get('code_challenge_method') !== 'S256'
          ? { error: 'invalid_request', description: 'code_challenge_method must be S256' }
          : options.refuseAuthorization?.(query);
    if (refusal) {
      back.searchParams.set('error', refusal.error);
      back.searchParams.set('error_description', refusal.description);
    } else {
      const code = random();
      codes.set(code, {
        grant: { params: query, scope: query.get('scope') ?? '', issuer },
        redirectUri: redirect,
        challenge: query.get('code_challenge'),
      });
      back.searchParams.set('code', code);
    }
    res.writeHead(302, { location: back.href });
    res.end();
  };

  const issue = async (grant: FakeIdpGrant, withRefresh: boolean): Promise<Record<string, unknown>> => {
    const accessToken = await sign(timed(options.accessTokenClaims(grant), true));
    issued.accessTokens.push(accessToken);
    const body: Record<string, unknown> = {
      access_token: accessToken,
      id_token: await sign(timed(options.idTokenClaims(grant), false)),
      token_type: 'Bearer',
      expires_in: options.expiresIn ?? 3600,
      ...options.tokenResponse?.(grant),
    };
    if (withRefresh) {
      const refreshToken = random();
      refreshGrants.set(refreshToken, grant);
      issued.refreshTokens.push(refreshToken);
      body['refresh_token'] = refreshToken;
    }
    return body;
  };

  const token = async (req: IncomingMessage, form: URLSearchParams, res: ServerResponse): Promise<void> => {
    const [id, secret] = clientCredentials(req, form);
    if (id !== client.clientId || secret !== client.clientSecret) {
      return send(res, 401, options.errorBody('invalid_client', 'Client authentication failed.'));
    }
    const invalidGrant = (description: string) => send(res, 400, options.errorBody('invalid_grant', description));
    if (form.get('grant_type') === 'authorization_code') {
      const code = form.get('code') ?? '';
      const entry = codes.get(code);
      codes.delete(code);
      if (!entry) return invalidGrant('Invalid authorization code');
      if (form.get('redirect_uri') !== entry.redirectUri) return invalidGrant('redirect_uri does not match');
      if (entry.challenge !== null && (await s256(form.get('code_verifier') ?? '')) !== entry.challenge) {
        return invalidGrant('Failed to verify code verifier');
      }
      return send(res, 200, await issue(entry.grant, options.refreshTokens === 'always' || /\boffline_access\b/.test(entry.grant.scope)));
    }
    if (form.get('grant_type') === 'refresh_token') {
      const refreshToken = form.get('refresh_token') ?? '';
      const grant = refreshGrants.get(refreshToken);
      if (!grant || revoked.has(refreshToken)) return invalidGrant('Unknown or invalid refresh token.');
      const body = await issue(grant, false);
      return send(res, 200, body); // the refresh token stays the same (no rotation)
    }
    return send(res, 400, options.errorBody('unsupported_grant_type', 'Unsupported grant type'));
  };

  const revoke = (req: IncomingMessage, form: URLSearchParams, res: ServerResponse): void => {
    const [id, secret] = clientCredentials(req, form);
    const value = form.get('token');
    if (id !== client.clientId || secret !== client.clientSecret) {
      send(res, 401, options.errorBody('invalid_client', 'Client authentication failed.'));
    } else if (!value) {
      send(res, 400, options.errorBody('invalid_request', 'token is required'));
    } else {
      if (refreshGrants.has(value)) revoked.add(value);
      res.writeHead(200).end();
    }
  };

  const server = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://x');
      requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body });
      const p = paths!;
      const form = new URLSearchParams(body);
      if (url.pathname === p.discovery && req.method === 'GET') {
        if (!failed('discovery', res)) send(res, 200, configuration);
      } else if (url.pathname === p.jwks && req.method === 'GET') {
        if (!failed('jwks', res)) send(res, 200, { keys: [jwk] });
      } else if (url.pathname === p.authorize && req.method === 'GET') {
        authorize(url.searchParams, res);
      } else if (url.pathname === p.token && req.method === 'POST') {
        if (!failed('token', res)) void token(req, form, res);
      } else if (url.pathname === p.revoke && req.method === 'POST') {
        if (!failed('revoke', res)) revoke(req, form, res);
      } else {
        send(res, 404, { error: 'not_found' });
      }
    });
  });
  const issuerPath = options.issuerPath ?? '';
  issuer = `${server.url}${issuerPath}${options.issuerTrailingSlash ? '/' : ''}`;
  configuration = options.discovery(server.url, issuer);
  const pathOf = (member: string) => new URL(String(configuration[member])).pathname;
  paths = {
    discovery: `${issuerPath}/.well-known/openid-configuration`,
    jwks: pathOf('jwks_uri'),
    authorize: pathOf('authorization_endpoint'),
    token: pathOf('token_endpoint'),
    revoke: options.revocationPath ?? pathOf('revocation_endpoint'),
  };
  const known = paths;
  return {
    ...server,
    issuer,
    configUrl: `${server.url}${known.discovery}`,
    configuration,
    sign,
    setMode: (endpoint, mode) => void modes.set(endpoint, mode),
    requests,
    requestsTo: (endpoint) => requests.filter((r) => r.path === known[endpoint]),
    issued,
    revoked,
    jwksOutages: () => {
      const outage = (mode: FakeIdpMode) => async () => {
        modes.set('jwks', mode);
        return async () => void modes.set('jwks', 'up');
      };
      return {
        'JWKS answers 5xx': outage('server_error'),
        'JWKS is rate limited': outage('rate_limited'),
        'JWKS is malformed': outage('malformed'),
        'JWKS never answers': outage('hang'),
      };
    },
  };
}
