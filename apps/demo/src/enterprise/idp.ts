/**
 * A local enterprise identity provider for the demo's `enterprise` mode (development only): it
 * publishes a JWKS and answers RFC 8693 token exchanges with Identity Assertion JWT Authorization
 * Grants (ID-JAG, SEP-990). The "ID token" it exchanges is not checked: any subject token names
 * the user (its `sub` when it is a JWT, else the string itself), and the `client_id` the agent
 * says it has at the MCP server is put in the grant as given.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, decodeJwt, exportJWK, generateKeyPair } from 'jose';

/** A running local enterprise identity provider. */
export interface EnterpriseIdp {
  /** `http://127.0.0.1:<port>`: its issuer identifier. */
  issuer: string;
  jwksUri: string;
  tokenEndpoint: string;
  close(): Promise<void>;
}

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ID_JAG = 'urn:ietf:params:oauth:token-type:id-jag';

function userOf(subjectToken: string): string {
  try {
    const { sub } = decodeJwt(subjectToken);
    if (typeof sub === 'string') return sub;
  } catch {
    // not a JWT: the string is the user
  }
  return subjectToken.slice(0, 100);
}

/** Start the enterprise identity provider on 127.0.0.1 (`port` 0 picks a free one). */
export async function startEnterpriseIdp(port = 0): Promise<EnterpriseIdp> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'enterprise-1', alg: 'ES256', use: 'sig' };
  let issuer = '';
  const server: Server = createServer((req, res) => {
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/jwks') return json(200, { keys: [jwk] });
    if (req.method === 'GET' && path === '/.well-known/openid-configuration') {
      return json(200, { issuer, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks`, grant_types_supported: [TOKEN_EXCHANGE] });
    }
    if (req.method !== 'POST' || path !== '/token') return json(404, { error: 'not_found' });
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 16 * 1024) req.destroy();
    });
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const subjectToken = form.get('subject_token');
      const audience = form.get('audience');
      const clientId = form.get('mcp_client_id') ?? form.get('client_id');
      if (
        form.get('grant_type') !== TOKEN_EXCHANGE ||
        form.get('requested_token_type') !== ID_JAG ||
        !subjectToken ||
        !audience ||
        !clientId
      ) {
        return json(400, {
          error: 'invalid_request',
          error_description: 'a token exchange for an ID-JAG needs subject_token, audience and client_id',
        });
      }
      const now = Math.floor(Date.now() / 1000);
      void new SignJWT({ client_id: clientId, resource: form.get('resource') ?? undefined, scope: form.get('scope') ?? 'mcp:tools' })
        .setProtectedHeader({ alg: 'ES256', kid: jwk.kid, typ: 'oauth-id-jag+jwt' })
        .setIssuer(issuer)
        .setSubject(userOf(subjectToken))
        .setAudience(audience)
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .setJti(crypto.randomUUID())
        .sign(privateKey)
        .then((grant) => json(200, { access_token: grant, issued_token_type: ID_JAG, token_type: 'N_A', expires_in: 300 }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    tokenEndpoint: `${issuer}/token`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
