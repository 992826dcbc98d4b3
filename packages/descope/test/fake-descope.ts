import { listen, type Listening } from '@mcpauth/testing';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/** How an endpoint of the fake answers. */
export type FakeMode = 'up' | 'malformed' | 'server_error' | 'rate_limited' | 'unauthorized' | 'hang';

export interface FakeDescope extends Listening {
  projectId: string;
  mcpServerId: string;
  /** `{url}/v1/apps/agentic/{projectId}/{mcpServerId}`: the MCP server's issuer. */
  issuer: string;
  /** `{url}/v1/apps/agentic/{projectId}/{mcpServerId}/.well-known/openid-configuration`: the console's Well-Known URL. */
  configUrl: string;
  /** `{url}/v1/apps/{projectId}`: the project-level issuer. */
  projectIssuer: string;
  /** The MCP server's metadata document. */
  metadata: Record<string, unknown>;
  /** The project-level metadata document. */
  projectMetadata: Record<string, unknown>;
  /** The client id Descope registered (DCR) for the test's MCP client: `aud` is `[clientId, projectId]`. */
  clientId: string;
  /** Sign an access token with the project's key (claims merged over a realistic default set, issuer the MCP server's). */
  sign(claims?: JWTPayload, options?: { kid?: string; key?: CryptoKey }): Promise<string>;
  setJwksMode(mode: FakeMode): void;
  /** How the metadata endpoints answer; `wrong_issuer` serves a document naming another issuer. */
  setMetadataMode(mode: FakeMode | 'wrong_issuer'): void;
  /** Requests per path. */
  hits(path: string): number;
}

// Ids from Descope's documented discovery example (https://docs.descope.com/agentic-identity-hub/mcp-servers/discovery-url).
const PROJECT_ID = 'P32juVkF2iM8wAGoM8PiLkGi6POV';
const MCP_SERVER_ID = 'MS35d1Xw1Yo6zozsW7n8BU6xLmnAs';

/**
 * The discovery document of a Descope MCP server, in the documented shape
 * (https://docs.descope.com/agentic-identity-hub/mcp-servers/discovery-url: issuer
 * `{base}/v1/apps/agentic/{projectId}/{mcpServerId}`, one `jwks_uri` per project), with the
 * fake's base URL instead of `https://api.descope.com`.
 */
function mcpServerMetadata(base: string): Record<string, unknown> {
  return {
    issuer: `${base}/v1/apps/agentic/${PROJECT_ID}/${MCP_SERVER_ID}`,
    jwks_uri: `${base}/${PROJECT_ID}/.well-known/jwks.json`,
    authorization_endpoint: `${base}/oauth2/v1/apps/agentic/${PROJECT_ID}/${MCP_SERVER_ID}/authorize`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint: `${base}/oauth2/v1/apps/agentic/${PROJECT_ID}/${MCP_SERVER_ID}/token`,
    userinfo_endpoint: `${base}/oauth2/v1/apps/${PROJECT_ID}/userinfo`,
    scopes_supported: ['mcp:schedule_meetings', 'mcp:read_hubspot_contacts', 'mcp:send_confirmation_email', 'outbound.token.fetch'],
    claims_supported: [
      'iss',
      'aud',
      'iat',
      'exp',
      'sub',
      'name',
      'email',
      'email_verified',
      'phone_number',
      'phone_number_verified',
      'picture',
      'family_name',
      'given_name',
    ],
    revocation_endpoint: `${base}/oauth2/v1/apps/${PROJECT_ID}/revoke`,
    registration_endpoint: `${base}/v1/mgmt/mcp/client/${PROJECT_ID}/${MCP_SERVER_ID}/register`,
    code_challenge_methods_supported: ['S256'],
  };
}

/**
 * A fake Descope (`https://api.descope.com`) with one project and one MCP server: the project's
 * JWKS (`/{projectId}/.well-known/jwks.json`, RS256), the MCP server's discovery documents
 * (`/v1/apps/agentic/{projectId}/{mcpServerId}/.well-known/{openid-configuration,oauth-authorization-server}`),
 * the project-level ones (`/v1/apps/{projectId}/.well-known/…`), and access tokens signed by a
 * local RSA key with Descope's claims (https://docs.descope.com/session-overview: `sub` the user
 * id, `amr`, `drn`, `roles`, `permissions`, `tenants`, `dct`; `aud` = `[client id, project id]`).
 * Error bodies have Descope's shape (`errorCode`, `errorDescription`, `errorMessage`,
 * https://docs.descope.com/sdk-error-handling).
 */
export async function startFakeDescope(): Promise<FakeDescope> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `${PROJECT_ID}-${crypto.randomUUID().slice(0, 8)}`;
  const jwk: JWK = { ...(await exportJWK(publicKey)), alg: 'RS256', kid, use: 'sig' };
  let jwksMode: FakeMode = 'up';
  let metadataMode: FakeMode | 'wrong_issuer' = 'up';
  const hits = new Map<string, number>();
  const documents = new Map<string, Record<string, unknown>>();

  const server = await listen((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const error = (status: number, errorCode: string, errorDescription: string) =>
      json(status, { errorCode, errorDescription, errorMessage: errorDescription, message: errorDescription });
    /** Answers a failure for `mode` (nothing at all when it hangs); `false` when the endpoint is up. */
    const failure = (mode: FakeMode | 'wrong_issuer'): boolean => {
      if (mode === 'server_error') error(500, 'E000001', 'Internal error');
      else if (mode === 'rate_limited') error(429, 'E130429', 'Too many requests');
      else if (mode === 'unauthorized') error(401, 'E011003', 'Request is unauthorized');
      else if (mode === 'malformed') json(200, '{"issuer": ');
      else if (mode !== 'hang') return false;
      return true;
    };
    if (path === `/${PROJECT_ID}/.well-known/jwks.json`) {
      if (failure(jwksMode)) return;
      return json(200, { keys: [jwk] });
    }
    const document = documents.get(path);
    if (document) {
      if (failure(metadataMode)) return;
      return json(200, metadataMode === 'wrong_issuer' ? { ...document, issuer: `${server.url}/v1/apps/P0ther` } : document);
    }
    error(404, 'E011004', 'Resource not found');
  });

  const metadata = mcpServerMetadata(server.url);
  const issuer = metadata['issuer'] as string;
  const projectIssuer = `${server.url}/v1/apps/${PROJECT_ID}`;
  const projectMetadata = { ...metadata, issuer: projectIssuer, authorization_endpoint: `${server.url}/oauth2/v1/apps/authorize` };
  for (const suffix of ['openid-configuration', 'oauth-authorization-server']) {
    documents.set(`/v1/apps/agentic/${PROJECT_ID}/${MCP_SERVER_ID}/.well-known/${suffix}`, metadata);
    documents.set(`/v1/apps/${PROJECT_ID}/.well-known/${suffix}`, projectMetadata);
  }
  const clientId = 'UDCRabc0123456789client';
  return {
    ...server,
    projectId: PROJECT_ID,
    mcpServerId: MCP_SERVER_ID,
    issuer,
    configUrl: `${issuer}/.well-known/openid-configuration`,
    projectIssuer,
    metadata,
    projectMetadata,
    clientId,
    sign(claims = {}, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({
        iss: issuer,
        sub: 'U2Y3x9hZq8Wk1Jm4Nb7Vc6Tr5Ps',
        aud: [clientId, PROJECT_ID],
        amr: ['email'],
        drn: 'DS',
        scope: 'mcp:schedule_meetings',
        roles: ['Tenant Admin'],
        permissions: ['calendar:read'],
        tenants: { T2acme: { roles: ['editor'], permissions: ['contacts:read'] }, T2other: { roles: [], permissions: ['billing:write'] } },
        dct: 'T2acme',
        email: 'ada@example.com',
        iat: now,
        exp: now + 600,
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
