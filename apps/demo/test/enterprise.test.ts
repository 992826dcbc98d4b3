/**
 * `AUTH_PROVIDER=enterprise`: the demo started as the README says, and the enterprise agent script
 * (`pnpm --filter demo enterprise-client`) run against it: registration, an ID-JAG from the local
 * enterprise identity provider by token exchange, the MCP SDK's `CrossAppAccessProvider`, a tool
 * call as the enterprise user.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEnterpriseAgent } from '../src/client/enterprise.js';
import { startDemo, type DemoProcess } from './demo-process.js';

describe('AUTH_PROVIDER=enterprise', () => {
  let demo: DemoProcess;
  let idpUrl: string;
  beforeAll(async () => {
    demo = await startDemo({ AUTH_PROVIDER: 'enterprise' });
    idpUrl = /Enterprise identity provider: (http:\/\/127\.0\.0\.1:\d+)/.exec(demo.output())![1]!;
  });
  afterAll(() => demo?.stop());

  it('prints how to try it', () => {
    expect(demo.output()).toContain(`pnpm --filter demo enterprise-client ${demo.mcpUrl} ${idpUrl} alice`);
  });

  it('the enterprise agent gets a token with an ID-JAG and calls whoami as the enterprise user', async () => {
    const text = await runEnterpriseAgent(demo.mcpUrl, idpUrl, 'erin');
    const who = JSON.parse(text) as { principal: { subject: string }; scopes: string[] };
    expect(who.principal.subject).toBe('erin');
    expect(who.scopes).toEqual(['mcp:tools']);
  });

  it('advertises the jwt-bearer grant; an anonymous request gets 401', async () => {
    const md = (await (await fetch(`${demo.url}/.well-known/oauth-authorization-server`)).json()) as { grant_types_supported: string[] };
    expect(md.grant_types_supported).toContain('urn:ietf:params:oauth:grant-type:jwt-bearer');
    const anonymous = await fetch(demo.mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(anonymous.status).toBe(401);
  });
});
