import { ScalekitProvider } from '@mcpauth/scalekit';
import { ConfigError, listVariable, urlVariable } from '../config.js';
import { defineProvider } from './provider.js';

/**
 * Scalekit MCP Auth as the authorization server (`ScalekitProvider`): clients register with
 * Scalekit and bring its JWTs, verified against the environment's JWKS (audience = the resource id).
 */
export const scalekit = defineProvider({
  name: 'scalekit',
  title: 'Scalekit MCP Auth (remote authorization server)',
  variables: [
    {
      name: 'SCALEKIT_ENVIRONMENT_URL',
      description: 'Your environment URL (Settings → API credentials), e.g. https://acme.scalekit.com',
      required: true,
    },
    {
      name: 'SCALEKIT_RESOURCE_ID',
      description: "The MCP server's resource id (MCP servers in the dashboard), e.g. res_92015146095",
      required: true,
    },
    { name: 'SCALEKIT_REQUIRED_SCOPES', description: 'Scopes every MCP request needs, space-separated', defaultLabel: 'none' },
  ],
  create({ env, baseUrl, mcpPath, scopes, note, onAuthError }) {
    const environmentUrl = urlVariable('SCALEKIT_ENVIRONMENT_URL', env['SCALEKIT_ENVIRONMENT_URL']!);
    const resourceId = env['SCALEKIT_RESOURCE_ID']!;
    if (!/^[A-Za-z0-9._~-]+$/.test(resourceId)) {
      throw new ConfigError(`SCALEKIT_RESOURCE_ID must be a resource id such as res_92015146095, got "${resourceId}"`, [
        'SCALEKIT_RESOURCE_ID',
      ]);
    }
    const requiredScopes = listVariable(env['SCALEKIT_REQUIRED_SCOPES']);
    note(`admin_status needs the scope "${scopes.admin}": add it to the MCP server's scopes in the Scalekit dashboard.`);
    return new ScalekitProvider({
      environmentUrl,
      resourceId,
      baseUrl,
      mcpPath,
      requiredScopes,
      scopesSupported: [...requiredScopes, scopes.admin],
      resourceName: 'MCP auth demo',
      onError: onAuthError,
    });
  },
});
