/**
 * The demo with AUTH_PROVIDER=descope, against the fake Descope its package tests with:
 * configured by the console's Well-Known URL, metadata naming the Descope MCP server, its
 * metadata forwarded, a Descope token accepted by the MCP SDK client, a token of another project
 * refused; a malformed Well-Known URL stops the demo with a message naming the variable.
 */
import { callToolWithToken, pingMcp } from '@mcpauth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDescope, type FakeDescope } from '../../../packages/descope/test/fake-descope.js';
import { runDemoToExit, startDemo, type DemoProcess } from './demo-process.js';

describe('AUTH_PROVIDER=descope', () => {
  let descope: FakeDescope;
  let demo: DemoProcess;
  beforeAll(async () => {
    descope = await startFakeDescope();
    demo = await startDemo({ AUTH_PROVIDER: 'descope', DESCOPE_CONFIG_URL: descope.configUrl });
  });
  afterAll(async () => {
    await demo?.stop();
    await descope?.close();
  });

  it('names Descope in its metadata, forwards its metadata, serves whoami for a Descope token and refuses another project', async () => {
    const md = (await (await fetch(`${demo.url}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<string, unknown>;
    expect(md).toMatchObject({ resource: demo.mcpUrl, authorization_servers: [descope.issuer] });
    expect(await (await fetch(`${demo.url}/.well-known/oauth-authorization-server`)).json()).toEqual(descope.metadata);

    const token = await descope.sign({ sub: 'U2demo' });
    const who = (await callToolWithToken(demo.mcpUrl, token)) as { principal: unknown };
    expect(who.principal).toEqual({ clientId: descope.clientId, issuer: descope.issuer, subject: 'U2demo' });

    const otherProject = await pingMcp(demo.mcpUrl, await descope.sign({ aud: [descope.clientId, 'P0therProject'] }));
    expect(otherProject.status).toBe(401);
  });
});

describe('AUTH_PROVIDER=descope, misconfigured', () => {
  it('a malformed Well-Known URL stops the demo with a message naming the variable and the expected form', async () => {
    const { code, stderr } = await runDemoToExit({
      AUTH_PROVIDER: 'descope',
      DESCOPE_CONFIG_URL: 'https://api.descope.com/P2abc/.well-known/jwks.json',
    });
    expect(code).toBe(2);
    expect(stderr).toContain('DESCOPE_CONFIG_URL');
    expect(stderr).toContain('Well-Known URL of a Descope MCP server');
  });
});
