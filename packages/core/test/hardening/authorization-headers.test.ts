/**
 * Two `Authorization` headers on one request: Node's `req.headers` keeps the first, so
 * `Bearer <valid>` + `Bearer junk` used to pass and the reverse was refused. Both orders must be a
 * 400 `invalid_request`, through `toNodeHandler` and through the Express middleware.
 */
import { listen, type Listening } from '@mcpauth/testing';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBearerGuard, type TokenVerifier } from '../../src/index.js';
import { expressBearerAuth, toNodeHandler } from '../../src/node.js';
import { rawRequest } from './raw-http.js';

const verifier: TokenVerifier = {
  verifyToken: async (token) =>
    token === 'valid' ? { token, clientId: 'c', scopes: [], claims: {}, resource: 'http://127.0.0.1/mcp' } : null,
};
const guard = createBearerGuard({ verifier, expectedResource: 'http://127.0.0.1/mcp' });

let node: Listening;
let app: Listening;
beforeAll(async () => {
  node = await listen(
    toNodeHandler(async (request) => {
      const auth = await guard(request);
      return auth instanceof Response ? auth : new Response('ok');
    }),
  );
  const e = express();
  e.get('/mcp', expressBearerAuth(guard), (_req, res) => res.send('ok'));
  app = await listen(e);
});
afterAll(async () => {
  await node.close();
  await app.close();
});

describe.each([
  ['toNodeHandler', () => node],
  ['expressBearerAuth', () => app],
])('%s', (_name, server) => {
  const send = (headers: string[]) => rawRequest({ port: server().port, method: 'GET', path: '/mcp', headers });

  it('accepts one valid bearer token', async () => {
    expect((await send(['Authorization: Bearer valid'])).status).toBe(200);
  });

  it.each([
    [['Authorization: Bearer valid', 'Authorization: Bearer junk']],
    [['Authorization: Bearer junk', 'Authorization: Bearer valid']],
    [['Authorization: Bearer valid', 'Authorization: Bearer valid']],
  ])('refuses two Authorization headers with 400 invalid_request (%j)', async (headers) => {
    const answer = await send(headers);
    expect(answer.status).toBe(400);
    expect(answer.head).toMatch(/www-authenticate: Bearer error="invalid_request"/i);
  });
});
