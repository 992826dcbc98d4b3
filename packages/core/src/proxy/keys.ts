import { isLoopbackHost } from '../lib/url.js';
import { deriveJwtKey } from '../jwt-issuer/derive-key.js';
import type { Reporter } from '../logging/reporter.js';

/** The proxy's keys, each derived with its own salt from one secret. */
export interface ProxyKeys {
  /** Signs our access and refresh tokens (HS256). */
  signing: Uint8Array;
  /** Encrypts everything the proxy stores (upstream tokens included). */
  storage: Uint8Array;
  /** Signs consent cookies (CSRF tokens, remembered approvals). */
  consent: Uint8Array;
}

/** Derive the proxy's keys from `jwtSigningKey`, else from the upstream client secret (HKDF-SHA256). */
export async function deriveProxyKeys(material: string | Uint8Array): Promise<ProxyKeys> {
  const derive = (purpose: string) => deriveJwtKey({ highEntropyMaterial: material }, `mcp-auth/oauth-proxy/${purpose}`);
  const [signing, storage, consent] = await Promise.all([derive('jwt'), derive('store'), derive('consent')]);
  return { signing, storage, consent };
}

/**
 * Warn (once, at construction) when a deployed proxy derives every key from the upstream client
 * secret: rotating that secret would invalidate every token, consent cookie and stored record, and
 * whoever holds it can mint this server's tokens. Silent on loopback (development, tests).
 */
export function warnIfKeysFromClientSecret(jwtSigningKey: unknown, baseUrl: URL, report: Reporter): void {
  if (jwtSigningKey !== undefined || isLoopbackHost(baseUrl.hostname)) return;
  report.problem(
    'no_signing_key',
    `${baseUrl.origin}: no jwtSigningKey, so token signing, consent cookie and store encryption keys are all derived ` +
      'from the upstream client secret. Rotating that secret will invalidate every issued token, cookie and stored record, and anyone ' +
      'who holds it can mint tokens for this server. Set jwtSigningKey to 32 random bytes (e.g. `openssl rand -base64 32`).',
  );
}
