import { describe, expect, it } from 'vitest';
import { authorizationResponseUrl, matchRedirectUri, redirectUriProblem } from '../../src/authorization-server/redirect-uri.js';

describe('redirect URIs', () => {
  it('registration rules', () => {
    // loopback is one rule everywhere (lib/url isLoopbackHost): localhost, 127.0.0.0/8, [::1]
    for (const ok of [
      'https://a.example.com/cb',
      'http://127.0.0.1/cb',
      'http://127.0.0.2/cb',
      'http://[::1]:9/cb',
      'http://localhost:1/',
      'com.example.app:/cb',
      'myapp://cb',
    ]) {
      expect(redirectUriProblem(ok), ok).toBeNull();
    }
    expect(redirectUriProblem('http://a.example.com/cb')).toContain('https');
    expect(redirectUriProblem('http://128.0.0.1/cb')).toContain('https');
    expect(redirectUriProblem('http://localhost.evil.example/cb')).toContain('https');
    expect(redirectUriProblem('https://a.example.com/cb#x')).toContain('fragment');
    expect(redirectUriProblem('https://u@a.example.com/cb')).toContain('user information');
    expect(redirectUriProblem('myapp://user@cb')).toContain('user information');
    expect(redirectUriProblem('javascript://%0aalert(1)')).toContain('javascript:');
    expect(redirectUriProblem('VBScript:msgbox')).toContain('vbscript:');
    expect(redirectUriProblem('https://a.example.com\\@b.example.com/')).toContain('backslash');
    expect(redirectUriProblem(`https://a.example.com/${'x'.repeat(2048)}`)).toContain('2048');
  });

  it('matching is exact except for the port of loopback http URIs', () => {
    const registered = ['http://127.0.0.1/cb', 'http://[::1]:8080/cb', 'https://a.example.com/cb'];
    expect(matchRedirectUri(registered, 'http://127.0.0.1:1234/cb')).toBe('http://127.0.0.1:1234/cb');
    expect(matchRedirectUri(registered, 'http://[::1]/cb')).toBe('http://[::1]/cb');
    expect(matchRedirectUri(registered, 'https://a.example.com/cb')).toBe('https://a.example.com/cb');
    for (const bad of [
      'http://127.0.0.1:1234/cb/',
      'http://127.0.0.1:1234/CB',
      'http://127.0.0.1:1234/cb?x',
      'http://127.0.0.1:1234/cb#x',
      'http://127.0.0.1:1234@evil.example/cb',
      'http://localhost@evil.example/cb',
      'https://127.0.0.1:1234/cb',
      'https://a.example.com:443/cb/',
      'https://a.example.com/cb?',
      'http://localhost/cb',
      '',
    ]) {
      expect(matchRedirectUri(registered, bad), bad).toBeNull();
    }
  });

  it('appends response parameters, keeping the redirect URI query as registered', () => {
    expect(authorizationResponseUrl('https://a.example.com/cb', { code: 'c', state: undefined, iss: 'https://as.example.com' })).toBe(
      'https://a.example.com/cb?code=c&iss=https%3A%2F%2Fas.example.com',
    );
    expect(authorizationResponseUrl('https://a.example.com/cb?x=a%20b', { code: 'c' })).toBe('https://a.example.com/cb?x=a%20b&code=c');
    expect(authorizationResponseUrl('https://a.example.com/cb?', { error: 'access_denied' })).toBe(
      'https://a.example.com/cb?error=access_denied',
    );
  });
});
