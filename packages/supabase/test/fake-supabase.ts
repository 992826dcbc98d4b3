import { SignJWT, exportJWK, generateKeyPair, type JWK, type JWTPayload, type CryptoKey } from 'jose';
import { listen, type Listening } from '@mcpauth/testing';

/** How the fake's JWKS endpoint answers. */
export type JwksMode = 'up' | 'malformed' | 'server_error' | 'hang';

export interface FakeSupabase extends Listening {
  /** `{url}/auth/v1`: the issuer. */
  issuer: string;
  /** The authorization server metadata the fake serves. */
  metadata: Record<string, unknown>;
  /** Sign an access token with the project's current key (claims merged over a realistic default set). */
  sign(claims?: JWTPayload, options?: { alg?: 'ES256' | 'RS256'; kid?: string; key?: CryptoKey }): Promise<string>;
  /** Add an RS256 key to the JWKS (Supabase projects can rotate to RSA keys). */
  addRsaKey(): Promise<void>;
  setJwksMode(mode: JwksMode): void;
  /** Requests per path. */
  hits(path: string): number;
}

interface Key {
  alg: 'ES256' | 'RS256';
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function newKey(alg: 'ES256' | 'RS256'): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `${alg.toLowerCase()}-${crypto.randomUUID()}`;
  // Supabase publishes asymmetric keys with alg, kid, use and key_ops (ES256 keys are P-256).
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), alg, kid, use: 'sig', key_ops: ['verify'], ext: true } };
}

/**
 * A fake Supabase project: Supabase Auth under `/auth/v1` with its JWKS
 * (`/auth/v1/.well-known/jwks.json`), RFC 8414 metadata at the path-inserted well-known URL
 * (`/.well-known/oauth-authorization-server/auth/v1`) and the OIDC discovery document; tokens
 * signed by a local ES256 key (RS256 on request) with the documented claims.
 */
export async function startFakeSupabase(): Promise<FakeSupabase> {
  const keys: Key[] = [await newKey('ES256')];
  let mode: JwksMode = 'up';
  const hits = new Map<string, number>();
  let metadata: Record<string, unknown> = {};
  const server = await listen((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'public, max-age=600' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (path === '/auth/v1/.well-known/jwks.json') {
      if (mode === 'hang') return;
      if (mode === 'server_error') return json(503, { code: 503, error_code: 'unexpected_failure', msg: 'Service Unavailable' });
      if (mode === 'malformed') return json(200, '{"keys": [');
      return json(200, { keys: keys.map((k) => k.jwk) });
    }
    if (path === '/.well-known/oauth-authorization-server/auth/v1' || path === '/auth/v1/.well-known/openid-configuration') {
      return json(200, metadata);
    }
    json(404, { code: 404, error_code: 'not_found', msg: 'Not Found' });
  });
  const issuer = `${server.url}/auth/v1`;
  metadata = {
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    registration_endpoint: `${issuer}/oauth/clients/register`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    userinfo_endpoint: `${issuer}/oauth/userinfo`,
    scopes_supported: ['openid', 'email', 'profile', 'phone'],
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
    code_challenge_methods_supported: ['S256'],
    id_token_signing_alg_values_supported: ['ES256', 'RS256'],
  };
  return {
    ...server,
    issuer,
    metadata,
    async sign(claims = {}, options = {}) {
      const alg = options.alg ?? 'ES256';
      const key = keys.find((k) => k.alg === alg);
      if (!key) throw new Error(`no ${alg} key: call addRsaKey() first`);
      const now = Math.floor(Date.now() / 1000);
      const sub = crypto.randomUUID();
      return new SignJWT({
        iss: issuer,
        aud: 'authenticated',
        sub,
        user_id: sub,
        role: 'authenticated',
        email: 'user@example.com',
        client_id: '9a8b7c6d-5e4f-3a2b-1c0d-9e8f7a6b5c4d',
        aal: 'aal1',
        amr: [{ method: 'password', timestamp: now }],
        session_id: crypto.randomUUID(),
        is_anonymous: false,
        iat: now,
        exp: now + 3600,
        ...claims,
      })
        .setProtectedHeader({ alg, kid: options.kid ?? key.kid, typ: 'JWT' })
        .sign(options.key ?? key.privateKey);
    },
    async addRsaKey() {
      keys.push(await newKey('RS256'));
    },
    setJwksMode: (m) => {
      mode = m;
    },
    hits: (p) => hits.get(p) ?? 0,
  };
}
