/** The OpenID Connect scopes `email` and `profile` and Google's long names for them: Google accepts either form. */
const ALIASES = new Map<string, string>([
  ['email', 'https://www.googleapis.com/auth/userinfo.email'],
  ['profile', 'https://www.googleapis.com/auth/userinfo.profile'],
  ['https://www.googleapis.com/auth/userinfo.email', 'email'],
  ['https://www.googleapis.com/auth/userinfo.profile', 'profile'],
]);

/**
 * The scopes of a token with `email` and `profile` in both forms: Google reports them long
 * (`https://www.googleapis.com/auth/userinfo.email`), while they are requested (and required) in
 * either form. Internal.
 */
export function withScopeAliases(scopes: readonly string[]): string[] {
  const out = new Set(scopes);
  for (const s of scopes) {
    const alias = ALIASES.get(s);
    if (alias !== undefined) out.add(alias);
  }
  return [...out];
}

/** Whether the scopes let the token read the user's profile at the userinfo endpoint. Internal. */
export function readsUserInfo(scopes: readonly string[]): boolean {
  return scopes.some((s) => s === 'openid' || ALIASES.has(s));
}
