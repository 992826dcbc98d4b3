import { startOidcProvider, type OidcHarness } from '@mcpauth/testing';
import { Client, InsufficientScopeError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemoToExit, startDemo, type DemoProcess } from './demo-process.js';

// The demo with a real provider configured through environment variables, against a real
// oidc-provider on loopback issuing the access tokens (client credentials, resource indicators).

const APP = { client_id: 'app', client_secret: 'app-secret' };
const RS = { client_id: 'mcp-demo-rs', client_secret: 'rs-secret' };
const clients = [
  { ...APP, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] },
  { ...RS, grant_types: [], response_types: [], redirect_uris: [] },
];

async function connect(mcpUrl: string, token: string): Promise<Client> {
  const client = new Client({ name: 'demo-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
  );
  return client;
}

function textOf(result: { content?: unknown }): string {
  return (result.content as { text: string }[])[0]!.text;
}

async function post(mcpUrl: string, token?: string): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  if (token) headers['authorization'] = `Bearer ${token}`;
  return fetch(mcpUrl, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }) });
}

/** The checks every resource-server provider must pass, with client-credentials tokens from `idp`. */
function resourceServerChecks(ctx: { demo: () => DemoProcess; idp: () => OidcHarness; format: string; subject: string | null }) {
  const token = async (scope: string, resource = ctx.demo().mcpUrl) =>
    (await ctx.idp().clientCredentialsToken({ clientId: APP.client_id, clientSecret: APP.client_secret, scope, resource })).access_token;

  it('publishes RFC 9728 metadata naming the authorization server, and challenges with it', async () => {
    const { url, mcpUrl } = ctx.demo();
    const md = (await (await fetch(`${url}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<string, unknown>;
    expect(md).toMatchObject({ resource: mcpUrl, authorization_servers: [ctx.idp().issuer] });
    const res = await post(mcpUrl);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain(`resource_metadata="${url}/.well-known/oauth-protected-resource/mcp"`);
    // the home page names the authorization server the provider exposes (auth.authorizationServers)
    const page = await (await fetch(`${url}/`)).text();
    expect(page).toContain(ctx.idp().issuer);
  });

  it(`answers whoami for a ${ctx.format} token with the principal, scopes and claims`, async () => {
    const client = await connect(ctx.demo().mcpUrl, await token('read'));
    const who = JSON.parse(textOf(await client.callTool({ name: 'whoami', arguments: {} })));
    expect(who.principal).toEqual({ clientId: APP.client_id, issuer: ctx.idp().issuer, subject: ctx.subject });
    expect(who.scopes).toEqual(['read']);
    expect(who.claims.iss).toBe(ctx.idp().issuer);
    expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'hello' } }))).toMatch(/^hello \(from /);
    await client.close();
  });

  it('answers admin_status without the admin scope with 403 insufficient_scope, and with it normally', async () => {
    const weak = await connect(ctx.demo().mcpUrl, await token('read'));
    const refusal = await weak.callTool({ name: 'admin_status', arguments: {} }).catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(InsufficientScopeError);
    // the challenge names every scope the call needs: the token's own plus the tool's
    expect((refusal as InsufficientScopeError).requiredScope).toBe('read admin');
    await weak.close();

    const strong = await connect(ctx.demo().mcpUrl, await token('read admin'));
    const status = JSON.parse(textOf(await strong.callTool({ name: 'admin_status', arguments: {} })));
    expect(status.scopes).toEqual(['read', 'admin']);
    await strong.close();
  });

  it('refuses a token issued for another resource, and a forged one', async () => {
    expect((await post(ctx.demo().mcpUrl, await token('read', 'urn:other:api'))).status).toBe(401);
    const forged = await post(ctx.demo().mcpUrl, 'forged.token.value');
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });
}

describe('AUTH_PROVIDER=introspection', () => {
  let idp: OidcHarness;
  let demo: DemoProcess;
  beforeAll(async () => {
    idp = await startOidcProvider({ accessTokenFormat: 'opaque', clients });
    demo = await startDemo({
      AUTH_PROVIDER: 'introspection',
      INTROSPECTION_URL: idp.introspectionEndpoint,
      INTROSPECTION_CLIENT_ID: RS.client_id,
      INTROSPECTION_CLIENT_SECRET: RS.client_secret,
      INTROSPECTION_ISSUER: idp.issuer,
    });
  });
  afterAll(async () => {
    await demo?.stop();
    await idp?.close();
  });

  // Client-credentials tokens represent the client itself: no end-user subject.
  resourceServerChecks({ demo: () => demo, idp: () => idp, format: 'opaque', subject: null });

  it('never prints the client secret', () => {
    expect(demo.output()).not.toContain(RS.client_secret);
  });
});

describe('AUTH_PROVIDER=jwt', () => {
  let idp: OidcHarness;
  let demo: DemoProcess;
  beforeAll(async () => {
    idp = await startOidcProvider({ accessTokenFormat: 'jwt', clients });
    demo = await startDemo({ AUTH_PROVIDER: 'jwt', JWT_JWKS_URI: idp.jwksUri, JWT_ISSUER: idp.issuer });
  });
  afterAll(async () => {
    await demo?.stop();
    await idp?.close();
  });

  // RFC 9068 §2.2: a client-credentials JWT's `sub` is the client id.
  resourceServerChecks({ demo: () => demo, idp: () => idp, format: 'JWT', subject: APP.client_id });
});

describe('configuration errors', () => {
  it('names the missing variable, without a stack trace', async () => {
    const { code, stderr } = await runDemoToExit({ AUTH_PROVIDER: 'introspection', INTROSPECTION_URL: 'http://127.0.0.1:9/introspect' });
    expect(code).toBe(2);
    expect(stderr).toContain('Configuration error: AUTH_PROVIDER=introspection needs');
    expect(stderr).toContain('INTROSPECTION_CLIENT_ID');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('takes URLs over https only (http only on loopback), like the library', async () => {
    const jwks = await runDemoToExit({
      AUTH_PROVIDER: 'jwt',
      JWT_JWKS_URI: 'http://idp.example.com/jwks',
      JWT_ISSUER: 'https://idp.example.com',
    });
    expect(jwks.code).toBe(2);
    expect(jwks.stderr).toContain('JWT_JWKS_URI must use https (http only on a loopback host)');
    const base = await runDemoToExit({ DEMO_BASE_URL: 'http://mcp.example.com' });
    expect(base.code).toBe(2);
    expect(base.stderr).toContain('DEMO_BASE_URL must use https');
    const host = await runDemoToExit({ DEMO_HOST: '192.0.2.1' });
    expect(host.code).toBe(2);
    expect(host.stderr).toMatch(/DEMO_HOST "192\.0\.2\.1" is not a loopback address: set DEMO_BASE_URL/);
  });

  it('names an unknown JWT_ALGORITHMS entry as a configuration error', async () => {
    const { code, stderr } = await runDemoToExit({
      AUTH_PROVIDER: 'jwt',
      JWT_JWKS_URI: 'https://idp.example.com/jwks',
      JWT_ISSUER: 'https://idp.example.com',
      JWT_ALGORITHMS: 'RS256,none',
    });
    expect(code).toBe(2);
    expect(stderr).toContain('JWT_ALGORITHMS: "none" is not one of RS256');
  });

  it('lists the known providers for an unknown name', async () => {
    const { code, stderr } = await runDemoToExit({ AUTH_PROVIDER: 'nope' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/AUTH_PROVIDER="nope" is not a known provider; use one of: .*introspection/);
  });
});
