/**
 * `@mcpauth/supabase`: Supabase Auth for MCP servers.
 *
 * @module
 */
export {
  SupabaseProvider,
  supabaseEndpoints,
  type SupabaseClaims,
  type SupabaseEndpoints,
  type SupabaseProviderOptions,
} from './provider.js';
