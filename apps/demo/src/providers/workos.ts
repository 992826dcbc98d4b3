import { WorkOSProvider } from '@mcpauth/workos';
import { ConfigError, urlVariable } from '../config.js';
import { defineProvider, proxyProviderOptions } from './provider.js';

/** `WORKOS_AUTHKIT_DOMAIN` as a URL: `https://` added to a bare domain, then the demo's URL rule. */
export function authkitDomainVariable(value: string): URL {
  return urlVariable('WORKOS_AUTHKIT_DOMAIN', /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`);
}

/** A `true` / `false` variable, or a {@link ConfigError} naming it. */
export function booleanVariable(name: string, value: string | undefined): boolean {
  if (value === 'true' || value === 'false') return value === 'true';
  throw new ConfigError(`${name} must be true or false, got "${value}"`, [name]);
}

/**
 * WorkOS sign-in through `WorkOSProvider` (an OAuth proxy in front of a WorkOS Connect OAuth
 * application): MCP clients register with the demo, approve the consent page, sign in with
 * AuthKit, and get the demo's own tokens.
 */
export const workos = defineProvider({
  name: 'workos',
  title: 'WorkOS Connect (OAuth proxy)',
  variables: [
    {
      name: 'WORKOS_CLIENT_ID',
      description: 'Client ID of your WorkOS Connect OAuth application (its redirect URI: <public origin>/auth/callback)',
      required: true,
    },
    { name: 'WORKOS_CLIENT_SECRET', description: 'A client secret of that application', required: true, secret: true },
    { name: 'WORKOS_AUTHKIT_DOMAIN', description: 'Your AuthKit domain, e.g. https://example-app.authkit.app', required: true },
    {
      name: 'WORKOS_IDENTITY_CLAIMS',
      description: 'Ask WorkOS for profile and email too (so DEMO_ADMINS can name emails): true or false',
      default: 'true',
    },
  ],
  create(context) {
    const { env, baseUrl, note } = context;
    const authkitDomain = authkitDomainVariable(env['WORKOS_AUTHKIT_DOMAIN']!);
    note(`WorkOS Connect application redirect URI: ${baseUrl}/auth/callback`);
    return new WorkOSProvider({
      clientId: env['WORKOS_CLIENT_ID']!,
      clientSecret: env['WORKOS_CLIENT_SECRET']!,
      authkitDomain,
      identityClaims: booleanVariable('WORKOS_IDENTITY_CLAIMS', env['WORKOS_IDENTITY_CLAIMS']),
      ...proxyProviderOptions(context),
    });
  },
});
