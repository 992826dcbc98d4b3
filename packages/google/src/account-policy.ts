import type { GoogleClaims } from './token-verifier.js';

/** Which Google accounts may sign in: `hostedDomain` and `requireVerifiedEmail`, checked. */
export interface GoogleAccountPolicy {
  /** The accepted Workspace domains, lower-cased; `undefined`: any account. */
  hostedDomains: readonly string[] | undefined;
  requireVerifiedEmail: boolean;
}

/** The policy of `hostedDomain` / `requireVerifiedEmail` options (`TypeError` naming `owner` for bad ones). */
export function accountPolicy(
  options: { hostedDomain?: string | readonly string[] | undefined; requireVerifiedEmail?: boolean | undefined },
  owner: string,
): GoogleAccountPolicy {
  let hostedDomains: string[] | undefined;
  const domains = options.hostedDomain;
  if (domains !== undefined) {
    const list = typeof domains === 'string' ? [domains] : Array.isArray(domains) ? [...domains] : [];
    if (list.length === 0 || list.some((d) => typeof d !== 'string' || !/^[a-z0-9.-]+\.[a-z]{2,}$/i.test(d))) {
      throw new TypeError(`${owner}: hostedDomain must be a domain name (e.g. "example.com") or a non-empty list of them`);
    }
    hostedDomains = list.map((d) => d.toLowerCase());
  }
  if (options.requireVerifiedEmail !== undefined && typeof options.requireVerifiedEmail !== 'boolean') {
    throw new TypeError(`${owner}: requireVerifiedEmail must be a boolean`);
  }
  return { hostedDomains, requireVerifiedEmail: options.requireVerifiedEmail ?? false };
}

/** Why the policy refuses the account of these claims (a sentence about the account, never a token); `undefined`: accepted. */
export function accountRefusal(claims: Partial<GoogleClaims>, policy: GoogleAccountPolicy): string | undefined {
  const hd = typeof claims.hd === 'string' ? claims.hd : undefined;
  if (policy.hostedDomains && (hd === undefined || !policy.hostedDomains.includes(hd.toLowerCase()))) {
    return hd === undefined ? 'Google account has no Workspace domain (hd)' : 'Google account is of another Workspace domain';
  }
  if (policy.requireVerifiedEmail && (typeof claims.email !== 'string' || claims.email_verified !== true)) {
    return 'Google account has no verified email address';
  }
  return undefined;
}
