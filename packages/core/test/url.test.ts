import { describe, expect, it } from 'vitest';
import { isLoopbackHost, isSecureUrl, secureUrl } from '../src/kit.js';

describe('URL checks', () => {
  it('knows loopback hosts', () => {
    for (const h of ['localhost', '127.0.0.1', '127.1.2.3', '[::1]']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['127.0.0.1.evil.example', 'localhost.evil.example', '10.0.0.1', '::1', 'example.com'])
      expect(isLoopbackHost(h), h).toBe(false);
  });
  it('accepts https, and http only on loopback', () => {
    expect(isSecureUrl(new URL('https://idp.example.com'))).toBe(true);
    expect(isSecureUrl(new URL('http://127.0.0.1:9000/x'))).toBe(true);
    expect(isSecureUrl(new URL('http://idp.example.com'))).toBe(false);
    expect(isSecureUrl(new URL('ftp://localhost'))).toBe(false);
  });
  it('secureUrl parses endpoint options or throws TypeError naming them', () => {
    expect(secureUrl('https://idp.example.com/jwks', 'jwksUri').href).toBe('https://idp.example.com/jwks');
    expect(() => secureUrl('http://idp.example.com/jwks', 'jwksUri')).toThrow(/jwksUri must use https/);
    expect(() => secureUrl('not a url', 'jwksUri')).toThrow(TypeError);
    expect(() => secureUrl('https://idp.example.com/jwks#x', 'jwksUri')).toThrow(/fragment/);
    expect(() => secureUrl(undefined, 'jwksUri')).toThrow(TypeError);
  });
});
