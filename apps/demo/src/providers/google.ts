import { GoogleProvider, googleEndpoints } from '@mcpauth/google';
import { listVariable, urlVariable } from '../config.js';
import { defineProvider, proxyProviderOptions } from './provider.js';

/**
 * Google sign-in through `GoogleProvider` (an OAuth proxy): MCP clients register with the demo,
 * approve the consent page, sign in with your Google OAuth client, and get the demo's own tokens.
 */
export const google = defineProvider({
  name: 'google',
  title: 'Google (OAuth proxy)',
  variables: [
    {
      name: 'GOOGLE_CLIENT_ID',
      description: 'Client ID of your Google OAuth client, type Web application (its redirect URI: <public origin>/auth/callback)',
      required: true,
    },
    { name: 'GOOGLE_CLIENT_SECRET', description: 'Client secret of that OAuth client', required: true, secret: true },
    { name: 'GOOGLE_SCOPES', description: 'Google scopes to request, space-separated', default: 'openid email profile' },
    {
      name: 'GOOGLE_HOSTED_DOMAIN',
      description: 'Accept only accounts of this Google Workspace domain (several: comma-separated)',
      defaultLabel: 'any account',
    },
    {
      name: 'GOOGLE_ENDPOINTS_ORIGIN',
      description: "An origin serving Google's endpoint paths (a test double, an egress proxy)",
      defaultLabel: 'Google',
    },
  ],
  create(context) {
    const { env, baseUrl, grantScopes, note } = context;
    const origin = env['GOOGLE_ENDPOINTS_ORIGIN'];
    const domains = listVariable(env['GOOGLE_HOSTED_DOMAIN']);
    note(`Google OAuth client redirect URI: ${baseUrl}/auth/callback`);
    return new GoogleProvider({
      clientId: env['GOOGLE_CLIENT_ID']!,
      clientSecret: env['GOOGLE_CLIENT_SECRET']!,
      upstreamScopes: listVariable(env['GOOGLE_SCOPES']),
      hostedDomain: domains.length > 0 ? domains : undefined,
      endpoints: origin === undefined ? undefined : googleEndpoints(urlVariable('GOOGLE_ENDPOINTS_ORIGIN', origin).origin),
      ...proxyProviderOptions(context),
      // DEMO_ADMINS may name an email: only a verified one counts
      hooks: {
        grantScopes: (context) =>
          grantScopes(
            context.upstreamClaims['email_verified'] === true
              ? context
              : { ...context, upstreamClaims: { ...context.upstreamClaims, email: undefined } },
          ),
      },
    });
  },
});
