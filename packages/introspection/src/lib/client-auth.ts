/** `application/x-www-form-urlencoded` encoding of one value (RFC 6749 Appendix B). */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/**
 * The `Authorization` header value of `client_secret_basic`: client id and secret are each
 * form-urlencoded before being joined with `:` and base64-encoded, so ids or secrets containing
 * `:` or non-ASCII characters survive (RFC 6749 §2.3.1). The encoded text is ASCII, so `btoa`
 * is safe on it.
 */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${btoa(`${formEncode(clientId)}:${formEncode(clientSecret)}`)}`;
}
