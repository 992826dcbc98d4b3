// Runtime check: one app (scripts/runtime-app: bearer guard + JWTVerifier + createAuthorizationServer
// over StoreOAuthProvider + an MCP SDK server) runs on Node, Bun, Deno and workerd (through
// Miniflare), every runtime installed from npm next to the packed tarballs in a throwaway project.
// On each, a client drives the whole flow over loopback HTTP: metadata, 401 challenge, register,
// authorize (PKCE), token, MCP initialize + tools/call, refresh (rotation), call with the new
// token, reuse of the old refresh token refused.
// In workerd, also the OAuth proxy's whole browser flow (scripts/runtime-app/proxy.mjs): register,
// authorize, the consent page (CSRF token and cookie), the sign-in at an identity provider (an
// authorization server with a password login page, run by Node on loopback: runtime-app/idp.mjs),
// the proxy's callback (browser-binding cookie), token, MCP tool call as the IdP's user, refresh.
// Usage: node scripts/check-runtimes.mjs [--keep] [node|bun|deno|workerd ...]
import { createHash, randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cleanEnv, installConsumer, packAll, root, run, workspaceRange } from './lib/consumer.mjs';

const RUNTIMES = ['node', 'bun', 'deno', 'workerd'];
const args = process.argv.slice(2);
const keep = args.includes('--keep');
const only = args.filter((a) => RUNTIMES.includes(a));
const runtimes = only.length ? only : RUNTIMES;
const tmp = mkdtempSync(join(tmpdir(), 'mcpauth-runtimes-'));
const dir = join(tmp, 'app');
const started = Date.now();
const step = (msg) => console.log(`[check-runtimes ${((Date.now() - started) / 1000).toFixed(0)}s] ${msg}`);
const CALLBACK = 'http://127.0.0.1:4321/callback';
// The runtimes' caches and state go to the temporary directory too.
const runtimeEnv = cleanEnv({
  DENO_DIR: join(tmp, 'deno'),
  DENO_NO_UPDATE_CHECK: '1',
  BUN_INSTALL: join(tmp, 'bun'),
  BUN_INSTALL_CACHE_DIR: join(tmp, 'bun', 'cache'),
  XDG_CACHE_HOME: join(tmp, 'xdg-cache'),
  DO_NOT_TRACK: '1',
});
const failures = [];

try {
  step(`packing into ${tmp}`);
  const packed = await packAll(join(tmp, 'tarballs'));
  step('installing the tarballs and the runtimes with npm');
  await installConsumer({
    dir,
    pm: 'npm',
    packed,
    tmp,
    // The runtimes' npm packages carry their binaries as per-platform optional dependencies.
    extraDeps: {
      '@modelcontextprotocol/server': workspaceRange('@modelcontextprotocol/server'),
      bun: '^1.2.0',
      deno: '^2.4.0',
      miniflare: '^4.20250101.0',
      esbuild: '^0.28.0',
    },
  });
  // bun's npm package links its binary in a postinstall script, which the install skipped (--ignore-scripts).
  if (runtimes.includes('bun')) await run(process.execPath, ['install.js'], { cwd: join(dir, 'node_modules/bun'), env: runtimeEnv });
  cpSync(join(root, 'scripts/runtime-app'), dir, { recursive: true });
  for (const runtime of runtimes) {
    step(`${runtime}: starting`);
    try {
      const version = await flowOn(runtime);
      step(`${runtime} ${version}: flow passed`);
    } catch (err) {
      failures.push(`${runtime}: ${err.message}`);
      step(`${runtime}: FAILED`);
    }
  }
} catch (err) {
  failures.push(err.stack ?? String(err));
} finally {
  if (keep) console.log(`kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}

if (failures.length) {
  console.error(`\n${failures.length} runtime failure(s):\n- ${failures.join('\n- ')}`);
  process.exit(1);
}
console.log(`check-runtimes: ok (${runtimes.join(', ')})`);

/** Start the app on `runtime`, run the flow against it, stop it; returns the runtime's version. */
async function flowOn(runtime) {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const secret = randomBytes(32).toString('base64url');
  const bin = (name) => join(dir, 'node_modules/.bin', name);
  if (runtime === 'workerd') {
    const { Miniflare } = await import(pathToFileURL(join(dir, 'node_modules/miniflare/dist/src/index.js')).href);
    const { build } = await import(pathToFileURL(join(dir, 'node_modules/esbuild/lib/main.js')).href);
    // What wrangler does: bundle the worker with the `workerd` / `worker` / `browser` export conditions.
    const serve = async (entry, bindings, port, check) => {
      const outfile = join(dir, entry.replace(/\.mjs$/, '.bundle.mjs'));
      await build({
        entryPoints: [join(dir, entry)],
        bundle: true,
        format: 'esm',
        platform: 'browser',
        conditions: ['workerd', 'worker', 'browser'],
        outfile,
        logLevel: 'error',
      });
      const mf = new Miniflare({
        modules: true,
        scriptPath: outfile,
        modulesRoot: dir,
        compatibilityDate: '2025-09-01',
        bindings,
        host: '127.0.0.1',
        port,
      });
      try {
        await mf.ready;
        await check();
      } finally {
        await mf.dispose();
      }
    };
    await serve('worker.mjs', { ORIGIN: origin, SECRET: secret }, port, () => flow(origin));
    step('workerd: authorization server flow passed; OAuth proxy browser flow next');

    // The proxy's browser flow: the IdP runs in Node on loopback, the proxy in workerd.
    const { startIdp } = await import(pathToFileURL(join(dir, 'idp.mjs')).href);
    const password = randomBytes(16).toString('base64url');
    const idpKey = randomBytes(32).toString('base64url');
    const idp = await startIdp({ port: await freePort(), key: idpKey, password });
    try {
      const proxyPort = await freePort();
      const proxyOrigin = `http://127.0.0.1:${proxyPort}`;
      const upstreamClient = await registerAtIdp(idp.origin, `${proxyOrigin}/auth/callback`);
      await serve(
        'worker-proxy.mjs',
        {
          ORIGIN: proxyOrigin,
          SECRET: randomBytes(32).toString('base64url'),
          IDP: idp.origin,
          IDP_KEY: idpKey,
          IDP_CLIENT_ID: upstreamClient.client_id,
          IDP_CLIENT_SECRET: upstreamClient.client_secret,
        },
        proxyPort,
        () => proxyFlow(proxyOrigin, idp.origin, password),
      );
    } finally {
      await idp.close();
    }
    return (await run(bin('workerd'), ['--version'], { cwd: dir, env: runtimeEnv })).trim();
  }
  const command = {
    node: [process.execPath, ['node.mjs']],
    bun: [bin('bun'), ['run', 'bun.mjs']],
    deno: [bin('deno'), ['run', '--allow-net=127.0.0.1', '--allow-env', '--allow-read', '--allow-sys', 'deno.mjs']],
  }[runtime];
  const version = (await run(command[0], ['--version'], { cwd: dir, env: runtimeEnv, timeoutMs: 30_000 })).trim().split('\n')[0];
  step(`${runtime}: ${version}`);
  const env = { ...runtimeEnv, ORIGIN: origin, SECRET: secret };
  // Its own process group: the npm bin may be a launcher with the runtime as its child; both are stopped.
  const child = spawn(command[0], command[1], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  const exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`did not start within 60 s:\n${out}`)), 60_000);
      const onData = (d) => {
        out += d;
        if (out.includes('listening')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`exited ${code} before listening:\n${out}`));
      });
    });
    await flow(origin);
  } catch (err) {
    err.message += out ? `\n--- ${runtime} output ---\n${out}` : '';
    throw err;
  } finally {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await exited;
  }
  return version;
}

/** An unused loopback port (listen on 0, read it, close). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

/**
 * The OAuth + MCP flow of a public client, every request with a timeout: metadata, the 401
 * challenge, register, authorize (PKCE) through `signIn`, token, MCP initialize + tools/call,
 * refresh (rotation), a call with the new token, the old refresh token refused. `signIn` takes the
 * authorization URL and returns the response that redirects to the client's redirect URI (by
 * default the authorization endpoint's own answer); `subject`, when given, is who the tool must see.
 */
async function flow(origin, { signIn, subject, browse } = {}) {
  const resource = `${origin}/mcp`;
  const send =
    browse ??
    (async (url, init = {}) => {
      const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(15_000), ...init });
      if (process.env.CHECK_RUNTIMES_VERBOSE) console.log(`  ${init.method ?? 'GET'} ${url} → ${res.status}`);
      return res;
    });
  const call = (path, init) => send(new URL(path, origin).href, init);
  const form = (body) => ({
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body).toString(),
  });

  const prm = await call('/.well-known/oauth-protected-resource/mcp');
  expect(prm.status === 200, `protected resource metadata: ${prm.status}`);
  const prmDocument = await prm.json();
  expect(prmDocument.resource === resource, 'protected resource metadata names another resource');
  expect(
    prmDocument.authorization_servers?.[0] === origin,
    `protected resource metadata: authorization servers ${prmDocument.authorization_servers}`,
  );
  const asMeta = await call('/.well-known/oauth-authorization-server');
  expect(asMeta.status === 200, `authorization server metadata: ${asMeta.status}`);
  const metadata = await asMeta.json();
  expect(metadata.issuer === origin, `issuer ${metadata.issuer}`);

  const anonymous = await mcpCall(call, undefined, 1, 'initialize', initializeParams());
  expect(anonymous.status === 401, `MCP without a token: ${anonymous.status}`);
  expect(/resource_metadata="[^"]+"/.test(anonymous.headers.get('www-authenticate') ?? ''), 'no resource_metadata in WWW-Authenticate');

  const registered = await call(new URL(metadata.registration_endpoint).pathname, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      client_name: 'runtime check',
      redirect_uris: [CALLBACK],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    }),
  });
  expect(registered.status === 201, `register: ${registered.status} ${await registered.clone().text()}`);
  const clientId = (await registered.json()).client_id;

  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const authorizeUrl = new URL(metadata.authorization_endpoint);
  authorizeUrl.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: CALLBACK,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    scope: 'mcp:tools',
    resource,
    state,
  }).toString();
  const authorized = await (signIn ?? send)(authorizeUrl.href);
  expect(authorized.status === 302, `authorize: ${authorized.status} ${await authorized.text()}`);
  const redirect = new URL(authorized.headers.get('location'));
  expect(`${redirect.origin}${redirect.pathname}` === CALLBACK, `authorize redirected to ${redirect.origin}${redirect.pathname}`);
  expect(redirect.searchParams.get('state') === state && redirect.searchParams.get('iss') === origin, 'authorize: state or iss wrong');
  const code = redirect.searchParams.get('code');
  expect(code, `authorize: no code (${redirect.searchParams.get('error')}: ${redirect.searchParams.get('error_description')})`);

  const tokenPath = new URL(metadata.token_endpoint).pathname;
  const issued = await call(
    tokenPath,
    form({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: CALLBACK, client_id: clientId, resource }),
  );
  expect(issued.status === 200, `token: ${issued.status} ${await issued.clone().text()}`);
  const first = await issued.json();
  expect(first.token_type === 'Bearer' && first.access_token && first.refresh_token, 'token: no Bearer access and refresh token');

  const me = await whoami(call, first.access_token, clientId);
  expect(subject === undefined || me.subject === subject, `the tool sees subject ${me.subject}, not ${subject}`);

  const refreshed = await call(tokenPath, form({ grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: clientId }));
  expect(refreshed.status === 200, `refresh: ${refreshed.status} ${await refreshed.clone().text()}`);
  const second = await refreshed.json();
  expect(second.access_token !== first.access_token && second.refresh_token !== first.refresh_token, 'refresh: tokens not rotated');
  await whoami(call, second.access_token, clientId);

  const reused = await call(tokenPath, form({ grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: clientId }));
  expect(reused.status === 400 && (await reused.json()).error === 'invalid_grant', `reused refresh token: ${reused.status}`);
}

/** Register the proxy at the IdP (RFC 7591) as a confidential client with its callback. */
async function registerAtIdp(idp, callback) {
  const res = await fetch(`${idp}/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      client_name: 'runtime-check proxy',
      redirect_uris: [callback],
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    }),
    signal: AbortSignal.timeout(15_000),
  });
  expect(res.status === 201, `IdP register: ${res.status} ${await res.clone().text()}`);
  return res.json();
}

/** A browser's cookies, per origin (name=value only: the check sends what a browser would send back). */
function cookieJar() {
  const jars = new Map();
  return {
    header: (url) => [...(jars.get(new URL(url).origin) ?? new Map())].map(([k, v]) => `${k}=${v}`).join('; '),
    store(url, res) {
      const origin = new URL(url).origin;
      const jar = jars.get(origin) ?? new Map();
      jars.set(origin, jar);
      for (const line of res.headers.getSetCookie()) {
        const [pair, ...attributes] = line.split(';');
        const eq = pair.indexOf('=');
        const name = pair.slice(0, eq).trim();
        const value = pair.slice(eq + 1).trim();
        if (value === '' || attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))) jar.delete(name);
        else jar.set(name, value);
      }
    },
  };
}

/** The hidden and named inputs of the first form of a page, and its action. */
function formOf(html, pageUrl) {
  const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  expect(form, `no form on ${pageUrl}`);
  const decodeHtml = (v) =>
    v.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
  const fields = new URLSearchParams();
  for (const input of form[2].matchAll(/<input\b[^>]*>/gi)) {
    const name = /name="([^"]*)"/.exec(input[0])?.[1];
    const value = /value="([^"]*)"/.exec(input[0])?.[1] ?? '';
    if (name) fields.set(decodeHtml(name), decodeHtml(value));
  }
  return { action: new URL(decodeHtml(form[1]), pageUrl).href, fields };
}

/**
 * The OAuth proxy's browser flow: the common flow, with a browser (cookies kept per origin) that
 * signs in: the proxy's authorization endpoint → its consent page → approve (CSRF token and
 * cookie) → the IdP's login page → sign in → the IdP's authorization → the proxy's callback
 * (browser-binding cookie) → the client's redirect URI with a code; the tool must see the IdP's user.
 */
function proxyFlow(origin, idp, password) {
  const jar = cookieJar();
  const browse = async (url, init = {}) => {
    const headers = new Headers(init.headers);
    const cookie = jar.header(url);
    if (cookie) headers.set('cookie', cookie);
    const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(15_000), ...init, headers });
    if (process.env.CHECK_RUNTIMES_VERBOSE) console.log(`  ${init.method ?? 'GET'} ${url} → ${res.status}`);
    jar.store(url, res);
    return res;
  };
  const postForm = ({ action, fields }, headers = {}) =>
    browse(action, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      body: fields.toString(),
    });

  const signIn = async (authorizeUrl) => {
    const authorized = await browse(authorizeUrl);
    expect(authorized.status === 302, `proxy: authorize: ${authorized.status} ${await authorized.text()}`);
    const consentUrl = new URL(authorized.headers.get('location'), origin).href;
    expect(consentUrl.startsWith(`${origin}/consent`), `proxy: authorize went to ${consentUrl}, not the consent page`);
    const consentPage = await browse(consentUrl, { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(consentPage.status === 200, `proxy: consent page: ${consentPage.status}`);
    const consent = formOf(await consentPage.text(), consentUrl);
    expect(consent.fields.get('csrf_token'), 'proxy: consent form without a CSRF token');
    consent.fields.set('decision', 'approve');
    const approved = await postForm(consent, { origin });
    expect(approved.status === 303, `proxy: consent approval: ${approved.status} ${await approved.text()}`);
    const upstreamAuthorize = approved.headers.get('location');
    expect(upstreamAuthorize.startsWith(`${idp}/authorize?`), `proxy: approval went to ${upstreamAuthorize}, not the IdP`);

    // at the IdP: its login page, the sign-in, then its authorization redirects to the proxy's callback
    const loginPage = await browse(upstreamAuthorize);
    expect(loginPage.status === 200, `IdP: login page: ${loginPage.status}`);
    const login = formOf(await loginPage.text(), upstreamAuthorize);
    login.fields.set('username', 'alice');
    login.fields.set('password', password);
    const signedIn = await postForm(login);
    expect(signedIn.status === 303, `IdP: sign-in: ${signedIn.status} ${await signedIn.text()}`);
    const idpAuthorized = await browse(new URL(signedIn.headers.get('location'), idp).href);
    expect(idpAuthorized.status === 302, `IdP: authorize: ${idpAuthorized.status} ${await idpAuthorized.text()}`);
    const callbackUrl = idpAuthorized.headers.get('location');
    expect(callbackUrl.startsWith(`${origin}/auth/callback?`), `IdP: redirected to ${callbackUrl}, not the proxy's callback`);
    return browse(callbackUrl);
  };
  return flow(origin, { browse, signIn, subject: 'alice' });
}

function initializeParams() {
  return { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'runtime-check', version: '1.0.0' } };
}

function mcpCall(call, token, id, method, params) {
  return call('/mcp', {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      'MCP-Protocol-Version': '2025-06-18',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
  });
}

/** A JSON-RPC response, sent as JSON or as one server-sent event. */
async function rpcResult(res, what) {
  const text = await res.text();
  expect(res.status === 200, `${what}: ${res.status} ${text}`);
  const json = (res.headers.get('content-type') ?? '').includes('text/event-stream')
    ? text
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => JSON.parse(l.slice(5)))
        .find((m) => 'result' in m || 'error' in m)
    : JSON.parse(text);
  expect(json && 'result' in json, `${what}: ${text}`);
  return json.result;
}

/** MCP initialize, then tools/call whoami: the tool sees the token's client and scopes. */
async function whoami(call, token, clientId) {
  const init = await rpcResult(await mcpCall(call, token, 1, 'initialize', initializeParams()), 'MCP initialize');
  expect(init.serverInfo?.name === 'runtime-check', 'MCP initialize: wrong server');
  const result = await rpcResult(await mcpCall(call, token, 2, 'tools/call', { name: 'whoami', arguments: {} }), 'MCP tools/call');
  const me = JSON.parse(result.content[0].text);
  expect(me.clientId === clientId && me.scopes?.includes('mcp:tools'), `whoami: ${result.content[0].text}`);
  return me;
}
