import { DescopeProvider } from '@mcpauth/descope';
import { ConfigError, listVariable, urlVariable } from '../config.js';
import { defineProvider } from './provider.js';

/**
 * A Descope MCP server (or project-level inbound app) as the authorization server
 * (`DescopeProvider`): clients register with Descope and bring its JWTs, verified against the
 * project's JWKS (audience = the project id).
 */
export const descope = defineProvider({
  name: 'descope',
  title: 'Descope (remote authorization server)',
  variables: [
    {
      name: 'DESCOPE_CONFIG_URL',
      description:
        "The MCP server's Well-Known URL from the Descope console (…/v1/apps/agentic/P…/MS…/.well-known/openid-configuration); or set DESCOPE_PROJECT_ID",
      defaultLabel: 'none',
    },
    { name: 'DESCOPE_PROJECT_ID', description: 'The Descope project id, when DESCOPE_CONFIG_URL is not set', defaultLabel: 'none' },
    { name: 'DESCOPE_BASE_URL', description: "Descope's API base URL, with DESCOPE_PROJECT_ID", default: 'https://api.descope.com' },
    {
      name: 'DESCOPE_PERMISSIONS_AS_SCOPES',
      description: "Add the user's Descope permissions to the token's scopes: true or false",
      default: 'false',
    },
    { name: 'DESCOPE_REQUIRED_SCOPES', description: 'Scopes every MCP request needs, space-separated', defaultLabel: 'none' },
  ],
  create({ env, baseUrl, mcpPath, scopes, note, onAuthError }) {
    const configUrl = env['DESCOPE_CONFIG_URL'];
    const projectId = env['DESCOPE_PROJECT_ID'];
    if ((configUrl === undefined) === (projectId === undefined)) {
      throw new ConfigError('Set exactly one of DESCOPE_CONFIG_URL (the Well-Known URL from the Descope console) or DESCOPE_PROJECT_ID', [
        'DESCOPE_CONFIG_URL',
        'DESCOPE_PROJECT_ID',
      ]);
    }
    const permissions = env['DESCOPE_PERMISSIONS_AS_SCOPES'];
    if (permissions !== 'true' && permissions !== 'false') {
      throw new ConfigError(`DESCOPE_PERMISSIONS_AS_SCOPES must be true or false, got "${permissions}"`, ['DESCOPE_PERMISSIONS_AS_SCOPES']);
    }
    const project =
      configUrl !== undefined
        ? { configUrl: urlVariable('DESCOPE_CONFIG_URL', configUrl) }
        : { projectId: projectId!, descopeBaseUrl: urlVariable('DESCOPE_BASE_URL', env['DESCOPE_BASE_URL']!) };
    const requiredScopes = listVariable(env['DESCOPE_REQUIRED_SCOPES']);
    note(
      `admin_status needs the scope "${scopes.admin}": add it to the MCP server's scopes in the Descope console (or as a permission, with DESCOPE_PERMISSIONS_AS_SCOPES=true).`,
    );
    try {
      return new DescopeProvider({
        ...project,
        baseUrl,
        mcpPath,
        requiredScopes,
        scopesSupported: [...requiredScopes, scopes.admin],
        permissionsAsScopes: permissions === 'true',
        resourceName: 'MCP auth demo',
        onError: onAuthError,
      });
    } catch (err) {
      // a malformed Well-Known URL or project id: say which variable
      if (err instanceof TypeError) {
        const variable = configUrl !== undefined ? 'DESCOPE_CONFIG_URL' : 'DESCOPE_PROJECT_ID';
        throw new ConfigError(`${variable}: ${err.message}`, [variable]);
      }
      throw err;
    }
  },
});
