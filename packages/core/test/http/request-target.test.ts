import { describe, expect, it } from 'vitest';
import { requestTarget } from '../../src/http/request-target.js';

describe('requestTarget', () => {
  it('reads the path and an access_token query parameter as URL would, for each URL apart', () => {
    const cases: [string, string, boolean][] = [
      ['https://mcp.example.com/mcp', '/mcp', false],
      ['https://mcp.example.com/mcp?access_token=x', '/mcp', true],
      ['https://mcp.example.com/mcp?a=1&access%5Ftoken=x', '/mcp', true], // names are percent-decoded
      ['https://mcp.example.com/mcp?access_tokens=x', '/mcp', false],
      ['https://mcp.example.com/a/../mcp/%7Euser?q#access_token', '/mcp/%7Euser', false], // a fragment is no query
      ['http://127.0.0.1:8080/', '/', false],
    ];
    for (const [url, pathname, accessTokenInQuery] of cases) {
      for (let i = 0; i < 2; i++)
        expect(requestTarget(new Request(url)), `${url} (${i ? 'cached' : 'parsed'})`).toEqual({ pathname, accessTokenInQuery });
    }
  });

  it('is frozen, shared by requests to one URL, and stays right while a flood of distinct URLs churns its cache', () => {
    const first = requestTarget(new Request('https://mcp.example.com/mcp'));
    expect(Object.isFrozen(first)).toBe(true);
    expect(requestTarget(new Request('https://mcp.example.com/mcp', { method: 'POST', body: 'x' }))).toBe(first);
    for (let i = 0; i < 1000; i++) {
      const token = i % 3 === 0;
      const target = requestTarget(new Request(`https://mcp.example.com/p${i}?${token ? 'access_token' : 'x'}=${i}`));
      expect(target.pathname).toBe(`/p${i}`);
      expect(target.accessTokenInQuery).toBe(token);
    }
    const long = `https://mcp.example.com/${'a'.repeat(5000)}?access_token=1`;
    expect(requestTarget(new Request(long))).toEqual({ pathname: `/${'a'.repeat(5000)}`, accessTokenInQuery: true });
    expect(requestTarget(new Request('https://mcp.example.com/mcp'))).toEqual(first);
  });
});
