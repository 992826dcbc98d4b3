import { AWSCognitoProvider } from '@mcpauth/aws';
import { ConfigError, listVariable, urlVariable } from '../config.js';
import { TOOLS_SCOPE, defineProvider, proxyProviderOptions } from './provider.js';

/**
 * Amazon Cognito sign-in through `AWSCognitoProvider` (an OAuth proxy found by OpenID discovery):
 * MCP clients register with the demo, approve the consent page, sign in with the user pool's
 * managed login, and get the demo's own tokens; Cognito's JWTs stay on the server.
 */
export const aws = defineProvider({
  name: 'aws',
  title: 'Amazon Cognito (OAuth proxy, OpenID discovery)',
  variables: [
    { name: 'COGNITO_USER_POOL_ID', description: 'Your user pool id, e.g. us-east-1_AbCdEf123 (the pool needs a domain)', required: true },
    {
      name: 'COGNITO_CLIENT_ID',
      description: 'App client id of a confidential app client (its allowed callback URL: <public origin>/auth/callback)',
      required: true,
    },
    { name: 'COGNITO_CLIENT_SECRET', description: 'Client secret of that app client', required: true, secret: true },
    { name: 'COGNITO_REGION', description: "The pool's region", defaultLabel: 'from the pool id' },
    {
      name: 'COGNITO_GROUPS_AS_SCOPES',
      description: `"true": grant only the scopes named like the user's Cognito groups (${TOOLS_SCOPE} and the admin scope)`,
      default: 'false',
    },
    { name: 'COGNITO_SCOPES', description: 'Cognito scopes to request, space-separated', default: 'openid' },
    {
      name: 'COGNITO_SERVICE_URL',
      description: 'A Cognito emulator instead of https://cognito-idp.{region}.amazonaws.com',
      defaultLabel: 'AWS',
    },
  ],
  create(context) {
    const { env, baseUrl, scopes, note } = context;
    const groups = env['COGNITO_GROUPS_AS_SCOPES'];
    if (groups !== 'true' && groups !== 'false') {
      throw new ConfigError(`COGNITO_GROUPS_AS_SCOPES must be true or false, got "${groups}"`, ['COGNITO_GROUPS_AS_SCOPES']);
    }
    const serviceUrl =
      env['COGNITO_SERVICE_URL'] === undefined ? undefined : urlVariable('COGNITO_SERVICE_URL', env['COGNITO_SERVICE_URL']).href;
    note(`Cognito app client allowed callback URL: ${baseUrl}/auth/callback`);
    if (groups === 'true')
      note(`Cognito groups as scopes: put users in the groups "${TOOLS_SCOPE}" (and "${scopes.admin}" for admin_status).`);
    return new AWSCognitoProvider({
      userPoolId: env['COGNITO_USER_POOL_ID']!,
      region: env['COGNITO_REGION'],
      clientId: env['COGNITO_CLIENT_ID']!,
      clientSecret: env['COGNITO_CLIENT_SECRET']!,
      upstreamScopes: listVariable(env['COGNITO_SCOPES']),
      groupsAsScopes: groups === 'true',
      serviceUrl,
      ...proxyProviderOptions(context, { grantScopes: groups !== 'true' }),
    });
  },
});
