import { AzureProvider } from '@mcpauth/azure';
import { listVariable } from '../config.js';
import { defineProvider, proxyProviderOptions } from './provider.js';

/**
 * Microsoft Entra ID sign-in through `AzureProvider` (an OAuth proxy): MCP clients register with
 * the demo, approve the consent page, sign in with your Entra app registration, and get the
 * demo's own tokens. The admin scope comes from an app role (`AZURE_ADMIN_ROLE`), never from Entra's scopes.
 */
export const azure = defineProvider({
  name: 'azure',
  title: 'Microsoft Entra ID (OAuth proxy)',
  variables: [
    {
      name: 'AZURE_CLIENT_ID',
      description: 'Application (client) ID of your app registration (Web redirect URI: <public origin>/auth/callback)',
      required: true,
    },
    { name: 'AZURE_CLIENT_SECRET', description: 'A client secret of that app registration', required: true, secret: true },
    {
      name: 'AZURE_TENANT_ID',
      description: 'Directory (tenant) ID, a tenant domain, or common / organizations / consumers',
      required: true,
    },
    { name: 'AZURE_SCOPES', description: 'Scopes your app exposes (Expose an API) that every MCP request needs', default: 'mcp.access' },
    { name: 'AZURE_IDENTIFIER_URI', description: 'Application ID URI of the app', defaultLabel: 'api://<AZURE_CLIENT_ID>' },
    {
      name: 'AZURE_AUTHORITY',
      description: 'Sign-in host of the cloud, e.g. login.microsoftonline.us',
      defaultLabel: 'login.microsoftonline.com',
    },
    {
      name: 'AZURE_ALLOWED_TENANTS',
      description: 'For common / organizations: tenant IDs whose users may sign in',
      defaultLabel: 'any tenant',
    },
    { name: 'AZURE_ADMIN_ROLE', description: 'App role (its value) that grants the admin scope', default: 'MCP.Admin' },
  ],
  create(context) {
    const { env, baseUrl, scopes, note } = context;
    const required = listVariable(env['AZURE_SCOPES']);
    const allowedTenants = listVariable(env['AZURE_ALLOWED_TENANTS']);
    note(`Entra app registration redirect URI (Web): ${baseUrl}/auth/callback`);
    return new AzureProvider({
      clientId: env['AZURE_CLIENT_ID']!,
      clientSecret: env['AZURE_CLIENT_SECRET']!,
      tenantId: env['AZURE_TENANT_ID']!,
      identifierUri: env['AZURE_IDENTIFIER_URI'],
      authority: env['AZURE_AUTHORITY'],
      allowedTenants: allowedTenants.length > 0 ? allowedTenants : undefined,
      appRoleScopes: { [env['AZURE_ADMIN_ROLE']!]: [scopes.admin] },
      ...proxyProviderOptions(context, { requiredScopes: required, grantScopes: false }),
    });
  },
});
