import { listen, type Listening } from '@mcpauth/testing';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/** How an endpoint of the fake answers. */
export type FakeMode = 'up' | 'malformed' | 'server_error' | 'rate_limited' | 'hang';

export interface FakeScalekit extends Listening {
  /** The environment URL (`iss` of its tokens). */
  issuer: string;
  resourceId: string;
  /** `{url}/resources/{resourceId}`: the authorization server. */
  authorizationServer: string;
  /** The RFC 8414 document served for the resource. */
  metadata: Record<string, unknown>;
  /** Sign an access token with the environment's key (claims merged over a realistic default set). */
  sign(claims?: JWTPayload, options?: { kid?: string; key?: CryptoKey }): Promise<string>;
  setJwksMode(mode: FakeMode): void;
  /** How the metadata endpoint answers; `wrong_issuer` serves a document naming another issuer. */
  setMetadataMode(mode: FakeMode | 'wrong_issuer'): void;
  /** Requests per path. */
  hits(path: string): number;
}

/**
 * A fake Scalekit environment with one MCP server (resource): the environment's JWKS at `/keys`
 * (RS256 keys with `use: sig`), the resource's RFC 8414 metadata at
 * `/.well-known/oauth-authorization-server/resources/{resourceId}`, and access tokens signed by a
 * local RSA key with the claims Scalekit documents (`iss` = the environment URL, `aud` = the
 * resource id, `sub`, `client_id`, `scope`, `exp`, `iat`).
 *
 * Shapes: https://docs.scalekit.com/authenticate/mcp/quickstart/ (issuer = environment URL,
 * audience = resource id plus the Server URL when one is registered; authorization server
 * `{environmentUrl}/resources/{resourceId}`, its metadata at the path-inserted well-known URL);
 * error bodies are OAuth errors (`error`, `error_description`) as
 * https://www.mintlify.com/scalekit-inc/developer-docs/sdks/error-handling shows. The metadata
 * document's endpoint URLs are not documented per field: the fake's are placeholders (no test
 * follows them), its `issuer` is the authorization server URL as RFC 8414 §3.3 requires.
 */
export async function startFakeScalekit(resourceId = 'res_92015146095'): Promise<FakeScalekit> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `snk_${crypto.randomUUID().replaceAll('-', '').slice(0, 18)}`;
  const jwk: JWK = { ...(await exportJWK(publicKey)), alg: 'RS256', kid, use: 'sig' };
  let jwksMode: FakeMode = 'up';
  let metadataMode: FakeMode | 'wrong_issuer' = 'up';
  const hits = new Map<string, number>();
  let metadata: Record<string, unknown> = {};
  const metadataPath = `/.well-known/oauth-authorization-server/resources/${resourceId}`;

  const server = await listen((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    /** Answers a failure for `mode` (nothing at all when it hangs); `false` when the endpoint is up. */
    const failure = (mode: FakeMode | 'wrong_issuer'): boolean => {
      if (mode === 'server_error') json(500, { error: 'server_error', error_description: 'Internal server error' });
      else if (mode === 'rate_limited') json(429, { error: 'rate_limit_exceeded', error_description: 'Too many requests' });
      else if (mode === 'malformed') json(200, '{"keys": [{"kty": "RSA",');
      else if (mode !== 'hang') return false;
      return true;
    };
    if (path === '/keys') {
      if (failure(jwksMode)) return;
      return json(200, { keys: [jwk] });
    }
    if (path === metadataPath) {
      if (failure(metadataMode)) return;
      return json(200, metadataMode === 'wrong_issuer' ? { ...metadata, issuer: server.url } : metadata);
    }
    json(404, { error: 'not_found', error_description: 'Not found' });
  });

  const authorizationServer = `${server.url}/resources/${resourceId}`;
  metadata = {
    issuer: authorizationServer,
    authorization_endpoint: `${server.url}/oauth/authorize`,
    token_endpoint: `${server.url}/oauth/token`,
    registration_endpoint: `${authorizationServer}/register`,
    jwks_uri: `${server.url}/keys`,
    scopes_supported: ['todo:read', 'todo:write'],
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    code_challenge_methods_supported: ['S256'],
    client_id_metadata_document_supported: true,
  };
  return {
    ...server,
    issuer: server.url,
    resourceId,
    authorizationServer,
    metadata,
    sign(claims = {}, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({
        iss: server.url,
        aud: [resourceId],
        sub: 'usr_96194455173923084',
        client_id: 'm2m_cl_101234567890123',
        scope: 'todo:read todo:write',
        sid: 'ses_98765432109876543',
        jti: crypto.randomUUID(),
        iat: now,
        nbf: now,
        exp: now + 3600,
        ...claims,
      })
        .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? kid, typ: 'JWT' })
        .sign(options.key ?? privateKey);
    },
    setJwksMode: (mode) => {
      jwksMode = mode;
    },
    setMetadataMode: (mode) => {
      metadataMode = mode;
    },
    hits: (p) => hits.get(p) ?? 0,
  };
}
