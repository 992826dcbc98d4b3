import { GitHubProvider } from '@mcpauth/github';
import { listVariable, urlVariable } from '../config.js';
import { defineProvider, proxyProviderOptions } from './provider.js';

/**
 * GitHub sign-in through `GitHubProvider` (an OAuth proxy): MCP clients register with the demo,
 * approve the consent page, sign in with your GitHub OAuth app, and get the demo's own tokens.
 */
export const github = defineProvider({
  name: 'github',
  title: 'GitHub (OAuth proxy)',
  variables: [
    {
      name: 'GITHUB_CLIENT_ID',
      description: 'Client ID of your GitHub OAuth app (its callback URL: <public origin>/auth/callback)',
      required: true,
    },
    { name: 'GITHUB_CLIENT_SECRET', description: 'Client secret of that OAuth app', required: true, secret: true },
    {
      name: 'GITHUB_ENTERPRISE_URL',
      description: 'GitHub Enterprise Server URL, e.g. https://ghe.example.com',
      defaultLabel: 'github.com',
    },
    { name: 'GITHUB_SCOPES', description: 'GitHub scopes to request, space-separated', default: 'read:user' },
  ],
  create(context) {
    const { env, baseUrl, note } = context;
    const enterpriseUrl =
      env['GITHUB_ENTERPRISE_URL'] === undefined ? undefined : urlVariable('GITHUB_ENTERPRISE_URL', env['GITHUB_ENTERPRISE_URL']).href;
    note(`GitHub OAuth app callback URL: ${baseUrl}/auth/callback`);
    return new GitHubProvider({
      clientId: env['GITHUB_CLIENT_ID']!,
      clientSecret: env['GITHUB_CLIENT_SECRET']!,
      enterpriseUrl,
      upstreamScopes: listVariable(env['GITHUB_SCOPES']),
      ...proxyProviderOptions(context),
    });
  },
});
