import { SupabaseProvider } from '@mcpauth/supabase';
import { ConfigError, listVariable, urlVariable } from '../config.js';
import { defineProvider } from './provider.js';

/**
 * Supabase Auth's OAuth 2.1 server as the authorization server (`SupabaseProvider`): clients
 * register with Supabase and bring its JWTs, verified against the project's JWKS.
 */
export const supabase = defineProvider({
  name: 'supabase',
  title: 'Supabase Auth (remote authorization server)',
  variables: [
    {
      name: 'SUPABASE_PROJECT_URL',
      description: 'Your project URL, e.g. https://abcdefghijklmnop.supabase.co (OAuth 2.1 server and DCR enabled)',
      required: true,
    },
    { name: 'SUPABASE_ALGORITHM', description: "The project's JWT signing algorithm: ES256 or RS256", default: 'ES256' },
    { name: 'SUPABASE_AUTH_ROUTE', description: 'Path of Supabase Auth under the project URL', default: '/auth/v1' },
    { name: 'SUPABASE_REQUIRED_SCOPES', description: 'Scopes every MCP request needs, space-separated', defaultLabel: 'none' },
  ],
  create({ env, baseUrl, mcpPath, scopes, note, onAuthError }) {
    const projectUrl = urlVariable('SUPABASE_PROJECT_URL', env['SUPABASE_PROJECT_URL']!);
    const algorithm = env['SUPABASE_ALGORITHM'];
    if (algorithm !== 'ES256' && algorithm !== 'RS256') {
      throw new ConfigError(`SUPABASE_ALGORITHM must be ES256 or RS256, got "${algorithm}"`, ['SUPABASE_ALGORITHM']);
    }
    const requiredScopes = listVariable(env['SUPABASE_REQUIRED_SCOPES']);
    note(`Supabase access tokens carry no scopes unless a Custom Access Token Hook adds them: admin_status needs "${scopes.admin}".`);
    return new SupabaseProvider({
      projectUrl,
      authRoute: env['SUPABASE_AUTH_ROUTE'],
      algorithm,
      baseUrl,
      mcpPath,
      requiredScopes,
      scopesSupported: [...requiredScopes, scopes.admin],
      resourceName: 'MCP auth demo',
      onError: onAuthError,
    });
  },
});
