import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen, type Listening } from '@auth/testing';

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

export interface FakeGitHub extends Listening {
  /** Set how `GET /user` answers for a token (unknown tokens get 401 Bad credentials). */
  setToken(token: string, behaviour: UserBehaviour): void;
  /** Requests received, in order. */
  requests: SeenRequest[];
  /** Requests for `/user` (either API prefix). */
  userCalls(): number;
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
 * `extra` handles any other path (the OAuth endpoints in the proxy-flow test).
 */
export async function startFakeGitHub(
  extra?: (req: IncomingMessage, res: ServerResponse, body: string) => boolean,
): Promise<FakeGitHub> {
  const tokens = new Map<string, UserBehaviour>();
  const requests: SeenRequest[] = [];
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
            return send(res, 401, JSON.stringify({ message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' }));
          case 'user':
            return send(res, 200, JSON.stringify({ ...behaviour.user, type: 'User', site_admin: false }), {
              ...rate,
              ...(behaviour.scopes === undefined ? {} : { 'x-oauth-scopes': behaviour.scopes, 'x-accepted-oauth-scopes': '' }),
            });
          case 'rate_limited':
            return send(
              res,
              403,
              JSON.stringify({ message: 'API rate limit exceeded for user ID 583231.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api' }),
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
      if (extra?.(req, res, body)) return;
      send(res, 404, JSON.stringify({ message: 'Not Found' }));
    });
  });
  return {
    ...server,
    requests,
    setToken: (token, behaviour) => void tokens.set(token, behaviour),
    userCalls: () => requests.filter((r) => r.path.endsWith('/user')).length,
  };
}
