/**
 * The provider registry. To add a provider: write `src/providers/<name>.ts` exporting a
 * `defineProvider({ name, title, variables, create })`, import it here, add it to the list, and
 * add a row to the table in apps/demo/README.md.
 */
import { ConfigError } from '../config.js';
import { auth0 } from './auth0.js';
import { aws } from './aws.js';
import { authkit } from './authkit.js';
import { azure } from './azure.js';
import { descope } from './descope.js';
import { enterprise } from './enterprise.js';
import { github } from './github.js';
import { google } from './google.js';
import { introspection } from './introspection.js';
import { jwt } from './jwt.js';
import { local } from './local.js';
import { scalekit } from './scalekit.js';
import { supabase } from './supabase.js';
import { workos } from './workos.js';
import type { ProviderEntry } from './provider.js';

export type { ProviderContext, ProviderEntry } from './provider.js';

/** Every provider the demo can run with, the default first. */
export const providers: readonly ProviderEntry[] = [
  local,
  jwt,
  introspection,
  github,
  google,
  azure,
  auth0,
  aws,
  workos,
  supabase,
  authkit,
  scalekit,
  descope,
  enterprise,
];

/** The provider named by `AUTH_PROVIDER`, or a {@link ConfigError} listing the known names. */
export function findProvider(name: string): ProviderEntry {
  const entry = providers.find((p) => p.name === name);
  if (!entry) {
    throw new ConfigError(`AUTH_PROVIDER="${name}" is not a known provider; use one of: ${providers.map((p) => p.name).join(', ')}`, [
      'AUTH_PROVIDER',
    ]);
  }
  return entry;
}
