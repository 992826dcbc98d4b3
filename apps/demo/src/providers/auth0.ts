import { Auth0Provider } from '@mcpauth/auth0';
import { ConfigError, listVariable } from '../config.js';
import { TOOLS_SCOPE, defineProvider, proxyProviderOptions } from './provider.js';

/**
 * Auth0 sign-in through `Auth0Provider` (an OAuth proxy found by OpenID discovery): MCP clients
 * register with the demo, approve the consent page, sign in with your Auth0 application, and get
 * the demo's own tokens; Auth0's JWTs for your API stay on the server.
 */
export const auth0 = defineProvider({
  name: 'auth0',
  title: 'Auth0 (OAuth proxy, OpenID discovery)',
  variables: [
    { name: 'AUTH0_DOMAIN', description: 'Your tenant domain, e.g. example.us.auth0.com (or a custom domain)', required: true },
    {
      name: 'AUTH0_CLIENT_ID',
      description: 'Client ID of a Regular Web Application (its Allowed Callback URL: <public origin>/auth/callback)',
      required: true,
    },
    { name: 'AUTH0_CLIENT_SECRET', description: 'Client Secret of that application', required: true, secret: true },
    {
      name: 'AUTH0_AUDIENCE',
      description: 'Identifier of your Auth0 API (Applications → APIs): the audience of the tokens',
      required: true,
    },
    {
      name: 'AUTH0_RBAC',
      description: `"true": grant only the scopes the user holds as permissions of the API (RBAC, "Add Permissions in the Access Token"; ${TOOLS_SCOPE} and the admin scope)`,
      default: 'false',
    },
    { name: 'AUTH0_SCOPES', description: 'Auth0 scopes to request, space-separated', default: 'openid profile email offline_access' },
  ],
  create(context) {
    const { env, baseUrl, scopes, note } = context;
    const rbac = env['AUTH0_RBAC'];
    if (rbac !== 'true' && rbac !== 'false') throw new ConfigError(`AUTH0_RBAC must be true or false, got "${rbac}"`, ['AUTH0_RBAC']);
    note(`Auth0 application Allowed Callback URL: ${baseUrl}/auth/callback`);
    if (rbac === 'true') note(`Auth0 RBAC: give users the API permissions "${TOOLS_SCOPE}" (and "${scopes.admin}" for admin_status).`);
    return new Auth0Provider({
      domain: env['AUTH0_DOMAIN']!,
      clientId: env['AUTH0_CLIENT_ID']!,
      clientSecret: env['AUTH0_CLIENT_SECRET']!,
      audience: env['AUTH0_AUDIENCE']!,
      upstreamScopes: listVariable(env['AUTH0_SCOPES']),
      permissionsAsScopes: rbac === 'true',
      ...proxyProviderOptions(context, { grantScopes: rbac !== 'true' }),
    });
  },
});
