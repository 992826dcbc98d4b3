import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen, type Listening } from '@mcpauth/testing';

/**
 * A fake of Google's OAuth 2.0 / OpenID Connect endpoints on 127.0.0.1, at the paths
 * `googleEndpoints(origin)` uses, answering with the documented shapes:
 *
 * - `POST|GET /tokeninfo` (`access_token` in the form body or the query): the access-token
 *   contents documented at https://cloud.google.com/docs/authentication/token-types#access-contents
 *   (`azp`, `aud`, `sub`, `scope`, `exp`, `expires_in`, `email`, `email_verified`,
 *   `access_type`; numbers and booleans as strings), and for an unknown or expired token
 *   HTTP 400 `{"error":"invalid_token","error_description":"Invalid Value"}`
 *   (https://developers.google.com/identity/sign-in/web/backend-auth#calling-the-tokeninfo-endpoint).
 * - `GET /v1/userinfo` (Bearer): the OpenID Connect claims documented at
 *   https://developers.google.com/identity/openid-connect/openid-connect#obtainuserinfo
 *   (`sub`, `name`, `given_name`, `family_name`, `picture`, `email`, `email_verified` as a
 *   boolean, `hd` for Workspace accounts); 401 `{"error":"invalid_request","error_description":"Invalid Credentials"}`
 *   with a `WWW-Authenticate` challenge for a bad token.
 * - `GET /o/oauth2/v2/auth`, `POST /token`, `POST /revoke`: the web-server flow documented at
 *   https://developers.google.com/identity/protocols/oauth2/web-server (a refresh token only with
 *   `access_type=offline`, and then only on the first consent or with `prompt=consent`; token
 *   errors `invalid_client` 401, `invalid_grant` 400, `redirect_uri_mismatch` 400; refresh answers
 *   carry no new refresh token; revocation answers 200, or 400 `invalid_token` for an unknown token).
 *
 * Besides, each token can be made to fail (429, 403 quota, 5xx, malformed JSON, never answering),
 * and the token endpoint too.
 */

/** A Google account, as userinfo describes it. */
export interface FakeAccount {
  sub: string;
  email: string;
  email_verified: boolean;
  name: string;
  given_name: string;
  family_name: string;
  picture: string;
  /** Google Workspace domain; absent for consumer (gmail.com) accounts. */
  hd?: string;
}

/** A consumer account (documented example values). */
export const ADA: FakeAccount = {
  sub: '110169484474386276334',
  email: 'ada.lovelace@gmail.com',
  email_verified: true,
  name: 'Ada Lovelace',
  given_name: 'Ada',
  family_name: 'Lovelace',
  picture: 'https://lh3.googleusercontent.com/a/ACg8ocJ-ada=s96-c',
};

/** A Google Workspace account of example.com. */
export const GRACE: FakeAccount = {
  sub: '108204268033311374519',
  email: 'grace@example.com',
  email_verified: true,
  name: 'Grace Hopper',
  given_name: 'Grace',
  family_name: 'Hopper',
  picture: 'https://lh3.googleusercontent.com/a/ACg8ocK-grace=s96-c',
  hd: 'example.com',
};

/** What goes wrong at one endpoint. */
export type Failure = 'rate_limited' | 'quota' | 'server_error' | 'malformed' | 'not_an_object' | 'hang';

/** How the fake answers for one access token. */
export type TokenBehaviour =
  | {
      kind: 'token';
      account: FakeAccount;
      /** The client the token was issued to (`aud` and `azp`). */
      clientId: string;
      /** Granted scopes as Google reports them (long forms for email/profile). */
      scope: string;
      /** Expiry, seconds since the epoch on the fake's clock. */
      expiresAt: number;
      /** Override `azp` only (a token whose presenter differs from its audience). */
      azp?: string;
      /** Leave fields out of the tokeninfo answer. */
      omit?: readonly string[];
      /** Replace fields of the tokeninfo answer. */
      fields?: Readonly<Record<string, string>>;
      /** Make userinfo fail, or name another user. */
      userinfo?: Failure | 'revoked' | 'other_sub';
    }
  | { kind: 'fail'; failure: Failure };

/** A recorded request. */
export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

/** The OAuth client registered at the fake (Google Cloud console → Clients → Web application). */
export interface FakeOAuthClient {
  clientId: string;
  clientSecret: string;
  /** "Authorized redirect URIs" (exact match). */
  redirectUris: string[];
  /** The account that signs in and approves. */
  account: FakeAccount;
}

export interface FakeGoogle extends Listening {
  setToken(token: string, behaviour: TokenBehaviour): void;
  /** A valid access token for the account, issued to `clientId`, as the fake token endpoint would. */
  mint(account: FakeAccount, clientId: string, options?: { scope?: string; lifetime?: number }): string;
  requests: SeenRequest[];
  /** tokeninfo calls so far. */
  tokenInfoCalls(): number;
  userInfoCalls(): number;
  /** Access tokens issued by the token endpoint, in order (code exchange and refresh). */
  issuedAccessTokens: string[];
  /** Refresh tokens issued by the token endpoint. */
  issuedRefreshTokens: string[];
  /** Revoke a grant at Google (the user removed the app): its refresh token and access tokens stop working. */
  revokeGrant(refreshToken: string): void;
  /** Make the token endpoint fail until set back to `undefined`. */
  failTokenEndpoint(failure: Failure | undefined): void;
  /** Make tokeninfo fail for every token until set back to `undefined`. */
  failTokenInfo(failure: Failure | undefined): void;
  /** Move the fake's clock (tokens expire at Google). */
  advance(seconds: number): void;
}

const LONG = { email: 'https://www.googleapis.com/auth/userinfo.email', profile: 'https://www.googleapis.com/auth/userinfo.profile' };

/** The granted scope as Google reports it: short `email`/`profile` become the long forms. */
function reported(scope: string): string {
  return scope
    .split(' ')
    .filter(Boolean)
    .map((s) => (s === 'email' || s === 'profile' ? LONG[s] : s))
    .join(' ');
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

function sendFailure(res: ServerResponse, failure: Failure) {
  switch (failure) {
    case 'rate_limited':
      return send(res, 429, {
        error: { code: 429, message: 'Resource has been exhausted (e.g. check quota).', status: 'RESOURCE_EXHAUSTED' },
      });
    case 'quota':
      return send(res, 403, {
        error: {
          code: 403,
          message: 'Quota exceeded for quota metric.',
          errors: [{ reason: 'rateLimitExceeded' }],
          status: 'PERMISSION_DENIED',
        },
      });
    case 'server_error':
      return send(res, 503, '<html><title>Error 503 (Service Unavailable)!!1</title></html>', { 'content-type': 'text/html' });
    case 'malformed':
      return send(res, 200, '{"azp": "123.apps.googleusercontent.com", "aud": ');
    case 'not_an_object':
      return send(res, 200, '["not", "an", "object"]');
    case 'hang':
      return; // never answers
  }
}

const random = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('base64url');

/** A fake Google; with an OAuth client, also the authorization, token and revocation endpoints. */
export async function startFakeGoogle(client?: FakeOAuthClient): Promise<FakeGoogle> {
  const tokens = new Map<string, TokenBehaviour>();
  /** refresh token → the grant behind it. */
  const grants = new Map<string, { account: FakeAccount; clientId: string; scope: string; accessTokens: Set<string> }>();
  const codes = new Map<string, { redirectUri: string; scope: string; challenge: string | null; method: string; refresh: boolean }>();
  /** Accounts that have consented to the client once (Google returns a refresh token only the first time, unless prompt=consent). */
  const consented = new Set<string>();
  const requests: SeenRequest[] = [];
  const issuedAccessTokens: string[] = [];
  const issuedRefreshTokens: string[] = [];
  let tokenFailure: Failure | undefined;
  let tokenInfoFailure: Failure | undefined;
  let offset = 0;
  const now = () => Math.floor(Date.now() / 1000) + offset;

  const mint: FakeGoogle['mint'] = (account, clientId, options = {}) => {
    const token = `ya29.a0${random(48)}`;
    tokens.set(token, {
      kind: 'token',
      account,
      clientId,
      scope: reported(options.scope ?? 'openid email profile'),
      expiresAt: now() + (options.lifetime ?? 3599),
    });
    return token;
  };

  function tokenInfo(res: ServerResponse, token: string | null) {
    if (tokenInfoFailure) return sendFailure(res, tokenInfoFailure);
    const b = token === null ? undefined : tokens.get(token);
    if (b?.kind === 'fail') return sendFailure(res, b.failure);
    if (!b || b.expiresAt <= now()) return send(res, 400, { error: 'invalid_token', error_description: 'Invalid Value' });
    const scopes = b.scope.split(' ');
    // https://cloud.google.com/docs/authentication/token-types#access-contents
    const body: Record<string, string> = {
      azp: b.azp ?? b.clientId,
      aud: b.clientId,
      sub: b.account.sub,
      scope: b.scope,
      exp: String(b.expiresAt),
      expires_in: String(b.expiresAt - now()),
      access_type: 'offline',
    };
    if (scopes.includes(LONG.email)) Object.assign(body, { email: b.account.email, email_verified: String(b.account.email_verified) });
    if (!scopes.some((s) => s === 'openid' || s === LONG.email || s === LONG.profile)) delete body['sub'];
    for (const field of b.omit ?? []) delete body[field];
    Object.assign(body, b.fields);
    send(res, 200, body);
  }

  function userInfo(res: ServerResponse, authorization: string | undefined) {
    const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
    const b = token === undefined ? undefined : tokens.get(token);
    const denied = () =>
      send(
        res,
        401,
        { error: 'invalid_request', error_description: 'Invalid Credentials' },
        { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
      );
    if (b?.kind === 'fail') return sendFailure(res, b.failure);
    if (!b || b.expiresAt <= now() || b.userinfo === 'revoked') return denied();
    if (b.userinfo !== undefined && b.userinfo !== 'other_sub') return sendFailure(res, b.userinfo);
    const scopes = b.scope.split(' ');
    const a = b.account;
    // https://developers.google.com/identity/openid-connect/openid-connect#obtainuserinfo
    const body: Record<string, unknown> = { sub: b.userinfo === 'other_sub' ? '100000000000000000001' : a.sub };
    if (scopes.includes(LONG.profile)) {
      Object.assign(body, { name: a.name, given_name: a.given_name, family_name: a.family_name, picture: a.picture });
    }
    if (scopes.includes(LONG.email)) Object.assign(body, { email: a.email, email_verified: a.email_verified });
    if (a.hd !== undefined && (scopes.includes(LONG.email) || scopes.includes(LONG.profile))) body['hd'] = a.hd;
    send(res, 200, body);
  }

  const server = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://x');
      const method = req.method ?? 'GET';
      requests.push({ method, path: url.pathname, query: url.searchParams, headers: req.headers, body });
      const form = new URLSearchParams(body);
      switch (`${method} ${url.pathname}`) {
        case 'GET /tokeninfo':
          return tokenInfo(res, url.searchParams.get('access_token'));
        case 'POST /tokeninfo':
          return tokenInfo(res, form.get('access_token') ?? url.searchParams.get('access_token'));
        case 'GET /v1/userinfo':
          return userInfo(res, req.headers.authorization);
        case 'GET /o/oauth2/v2/auth':
          if (client) return authorize(res, url.searchParams);
          break;
        case 'POST /token':
          if (client) return void token(req, res, form);
          break;
        case 'POST /revoke':
          return revoke(res, form.get('token') ?? url.searchParams.get('token'));
      }
      send(res, 404, { error: { code: 404, message: 'Not Found' } });
    });
  });

  /** Google's error page for a bad authorization request (it never redirects those back). */
  function errorPage(res: ServerResponse, error: string, description: string) {
    res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<html><title>Error 400: ${error}</title><p>${description}</p></html>`);
  }

  function authorize(res: ServerResponse, q: URLSearchParams) {
    const c = client!;
    if (q.get('client_id') !== c.clientId) return errorPage(res, 'invalid_client', 'The OAuth client was not found.');
    const redirectUri = q.get('redirect_uri') ?? '';
    if (!c.redirectUris.includes(redirectUri)) {
      return errorPage(
        res,
        'redirect_uri_mismatch',
        "You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy.",
      );
    }
    if (q.get('response_type') !== 'code') return errorPage(res, 'unsupported_response_type', 'Invalid response_type');
    const scope = q.get('scope');
    if (!scope) return errorPage(res, 'invalid_request', 'Missing required parameter: scope');
    const method = q.get('code_challenge_method') ?? 'plain';
    if (q.has('code_challenge') && method !== 'S256' && method !== 'plain')
      return errorPage(res, 'invalid_request', 'Invalid code_challenge_method');
    // `hd` only narrows Google's account chooser: a user who edits the URL signs in with any account, so it is not checked here
    const prompts = (q.get('prompt') ?? '').split(' ');
    const key = `${c.clientId}:${c.account.sub}`;
    const refresh = q.get('access_type') === 'offline' && (prompts.includes('consent') || !consented.has(key));
    consented.add(key);
    const code = `4/0A${random(30)}`;
    codes.set(code, { redirectUri, scope: reported(scope), challenge: q.get('code_challenge'), method, refresh });
    const back = new URL(redirectUri);
    if (q.has('state')) back.searchParams.set('state', q.get('state')!);
    back.searchParams.set('code', code);
    back.searchParams.set('scope', reported(scope));
    back.searchParams.set('authuser', '0');
    if (c.account.hd) back.searchParams.set('hd', c.account.hd);
    back.searchParams.set('prompt', 'consent');
    res.writeHead(302, { location: back.href });
    res.end();
  }

  async function token(req: IncomingMessage, res: ServerResponse, form: URLSearchParams) {
    const c = client!;
    if (tokenFailure) return sendFailure(res, tokenFailure);
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    const [id, secret] = basic
      ? Buffer.from(basic[1]!, 'base64').toString().split(':').map(decodeURIComponent)
      : [form.get('client_id'), form.get('client_secret')];
    if (id !== c.clientId || secret !== c.clientSecret)
      return send(res, 401, { error: 'invalid_client', error_description: 'Unauthorized' });
    const idToken = (sub: string) =>
      [
        Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'fake', typ: 'JWT' })).toString('base64url'),
        Buffer.from(JSON.stringify({ iss: 'https://accounts.google.com', aud: c.clientId, sub, iat: now(), exp: now() + 3599 })).toString(
          'base64url',
        ),
        random(32),
      ].join('.');
    if (form.get('grant_type') === 'authorization_code') {
      const code = form.get('code') ?? '';
      const grant = codes.get(code);
      codes.delete(code);
      if (!grant) return send(res, 400, { error: 'invalid_grant', error_description: 'Bad Request' });
      if (form.get('redirect_uri') !== grant.redirectUri)
        return send(res, 400, { error: 'redirect_uri_mismatch', error_description: 'Bad Request' });
      if (grant.challenge !== null) {
        const verifier = form.get('code_verifier') ?? '';
        const computed =
          grant.method === 'S256'
            ? Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))).toString('base64url')
            : verifier;
        if (computed !== grant.challenge) return send(res, 400, { error: 'invalid_grant', error_description: 'Bad Request' });
      }
      const access = mint(c.account, c.clientId, { scope: grant.scope });
      issuedAccessTokens.push(access);
      // https://developers.google.com/identity/protocols/oauth2/web-server#exchange-authorization-code
      const answer: Record<string, unknown> = { access_token: access, expires_in: 3599, scope: grant.scope, token_type: 'Bearer' };
      if (grant.refresh) {
        const refreshToken = `1//0g${random(40)}`;
        issuedRefreshTokens.push(refreshToken);
        grants.set(refreshToken, { account: c.account, clientId: c.clientId, scope: grant.scope, accessTokens: new Set([access]) });
        answer['refresh_token'] = refreshToken;
      }
      if (grant.scope.split(' ').includes('openid')) answer['id_token'] = idToken(c.account.sub);
      return send(res, 200, answer);
    }
    if (form.get('grant_type') === 'refresh_token') {
      const grant = grants.get(form.get('refresh_token') ?? '');
      if (!grant) return send(res, 400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
      const access = mint(grant.account, grant.clientId, { scope: grant.scope });
      grant.accessTokens.add(access);
      issuedAccessTokens.push(access);
      // https://developers.google.com/identity/protocols/oauth2/web-server#offline: no new refresh token
      const answer: Record<string, unknown> = { access_token: access, expires_in: 3599, scope: grant.scope, token_type: 'Bearer' };
      if (grant.scope.split(' ').includes('openid')) answer['id_token'] = idToken(grant.account.sub);
      return send(res, 200, answer);
    }
    send(res, 400, { error: 'unsupported_grant_type', error_description: `Invalid grant_type: ${form.get('grant_type') ?? ''}` });
  }

  const revokeGrant = (refreshToken: string): boolean => {
    const grant = grants.get(refreshToken);
    if (!grant) return false;
    for (const t of grant.accessTokens) tokens.delete(t);
    grants.delete(refreshToken);
    return true;
  };

  function revoke(res: ServerResponse, token: string | null) {
    // https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke
    if (token !== null && revokeGrant(token)) return send(res, 200, {});
    if (token !== null && tokens.has(token)) {
      // an access token: the whole grant behind it ends
      for (const [refresh, grant] of grants) if (grant.accessTokens.has(token)) revokeGrant(refresh);
      tokens.delete(token);
      return send(res, 200, {});
    }
    send(res, 400, { error: 'invalid_token', error_description: 'Token expired or revoked' });
  }

  return {
    ...server,
    requests,
    issuedAccessTokens,
    issuedRefreshTokens,
    setToken: (t, b) => void tokens.set(t, b),
    mint,
    tokenInfoCalls: () => requests.filter((r) => r.path === '/tokeninfo').length,
    userInfoCalls: () => requests.filter((r) => r.path === '/v1/userinfo').length,
    revokeGrant: (t) => void revokeGrant(t),
    failTokenEndpoint: (f) => {
      tokenFailure = f;
    },
    failTokenInfo: (f) => {
      tokenInfoFailure = f;
    },
    advance: (s) => {
      offset += s;
    },
  };
}
