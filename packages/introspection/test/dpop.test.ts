/**
 * Opaque DPoP-bound tokens (RFC 9449 §6.2): oidc-provider, with its DPoP feature on, issues a
 * client-credentials token bound to the MCP SDK client's `DpopSession` key; its introspection
 * response carries `cnf.jkt`, and the bearer guard over `IntrospectionTokenVerifier` accepts the
 * token only with a proof by that key, never as Bearer.
 */
import { createBearerGuard } from '@mcpauth/core';
import { startOidcProvider, type OidcHarness, type OidcHarnessOptions } from '@mcpauth/testing';
import { DpopSession } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IntrospectionTokenVerifier } from '../src/index.js';

const RESOURCE = 'https://mcp.example.com/mcp';
const RS = { client_id: 'rs', client_secret: 'rs-secret' };
const APP = { client_id: 'app', client_secret: 'app-secret' };
const clients: NonNullable<OidcHarnessOptions['clients']> = [
  { ...RS, token_endpoint_auth_method: 'client_secret_basic', grant_types: [], response_types: [], redirect_uris: [] },
  { ...APP, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] },
];

let harness: OidcHarness;
beforeAll(async () => {
  harness = await startOidcProvider({
    accessTokenFormat: 'opaque',
    defaultResource: RESOURCE,
    clients,
    dpop: true,
  });
});
afterAll(() => harness?.close());

/** A client-credentials token from oidc-provider, bound to `session`'s key (a DPoP proof at its token endpoint). */
async function boundToken(session: DpopSession): Promise<{ access_token: string; token_type: string }> {
  const res = await fetch(harness.tokenEndpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${btoa(`${APP.client_id}:${APP.client_secret}`)}`,
      DPoP: await session.buildProof({ htm: 'POST', htu: harness.tokenEndpoint }),
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'read', resource: RESOURCE }),
  });
  const body = (await res.json()) as { access_token: string; token_type: string };
  if (!res.ok) throw new Error(`token request failed: ${JSON.stringify(body)}`);
  return body;
}

describe('opaque DPoP-bound tokens through introspection', () => {
  it('the guard accepts the token with a proof by its key; refuses it as Bearer and with another key', async () => {
    const session = await DpopSession.create();
    const issued = await boundToken(session);
    expect(issued.token_type).toBe('DPoP');
    const verifier = new IntrospectionTokenVerifier({
      introspectionUrl: harness.introspectionEndpoint,
      clientId: RS.client_id,
      clientSecret: RS.client_secret,
      expectedAudience: RESOURCE,
    });
    const guard = createBearerGuard({ verifier, expectedResource: RESOURCE, dpop: {} });
    const withProof = async (s: DpopSession) =>
      new Request(RESOURCE, {
        method: 'POST',
        headers: {
          Authorization: `DPoP ${issued.access_token}`,
          DPoP: await s.buildProof({ htm: 'POST', htu: RESOURCE, accessToken: issued.access_token }),
        },
      });
    const ok = await guard(await withProof(session));
    expect(ok).not.toBeInstanceOf(Response);
    expect(ok).toMatchObject({ clientId: APP.client_id, claims: { cnf: { jkt: session.thumbprint } } });

    const asBearer = await guard(new Request(RESOURCE, { headers: { Authorization: `Bearer ${issued.access_token}` } }));
    expect((asBearer as Response).status).toBe(401);
    const otherKey = await guard(await withProof(await DpopSession.create()));
    expect((otherKey as Response).status).toBe(401);
    expect(await (otherKey as Response).json()).toMatchObject({ error: 'invalid_token' });
  });
});
