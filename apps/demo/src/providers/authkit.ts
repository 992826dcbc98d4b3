import { AuthKitProvider } from '@mcpauth/workos';
import { listVariable } from '../config.js';
import { defineProvider } from './provider.js';
import { authkitDomainVariable, booleanVariable } from './workos.js';

/**
 * WorkOS AuthKit as the authorization server (`AuthKitProvider`): clients register with AuthKit
 * (DCR or CIMD) and bring its JWTs, verified against the AuthKit domain's JWKS with this server's
 * MCP URL as the audience.
 */
export const authkit = defineProvider({
  name: 'authkit',
  title: 'WorkOS AuthKit (remote authorization server)',
  variables: [
    {
      name: 'WORKOS_AUTHKIT_DOMAIN',
      description:
        'Your AuthKit domain, e.g. https://example-app.authkit.app (DCR or CIMD on, this MCP URL in its MCP resource indicators)',
      required: true,
    },
    {
      name: 'AUTHKIT_PERMISSIONS_AS_SCOPES',
      description:
        "Count the token's WorkOS permissions as scopes (a permission named like DEMO_ADMIN_SCOPE opens admin_status): true or false",
      default: 'true',
    },
    {
      name: 'AUTHKIT_REQUIRED_SCOPES',
      description: 'Scopes (or permissions) every MCP request needs, space-separated',
      defaultLabel: 'none',
    },
  ],
  create({ env, baseUrl, mcpPath, mcpUrl, scopes, note, onAuthError }) {
    const permissionsAsScopes = booleanVariable('AUTHKIT_PERMISSIONS_AS_SCOPES', env['AUTHKIT_PERMISSIONS_AS_SCOPES']);
    const requiredScopes = listVariable(env['AUTHKIT_REQUIRED_SCOPES']);
    note(`List ${mcpUrl} under the MCP resource indicators in the WorkOS Dashboard: AuthKit tokens must name it as their audience.`);
    if (permissionsAsScopes) note(`admin_status needs the "${scopes.admin}" scope: give the user's role a WorkOS permission of that name.`);
    return new AuthKitProvider({
      authkitDomain: authkitDomainVariable(env['WORKOS_AUTHKIT_DOMAIN']!),
      baseUrl,
      mcpPath,
      permissionsAsScopes,
      requiredScopes,
      scopesSupported: [...requiredScopes, scopes.admin],
      resourceName: 'MCP auth demo',
      onError: onAuthError,
    });
  },
});
