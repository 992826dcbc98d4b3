import { describe, expect, it } from 'vitest';
import { LOOPBACK_REDIRECT_PATTERNS, redirectUriMatcher } from '../../src/proxy/redirect-patterns.js';

describe('redirectUriMatcher', () => {
  it('default: loopback on any port and path, nothing else', () => {
    const allowed = redirectUriMatcher(LOOPBACK_REDIRECT_PATTERNS);
    expect(allowed('http://127.0.0.1:53124/callback')).toBe(true);
    expect(allowed('http://localhost:3000/oauth/cb?x=1')).toBe(true);
    expect(allowed('http://[::1]:8080/cb')).toBe(true);
    expect(allowed('http://localhost.evil.example:3000/cb')).toBe(false);
    expect(allowed('https://127.0.0.1/cb')).toBe(false);
    expect(allowed('http://user@127.0.0.1:3000/cb')).toBe(false);
    expect(allowed('http://127.0.0.1:3000/cb#frag')).toBe(false);
    expect(allowed('not a url')).toBe(false);
  });

  it('host wildcards match exactly one label; paths are exact or prefixes', () => {
    const allowed = redirectUriMatcher([
      'https://*.example.com/callback',
      'https://claude.ai/api/mcp/*',
      'cursor://anysphere.cursor-mcp/oauth/callback',
    ]);
    expect(allowed('https://app.example.com/callback')).toBe(true);
    expect(allowed('https://a.b.example.com/callback')).toBe(false);
    expect(allowed('https://example.com/callback')).toBe(false);
    expect(allowed('https://app.example.com.evil.io/callback')).toBe(false);
    expect(allowed('https://app.example.com/callback/more')).toBe(false);
    expect(allowed('https://app.example.com:8443/callback')).toBe(false);
    expect(allowed('https://claude.ai/api/mcp/auth_callback')).toBe(true);
    expect(allowed('https://claude.ai/api/other')).toBe(false);
    expect(allowed('cursor://anysphere.cursor-mcp/oauth/callback')).toBe(true);
  });

  it('refuses patterns that would allow any site', () => {
    expect(() => redirectUriMatcher(['https://*'])).toThrow(TypeError);
    expect(() => redirectUriMatcher(['https://ex*mple.com/cb'])).toThrow(TypeError);
    expect(() => redirectUriMatcher(['nonsense'])).toThrow(TypeError);
  });
});
