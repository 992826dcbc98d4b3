import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen, type Listening } from '@mcpauth/testing';

/** A GitHub user as `GET /user` returns it (abridged to the documented fields we read). */
export interface FakeUser {
  id: number;
  login: string;
  name: string | null;
  email: string | null;
  avatar_url: string;
}

/** How the fake answers `GET /user` for one token. */
export type UserBehaviour =
  | { kind: 'user'; user: FakeUser; scopes?: string }
  | { kind: 'rate_limited' }
  | { kind: 'too_many_requests' }
  | { kind: 'malformed'; body: string }
  | { kind: 'server_error' }
  | { kind: 'hang' };

/** A recorded request to the fake. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** The OAuth app registered at the fake (GitHub: Settings → Developer settings → OAuth Apps). */
export interface FakeOAuthApp {
  clientId: string;
  clientSecret: string;
  /** The app's "Authorization callback URL". */
  callbackUrl: string;
  /** The user who signs in and approves. */
  user: FakeUser;
}

export interface FakeGitHub extends Listening {
  /** Set how `GET /user` answers for a token (unknown tokens get 401 Bad credentials). */
  setToken(token: string, behaviour: UserBehaviour): void;
  /** Requests received, in order. */
  requests: SeenRequest[];
  /** Requests for `/user` (either API prefix). */
  userCalls(): number;
  /** Access tokens issued by the fake token endpoint. */
  issuedTokens: string[];
  /** Revoke a token (the user or the app revoked it at GitHub): `/user` answers 401 from now on. */
  revoke(token: string): void;
}

export const OCTOCAT: FakeUser = {
  id: 583231,
  login: 'octocat',
  name: 'The Octocat',
  email: null,
  avatar_url: 'https://avatars.githubusercontent.com/u/583231?v=4',
};

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(body);
}

/**
 * A fake of the GitHub REST API (`/user`, at `/` and at the GHES prefix `/api/v3`) returning the
 * documented shapes: 200 with `X-OAuth-Scopes`, 401 Bad credentials, 403 primary rate limit,
 * 429 secondary rate limit, malformed bodies, 5xx and a request that never answers.
 * With an OAuth app, also the OAuth web flow at `/login/oauth/authorize` and
 * `/login/oauth/access_token` (see {@link oauthEndpoints}).
 */
export async function startFakeGitHub(app?: FakeOAuthApp): Promise<FakeGitHub> {
  const tokens = new Map<string, UserBehaviour>();
  const requests: SeenRequest[] = [];
  const issuedTokens: string[] = [];
  const extra = app ? oauthEndpoints(app, tokens, issuedTokens) : undefined;
  const server = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body });
      if (path === '/user' || path === '/api/v3/user') {
        const match = /^(?:Bearer|token) (\S+)$/.exec(req.headers.authorization ?? '');
        const behaviour = match ? tokens.get(match[1]!) : undefined;
        const rate = { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '4999', 'x-ratelimit-resource': 'core' };
        switch (behaviour?.kind) {
          case undefined:
            return send(
              res,
              401,
              JSON.stringify({ message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' }),
            );
          case 'user':
            return send(res, 200, JSON.stringify({ ...behaviour.user, type: 'User', site_admin: false }), {
              ...rate,
              ...(behaviour.scopes === undefined ? {} : { 'x-oauth-scopes': behaviour.scopes, 'x-accepted-oauth-scopes': '' }),
            });
          case 'rate_limited':
            return send(
              res,
              403,
              JSON.stringify({
                message: 'API rate limit exceeded for user ID 583231.',
                documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
              }),
              { ...rate, 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 600) },
            );
          case 'too_many_requests':
            return send(res, 429, JSON.stringify({ message: 'You have exceeded a secondary rate limit.' }), { 'retry-after': '60' });
          case 'malformed':
            return send(res, 200, behaviour.body);
          case 'server_error':
            return send(res, 502, '<html>Bad Gateway</html>', { 'content-type': 'text/html' });
          case 'hang':
            return; // never answers
        }
      }
      const revoke = /^(?:\/api\/v3)?\/applications\/([^/]+)\/token$/.exec(path);
      if (revoke && req.method === 'DELETE') {
        const expected = app ? `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}` : undefined;
        if (!app || decodeURIComponent(revoke[1]!) !== app.clientId || req.headers.authorization !== expected) {
          return send(res, 404, JSON.stringify({ message: 'Not Found' }));
        }
        let accessToken: unknown;
        try {
          accessToken = (JSON.parse(body) as { access_token?: unknown }).access_token;
        } catch {
          accessToken = undefined;
        }
        if (typeof accessToken !== 'string' || !tokens.has(accessToken))
          return send(res, 422, JSON.stringify({ message: 'Validation Failed' }));
        tokens.delete(accessToken);
        res.writeHead(204).end();
        return;
      }
      if (extra?.(req, res, body)) return;
      send(res, 404, JSON.stringify({ message: 'Not Found' }));
    });
  });
  return {
    ...server,
    requests,
    issuedTokens,
    revoke: (token) => void tokens.delete(token),
    setToken: (token, behaviour) => void tokens.set(token, behaviour),
    userCalls: () => requests.filter((r) => r.path.endsWith('/user')).length,
  };
}

/**
 * GitHub's OAuth web flow for one app and one signed-in user who approves at once:
 * - authorize: `client_id` must be the app's; `redirect_uri`, when given, must be the callback
 *   URL or below it (same host and port); redirects back with `code` and `state`;
 * - token: form POST with `client_id`, `client_secret`, `code`, `redirect_uri`, `code_verifier`
 *   (PKCE S256 when the authorize request had a challenge); answers JSON when asked
 *   (`Accept: application/json`), form-encoded otherwise; errors come with HTTP 200 and an
 *   `error` field (`incorrect_client_credentials`, `bad_verification_code`, `redirect_uri_mismatch`),
 *   exactly as GitHub does; `scope` in the response is comma-separated.
 */
function oauthEndpoints(app: FakeOAuthApp, tokens: Map<string, UserBehaviour>, issued: string[]) {
  const codes = new Map<string, { redirectUri: string | null; scope: string; challenge: string | null; expires: number }>();
  const random = () => Buffer.from(crypto.getRandomValues(new Uint8Array(15))).toString('hex');
  return (req: IncomingMessage, res: ServerResponse, body: string): boolean => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname.endsWith('/login/oauth/authorize') && req.method === 'GET') {
      const q = url.searchParams;
      const redirect = q.get('redirect_uri');
      if (q.get('client_id') !== app.clientId) {
        send(res, 404, 'Not Found', { 'content-type': 'text/html' });
        return true;
      }
      const callback = new URL(app.callbackUrl);
      if (redirect !== null) {
        const r = new URL(redirect);
        if (r.host !== callback.host || !r.pathname.startsWith(callback.pathname)) {
          send(res, 200, '<html>The redirect_uri is not associated with this application.</html>', { 'content-type': 'text/html' });
          return true;
        }
      }
      if (q.has('code_challenge') && q.get('code_challenge_method') !== 'S256') {
        send(res, 400, '<html>Unsupported code_challenge_method</html>', { 'content-type': 'text/html' });
        return true;
      }
      const code = random().slice(0, 20);
      codes.set(code, {
        redirectUri: redirect,
        scope: q.get('scope') ?? '',
        challenge: q.get('code_challenge'),
        expires: Date.now() + 600_000,
      });
      const back = new URL(redirect ?? app.callbackUrl);
      back.searchParams.set('code', code);
      if (q.has('state')) back.searchParams.set('state', q.get('state')!);
      res.writeHead(302, { location: back.href });
      res.end();
      return true;
    }
    if (url.pathname.endsWith('/login/oauth/access_token') && req.method === 'POST') {
      const form = new URLSearchParams(body);
      const answer = (payload: Record<string, string>) => {
        if ((req.headers.accept ?? '').includes('application/json')) send(res, 200, JSON.stringify(payload));
        else
          send(res, 200, new URLSearchParams(payload).toString(), { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' });
      };
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
      const [id, secret] = basic
        ? Buffer.from(basic[1]!, 'base64').toString().split(':').map(decodeURIComponent)
        : [form.get('client_id'), form.get('client_secret')];
      if (id !== app.clientId || secret !== app.clientSecret) {
        answer({
          error: 'incorrect_client_credentials',
          error_description: 'The client_id and/or client_secret passed are incorrect.',
          error_uri:
            'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#incorrect-client-credentials',
        });
        return true;
      }
      const code = form.get('code') ?? '';
      const grant = codes.get(code);
      codes.delete(code);
      const verifierOk = async () => {
        if (grant?.challenge == null) return true;
        const v = form.get('code_verifier') ?? '';
        const digest = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(v))).toString('base64url');
        return digest === grant.challenge;
      };
      void verifierOk().then((ok) => {
        if (!grant || grant.expires < Date.now() || !ok) {
          answer({
            error: 'bad_verification_code',
            error_description: 'The code passed is incorrect or expired.',
            error_uri:
              'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code',
          });
          return;
        }
        if (grant.redirectUri !== null && form.get('redirect_uri') !== grant.redirectUri) {
          answer({
            error: 'redirect_uri_mismatch',
            error_description: 'The redirect_uri MUST match the registered callback URL for this application.',
            error_uri:
              'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#redirect-uri-mismatch',
          });
          return;
        }
        const token = `gho_${random()}`;
        const scope = grant.scope
          .split(/[\s,]+/)
          .filter(Boolean)
          .join(',');
        tokens.set(token, { kind: 'user', user: app.user, scopes: scope.split(',').join(', ') });
        issued.push(token);
        answer({ access_token: token, token_type: 'bearer', scope });
      });
      return true;
    }
    return false;
  };
}
