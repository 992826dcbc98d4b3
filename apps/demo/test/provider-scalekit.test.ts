/**
 * The demo with AUTH_PROVIDER=scalekit, against the fake Scalekit environment its package tests
 * with: metadata naming the Scalekit authorization server, its metadata forwarded, a Scalekit
 * token accepted by the MCP SDK client, a token for another resource refused.
 */
import { callToolWithToken, pingMcp } from '@mcpauth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeScalekit, type FakeScalekit } from '../../../packages/scalekit/test/fake-scalekit.js';
import { startDemo, type DemoProcess } from './demo-process.js';

describe('AUTH_PROVIDER=scalekit', () => {
  let scalekit: FakeScalekit;
  let demo: DemoProcess;
  beforeAll(async () => {
    scalekit = await startFakeScalekit();
    demo = await startDemo({
      AUTH_PROVIDER: 'scalekit',
      SCALEKIT_ENVIRONMENT_URL: scalekit.url,
      SCALEKIT_RESOURCE_ID: scalekit.resourceId,
    });
  });
  afterAll(async () => {
    await demo?.stop();
    await scalekit?.close();
  });

  it('names Scalekit in its metadata, forwards its metadata, serves whoami for a Scalekit token and refuses another resource', async () => {
    const md = (await (await fetch(`${demo.url}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<string, unknown>;
    expect(md).toMatchObject({ resource: demo.mcpUrl, authorization_servers: [scalekit.authorizationServer] });
    expect(await (await fetch(`${demo.url}/.well-known/oauth-authorization-server`)).json()).toEqual(scalekit.metadata);

    const token = await scalekit.sign({ sub: 'usr_demo_1', client_id: 'dcr_demo_client' });
    const who = (await callToolWithToken(demo.mcpUrl, token)) as { principal: unknown };
    expect(who.principal).toEqual({ clientId: 'dcr_demo_client', issuer: scalekit.issuer, subject: 'usr_demo_1' });

    const otherResource = await pingMcp(demo.mcpUrl, await scalekit.sign({ aud: ['res_00000000000'] }));
    expect(otherResource.status).toBe(401);
  });
});
