/**
 * A local OpenID provider for the offline demo: `oidc-provider` (a certified implementation) on
 * loopback, with its development login (any username and password), one statically registered
 * confidential client (the proxy), refresh tokens, revocation, and JWT access tokens. Development
 * only: everything lives in memory and is gone on restart.
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The client id of the proxy's static client at the local provider. */
export const LOCAL_CLIENT_ID = 'mcp-demo-proxy';

/** Options of {@link startLocalIdp}. */
export interface LocalIdpOptions {
  /** Redirect URIs of the static client (the proxy's callback). */
  redirectUris: string[];
  /** Audience of the access tokens it issues when the request names no resource. */
  defaultResource: string;
  /** Scopes it grants in access tokens, besides the OpenID ones. */
  resourceScopes: string[];
  /** Port on 127.0.0.1; 0 picks a free one. */
  port?: number;
  /** Secret of the static client; default random (give several demo instances the same one). */
  clientSecret?: string | undefined;
}

/** A running local OpenID provider. */
export interface LocalIdp {
  /** `http://127.0.0.1:<port>`; discovery at `/.well-known/openid-configuration`. */
  issuer: string;
  /** The static confidential client registered for the proxy. */
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

// oidc-provider rightly warns about development-only settings and about Node 20; the demo chooses
// them on purpose and says so itself, so those lines are left out of its output.
function quietDevelopmentWarnings(): void {
  const known = /oidc-provider (WARNING|NOTICE): .*(Unsupported runtime|development-only|allowedPolicy)/;
  for (const method of ['warn', 'info'] as const) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && known.test(args[0])) return;
      original(...args);
    };
  }
}

/** The part of oidc-provider's API used here (its types package belongs to the test harness). */
interface OidcProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  on(event: 'server_error', listener: (ctx: unknown, error: Error) => void): void;
}
type OidcProviderClass = new (issuer: string, configuration: Record<string, unknown>) => OidcProvider;

/** The made-up profile of a development login. */
function profile(username: string): Record<string, unknown> {
  return {
    name: username.charAt(0).toUpperCase() + username.slice(1),
    preferred_username: username,
    email: `${username}@example.test`,
    email_verified: true,
  };
}

/** Start the local OpenID provider. */
export async function startLocalIdp(options: LocalIdpOptions): Promise<LocalIdp> {
  quietDevelopmentWarnings();
  const moduleName: string = 'oidc-provider';
  const { default: Provider } = (await import(moduleName)) as { default: OidcProviderClass };

  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server: Server = createServer((req, res) => handler!(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const clientId = LOCAL_CLIENT_ID;
  const clientSecret = options.clientSecret ?? randomBytes(32).toString('base64url');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        client_name: 'MCP auth demo (OIDC proxy)',
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email', 'email_verified'] },
    // The development login accepts any username: it becomes the subject.
    findAccount: async (_ctx: unknown, sub: string) => ({ accountId: sub, claims: async () => ({ sub, ...profile(sub) }) }),
    // Access tokens are for the MCP resource (no userinfo call possible with them): carry the profile.
    extraTokenClaims: async (_ctx: unknown, token: { accountId?: string }) => (token.accountId ? profile(token.accountId) : undefined),
    features: {
      devInteractions: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => options.defaultResource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => ({
          scope: options.resourceScopes.join(' '),
          audience: resource,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 3600,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    pkce: { required: () => true },
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 600,
      IdToken: 3600,
      RefreshToken: 14 * 24 * 3600,
      Grant: 14 * 24 * 3600,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
    },
  });
  provider.on('server_error', (_ctx, err) => console.error(`[local-idp] ${err.message}`));
  handler = provider.callback();

  return {
    issuer,
    clientId,
    clientSecret,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
