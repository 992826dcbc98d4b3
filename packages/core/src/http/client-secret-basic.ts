/** `application/x-www-form-urlencoded` encoding of one value (RFC 6749 Appendix B). */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/**
 * The `Authorization` header value for `client_secret_basic` client authentication: client id
 * and secret are each form-urlencoded before being joined with `:` and base64-encoded, so ids or
 * secrets with `:` or non-ASCII characters survive (RFC 6749 §2.3.1). Every outbound call that
 * authenticates a client with HTTP Basic uses it.
 *
 * @example
 * ```ts
 * await fetchJson(tokenEndpoint, { method: 'POST', form, headers: { Authorization: clientSecretBasic(id, secret) } });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export function clientSecretBasic(clientId: string, clientSecret: string): string {
  return `Basic ${btoa(`${formEncode(clientId)}:${formEncode(clientSecret)}`)}`;
}
