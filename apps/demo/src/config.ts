import { knownMcpClientRedirectUris } from '@mcpauth/core';

/**
 * The demo's configuration, read from environment variables. Every problem is a {@link ConfigError}
 * whose message names the variable, so `main.ts` can print one clear line instead of a stack trace.
 */

import { isLoopbackHost, isSecureUrl } from '@mcpauth/core/kit';

/** A configuration problem the user can fix by setting an environment variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** The variables the message is about. */
  readonly variables: readonly string[];

  constructor(message: string, variables: readonly string[] = []) {
    super(message);
    this.variables = variables;
  }
}

/** One documented environment variable of the demo or of a provider. */
export interface EnvVariable {
  /** The variable's name, e.g. `JWT_JWKS_URI`. */
  readonly name: string;
  /** What it is, in one line (shown in error messages and on the page). */
  readonly description: string;
  /** Whether the provider cannot start without it. */
  readonly required?: boolean;
  /** The value used when it is not set. */
  readonly default?: string;
  /** How to describe the default when the code computes it (e.g. "the MCP endpoint URL"). */
  readonly defaultLabel?: string;
  /** A secret: never printed or shown. */
  readonly secret?: boolean;
}

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * The values of `variables` in `env` (defaults applied, blank values treated as unset).
 * Throws a {@link ConfigError} naming every required variable that is missing.
 */
export function readVariables(variables: readonly EnvVariable[], env: Env, context: string): Record<string, string | undefined> {
  const values: Record<string, string | undefined> = {};
  const missing: EnvVariable[] = [];
  for (const variable of variables) {
    const raw = env[variable.name]?.trim();
    const value = raw === undefined || raw === '' ? variable.default : raw;
    if (value === undefined && variable.required) missing.push(variable);
    values[variable.name] = value;
  }
  if (missing.length > 0) {
    const lines = missing.map((v) => `  ${v.name}: ${v.description}`);
    throw new ConfigError(
      `${context} needs ${missing.length === 1 ? 'the environment variable' : 'these environment variables'} ${missing.map((v) => v.name).join(', ')}:\n${lines.join('\n')}`,
      missing.map((v) => v.name),
    );
  }
  return values;
}

/** Parse an https URL (http only on loopback) from a variable, or throw a {@link ConfigError} naming it. */
export function urlVariable(name: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} must be an absolute URL, got "${value}"`, [name]);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`${name} must be an http(s) URL, got "${value}"`, [name]);
  }
  // The same rule as every URL in the library: credentials and tokens travel there.
  if (!isSecureUrl(url)) throw new ConfigError(`${name} must use https (http only on a loopback host), got "${value}"`, [name]);
  return url;
}

/** Split a space- or comma-separated list (scopes, algorithms). */
export function listVariable(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter((s) => s.length > 0);
}

/** The variables every provider shares. */
export const demoVariables = [
  { name: 'AUTH_PROVIDER', description: 'Which provider protects the MCP server (see the table of providers)', default: 'local' },
  { name: 'PORT', description: 'Port to listen on (0 picks a free one)', default: '8000' },
  { name: 'DEMO_HOST', description: 'Interface to listen on', default: '127.0.0.1' },
  {
    name: 'DEMO_BASE_URL',
    description: 'Public origin of this server, when it is reached through a proxy or tunnel',
    defaultLabel: 'http://DEMO_HOST:PORT',
  },
  { name: 'DEMO_ADMIN_SCOPE', description: 'The extra scope the admin_status tool needs (step-up)', default: 'admin' },
  {
    name: 'DEMO_ADMINS',
    description:
      'Users granted the admin scope by the proxy providers (local, github, google, auth0, aws, workos; azure grants it by app role), comma-separated; matched against the upstream sub, preferred_username, login or email',
    default: 'admin',
  },
  {
    name: 'DEMO_ALLOWED_REDIRECT_URIS',
    description:
      'Redirect URIs MCP clients may use with the proxy providers (local, github, google, azure, auth0, aws, workos): comma-separated patterns; "known" stands for the callbacks of widely used MCP clients (Claude, ChatGPT, VS Code, Cursor) and loopback',
    defaultLabel: 'loopback only',
  },
  {
    name: 'DEMO_STORE',
    description:
      'Where the proxy providers keep clients, grants and sessions: memory, a redis:// or rediss:// URL (several instances share it), or a file path (survives restarts)',
    default: 'memory',
  },
  {
    name: 'DEMO_REQUIRE_DPOP',
    description:
      'Require DPoP-bound access tokens (RFC 9449) at the MCP endpoint of the proxy providers (local, github, google, azure, auth0, aws, workos): true or false; when false, DPoP is still accepted',
    default: 'false',
  },
  {
    name: 'DEMO_SIGNING_KEY',
    description:
      "Key material (32+ bytes) of the proxy providers' tokens, cookies and stored records; give every instance the same one (without it, keys derive from the upstream client secret)",
  },
] as const satisfies readonly EnvVariable[];

/** The demo's own settings. */
export interface DemoConfig {
  provider: string;
  port: number;
  host: string;
  /** Public origin; `undefined` means `http://DEMO_HOST:PORT` once the port is known. */
  baseUrl: URL | undefined;
  adminScope: string;
  /** Who gets the admin scope (upstream `sub`, `preferred_username`, `login` or `email`). */
  admins: readonly string[];
  /** `DEMO_STORE`: the store of the proxy providers. */
  store: { kind: 'memory' } | { kind: 'redis'; url: string } | { kind: 'file'; path: string };
  /** `DEMO_SIGNING_KEY`, when set. */
  signingKey: string | undefined;
  /** Redirect URI patterns for the proxy providers; `undefined`: their default (loopback). */
  allowedRedirectUris: readonly string[] | undefined;
  /** `DEMO_REQUIRE_DPOP`: the proxy providers refuse Bearer at the MCP endpoint. */
  requireDpop: boolean;
}

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Read the shared settings from the environment. */
export function loadConfig(env: Env): DemoConfig {
  const values = readVariables(demoVariables, env, 'The demo');
  const portText = values['PORT']!;
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new ConfigError(`PORT must be a port number (0-65535), got "${portText}"`, ['PORT']);
  let baseUrl: URL | undefined;
  if (values['DEMO_BASE_URL'] !== undefined) {
    baseUrl = urlVariable('DEMO_BASE_URL', values['DEMO_BASE_URL']);
    if (baseUrl.pathname !== '/' || baseUrl.search || baseUrl.hash) {
      throw new ConfigError(`DEMO_BASE_URL must be an origin such as https://mcp.example.com (no path), got "${values['DEMO_BASE_URL']}"`, [
        'DEMO_BASE_URL',
      ]);
    }
  }
  const host = values['DEMO_HOST']!;
  if (baseUrl === undefined && !isLoopbackHost(host.includes(':') ? `[${host}]` : host) && host !== '0.0.0.0' && host !== '::') {
    throw new ConfigError(
      `DEMO_HOST "${host}" is not a loopback address: set DEMO_BASE_URL to the https origin clients reach the demo at`,
      ['DEMO_HOST', 'DEMO_BASE_URL'],
    );
  }
  const adminScope = values['DEMO_ADMIN_SCOPE']!;
  if (!SCOPE_TOKEN.test(adminScope))
    throw new ConfigError(`DEMO_ADMIN_SCOPE must be one OAuth scope, got "${adminScope}"`, ['DEMO_ADMIN_SCOPE']);
  const admins = listVariable(values['DEMO_ADMINS']);
  return {
    provider: values['AUTH_PROVIDER']!.toLowerCase(),
    port,
    host,
    baseUrl,
    adminScope,
    admins,
    allowedRedirectUris: redirectUriList(values['DEMO_ALLOWED_REDIRECT_URIS']),
    store: storeSetting(values['DEMO_STORE']!),
    signingKey: signingKeySetting(values['DEMO_SIGNING_KEY']),
    requireDpop: booleanSetting('DEMO_REQUIRE_DPOP', values['DEMO_REQUIRE_DPOP']!),
  };
}

function booleanSetting(name: string, value: string): boolean {
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  throw new ConfigError(`${name} must be true or false, got "${value}"`, [name]);
}

function storeSetting(value: string): DemoConfig['store'] {
  if (value === 'memory') return { kind: 'memory' };
  if (/^rediss?:\/\//i.test(value)) return { kind: 'redis', url: value };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new ConfigError(`DEMO_STORE must be memory, a redis:// URL or a file path, got "${value.split('@').pop()}"`, ['DEMO_STORE']);
  }
  return { kind: 'file', path: value };
}

function signingKeySetting(value: string | undefined): string | undefined {
  if (value !== undefined && new TextEncoder().encode(value).length < 32) {
    throw new ConfigError('DEMO_SIGNING_KEY must be at least 32 bytes (for example `openssl rand -base64 32`)', ['DEMO_SIGNING_KEY']);
  }
  return value;
}

/** `DEMO_ALLOWED_REDIRECT_URIS` as patterns, `known` expanded (the patterns themselves are checked by the proxy). */
function redirectUriList(value: string | undefined): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const entries = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (entries.length === 0)
    throw new ConfigError('DEMO_ALLOWED_REDIRECT_URIS must list at least one redirect URI pattern, or "known"', [
      'DEMO_ALLOWED_REDIRECT_URIS',
    ]);
  return [...new Set(entries.flatMap((entry) => (entry.toLowerCase() === 'known' ? knownMcpClientRedirectUris : [entry])))];
}

/** The public origin for a listening port: `DEMO_BASE_URL`, else `http://DEMO_HOST:PORT` (loopback for wildcard hosts). */
export function publicOrigin(config: DemoConfig, port: number): string {
  if (config.baseUrl) return config.baseUrl.origin;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
