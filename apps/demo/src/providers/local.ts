import { OIDCProxy } from '@mcpauth/core';
import { JWTVerifier } from '@mcpauth/jwt';
import { ConfigError, urlVariable } from '../config.js';
import { LOCAL_CLIENT_ID, startLocalIdp } from '../local-idp.js';
import { TOOLS_SCOPE, defineProvider, proxyProviderOptions } from './provider.js';

/**
 * The offline default: a local OpenID provider on loopback, and `OIDCProxy` in front of it
 * (discovery, a `JWTVerifier` from the discovered `jwks_uri`, DCR and CIMD for MCP clients, the
 * consent page, our own tokens).
 */
export const local = defineProvider({
  name: 'local',
  title: 'Local OpenID provider + OIDCProxy (offline)',
  variables: [
    { name: 'LOCAL_IDP_PORT', description: 'Port of the local OpenID provider on 127.0.0.1 (0 picks a free one)', default: '0' },
    {
      name: 'LOCAL_IDP_URL',
      description:
        'Use the local OpenID provider another demo instance started (its URL) instead of starting one; needs LOCAL_IDP_CLIENT_SECRET',
    },
    {
      name: 'LOCAL_IDP_CLIENT_SECRET',
      description: "Secret of the local provider's static client (default: random); give every instance the same one",
    },
  ],
  async create(context) {
    const { env, baseUrl, mcpUrl, scopes, onClose, note, onAuthError } = context;
    const port = Number(env['LOCAL_IDP_PORT']);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new ConfigError(`LOCAL_IDP_PORT must be a port number (0-65535), got "${env['LOCAL_IDP_PORT']}"`, ['LOCAL_IDP_PORT']);
    }
    const validScopes = [TOOLS_SCOPE, scopes.admin];
    const secret = env['LOCAL_IDP_CLIENT_SECRET'];
    let idp: { issuer: string; clientId: string; clientSecret: string };
    if (env['LOCAL_IDP_URL'] !== undefined) {
      // another instance's provider: same issuer, same static client
      if (secret === undefined)
        throw new ConfigError('LOCAL_IDP_URL needs LOCAL_IDP_CLIENT_SECRET (the secret the first instance was given)', [
          'LOCAL_IDP_CLIENT_SECRET',
        ]);
      idp = { issuer: urlVariable('LOCAL_IDP_URL', env['LOCAL_IDP_URL']).origin, clientId: LOCAL_CLIENT_ID, clientSecret: secret };
      note(`Local OpenID provider of another instance: ${idp.issuer} (development only).`);
    } else {
      const started = await startLocalIdp({
        redirectUris: [`${baseUrl}/auth/callback`],
        defaultResource: mcpUrl,
        resourceScopes: validScopes,
        port,
        clientSecret: secret,
      });
      onClose(() => started.close());
      idp = started;
      note(`Local OpenID provider: ${idp.issuer} (development only). Sign in with any username and password.`);
    }

    return new OIDCProxy({
      upstream: {
        configUrl: `${idp.issuer}/.well-known/openid-configuration`,
        clientId: idp.clientId,
        clientSecret: idp.clientSecret,
        scopes: ['openid', 'profile', 'email', 'offline_access'],
        // Upstream access tokens are JWTs for the MCP URL, signed with the key set OIDC discovery names.
        verifier: ({ issuer, jwksUri }) => new JWTVerifier({ jwksUri, issuer, audience: mcpUrl, onInvalidToken: onAuthError }),
      },
      ...proxyProviderOptions(context, { providerName: 'the local OpenID provider' }),
    });
  },
});
