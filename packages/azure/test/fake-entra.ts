import type { IncomingMessage, ServerResponse } from 'node:http';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose';
import { listen, type Listening } from '@mcpauth/testing';

/**
 * A fake Microsoft Entra ID (the v2.0 endpoints of every tenant on one host) answering in the
 * documented shapes. Sources:
 * - authorize / token (code, refresh) and the error body (`error`, `error_description` with the
 *   AADSTS code, `error_codes`, `timestamp`, `trace_id`, `correlation_id`, `error_uri`):
 *   https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow
 * - on-behalf-of (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`,
 *   `requested_token_use=on_behalf_of`; `interaction_required` with `suberror` and `claims`):
 *   https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-on-behalf-of-flow
 * - the keys (`{tenant}/discovery/v2.0/keys`: kty, use, kid, x5t, n, e, issuer; the real set also
 *   has `x5c`, left out here as nothing reads it) and the OpenID configuration:
 *   https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc
 * - access token claims (v2.0: aud = client id, iss = {authority}/{tid}/v2.0, scp, roles, oid, …):
 *   https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference
 * - AADSTS codes: https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
 */

/** A tenant GUID of a work tenant (Contoso) and of another (Fabrikam). */
export const CONTOSO = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const FABRIKAM = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';
export const MSA = '9188040d-6c67-4c5b-b112-36a304b66dad';

/** The user who signs in at the fake. */
export interface EntraUser {
  tid: string;
  oid: string;
  name: string;
  preferred_username: string;
  email?: string;
  roles?: string[];
  groups?: string[];
}

export const ADELE: EntraUser = {
  tid: CONTOSO,
  oid: '00000000-0000-0000-66f3-3332eca7ea81',
  name: 'Adele Vance',
  preferred_username: 'AdeleV@contoso.onmicrosoft.com',
  email: 'AdeleV@contoso.com',
  roles: ['Notes.Admin'],
  groups: ['0d6c1a4a-0c46-4a48-8d38-6e8bb5bc6ec1'],
};

/** How an endpoint answers (besides its normal answer). */
export type Failure = 'ok' | 'throttled' | 'unavailable' | 'malformed' | 'hang';

/** A recorded request to the fake. */
export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  form: URLSearchParams;
}

export interface FakeEntra extends Listening {
  /** The registered app: its client id and secret, and the redirect URI registered (Authentication → Web). */
  app: { clientId: string; clientSecret: string; redirectUri: string; identifierUri: string };
  requests: SeenRequest[];
  /** Who signs in next (default {@link ADELE}). */
  signInAs(user: EntraUser): void;
  /** Make an endpoint fail: `token`, `keys`, `config`. */
  fail(endpoint: 'token' | 'keys' | 'config', failure: Failure): void;
  /** The next token request is answered with this Entra error. */
  nextTokenError(error: EntraErrorName): void;
  /** Lifetime of the next access tokens (seconds). Default 3599. */
  setAccessTokenLifetime(seconds: number): void;
  /** Sign an access token with the tenant keys: claims over a v2.0 token of the app for {@link ADELE}. */
  sign(claims?: JWTPayload, options?: { kid?: string; key?: CryptoKey }): Promise<string>;
  /** Access tokens the fake issued for the app (token endpoint and `sign`): on-behalf-of accepts them as assertions. */
  issued: string[];
  /** Downstream tokens issued by on-behalf-of. */
  oboIssued: string[];
}

/** The Entra errors the fake can answer with. */
export type EntraErrorName = 'invalid_client' | 'invalid_grant' | 'consent_required' | 'interaction_required';

const ERRORS: Record<
  EntraErrorName | 'multiple_resources' | 'resource' | 'bad_code' | 'bad_scope' | 'throttled',
  [number, string, number, string]
> = {
  throttled: [429, 'temporarily_unavailable', 90055, 'TenantThrottlingError: There are too many incoming requests.'],
  invalid_client: [
    401,
    'invalid_client',
    7000215,
    'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID',
  ],
  invalid_grant: [400, 'invalid_grant', 700082, 'The refresh token has expired due to inactivity.'],
  consent_required: [
    400,
    'invalid_grant',
    65001,
    "The user or administrator has not consented to use the application with ID '{app}'. Send an interactive authorization request for this user and resource.",
  ],
  interaction_required: [
    400,
    'interaction_required',
    50076,
    'Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource.',
  ],
  multiple_resources: [
    400,
    'invalid_request',
    28000,
    'Provided value for the input parameter scope is not valid because it contains more than one resource. Scope {scope} is not valid.',
  ],
  resource: [400, 'invalid_target', 9010010, "The resource parameter provided in the request doesn't match with the requested scopes."],
  bad_code: [
    400,
    'invalid_grant',
    70008,
    'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
  ],
  bad_scope: [
    400,
    'invalid_scope',
    70011,
    "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid.",
  ],
};

/** The documented error body: the AADSTS code leads the description, followed by trace and correlation ids. */
function errorBody(name: keyof typeof ERRORS, vars: Record<string, string> = {}): [number, Record<string, unknown>] {
  const [status, error, code, text] = ERRORS[name];
  const traceId = crypto.randomUUID();
  const correlationId = crypto.randomUUID();
  const timestamp = new Date()
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
  const message = text.replace(/\{(\w+)\}/g, (_, k: string) => vars[k] ?? '');
  const body: Record<string, unknown> = {
    error,
    error_description: `AADSTS${code}: ${message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  };
  if (name === 'interaction_required') {
    body['suberror'] = 'basic_action';
    body['claims'] = '{"access_token":{"capolids":{"essential":true,"values":["00000000-0000-0000-0000-000000000000"]}}}';
  }
  return [status, body];
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

const OIDC = new Set(['openid', 'profile', 'email', 'offline_access']);
const GRAPH = 'https://graph.microsoft.com/';

/**
 * Start a fake Entra ID. Tenants are path segments, as at login.microsoftonline.com: a GUID,
 * `contoso.onmicrosoft.com` (resolves to {@link CONTOSO}), `common`, `organizations`, `consumers`.
 * The authorize endpoint signs the current user in at once and redirects back with a code.
 */
export async function startFakeEntra(options: { clientId?: string; clientSecret?: string } = {}): Promise<FakeEntra> {
  const clientId = options.clientId ?? '6e74172b-be56-4843-9ff4-e66a39bb12e3';
  const clientSecret = options.clientSecret ?? 'Qf-8Q~fake.entra.client.secret.value.0123456789';
  const identifierUri = `api://${clientId}`;
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = 'KQ2tAcrE7lBaviGmJOPbmYnGMgXg';
  const failures: Record<'token' | 'keys' | 'config', Failure> = { token: 'ok', keys: 'ok', config: 'ok' };
  let user = ADELE;
  let nextError: EntraErrorName | undefined;
  let lifetime = 3599;
  const requests: SeenRequest[] = [];
  const issued: string[] = [];
  const oboIssued: string[] = [];
  const codes = new Map<string, { user: EntraUser; scopes: string[]; redirectUri: string; challenge: string | null; tenant: string }>();
  const refreshTokens = new Map<string, { user: EntraUser; scopes: string[] }>();
  let base = '';
  const jwk = { kty: 'RSA', use: 'sig', kid, x5t: kid, ...(await exportJWK(publicKey)) };

  const app = { clientId, clientSecret, identifierUri, redirectUri: '' };
  const accessToken = (u: EntraUser, scp: string[], extra: JWTPayload = {}, signing: { kid?: string; key?: CryptoKey } = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      aud: clientId,
      iss: `${base}/${u.tid}/v2.0`,
      iat: now,
      nbf: now,
      exp: now + lifetime,
      aio: 'AWQAm/8TAAAA',
      azp: clientId,
      azpacr: '1',
      name: u.name,
      oid: u.oid,
      preferred_username: u.preferred_username,
      ...(u.email ? { email: u.email } : {}),
      ...(u.roles ? { roles: u.roles } : {}),
      ...(u.groups ? { groups: u.groups } : {}),
      rh: '0.AAAA.',
      scp: scp.join(' '),
      sub: `pairwise-${u.oid.slice(-12)}`,
      tid: u.tid,
      uti: crypto.randomUUID().slice(0, 22),
      ver: '2.0',
      ...extra,
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: signing.kid ?? kid })
      .sign(signing.key ?? privateKey);
  };

  const tokenResponse = async (u: EntraUser, upstreamScopes: string[]) => {
    const own = upstreamScopes.filter((s) => s.startsWith(`${identifierUri}/`));
    const token = await accessToken(
      u,
      own.map((s) => s.slice(identifierUri.length + 1)),
    );
    issued.push(token);
    const refresh = upstreamScopes.includes('offline_access') ? `0.AAAA-refresh-${crypto.randomUUID()}` : undefined;
    if (refresh) refreshTokens.set(refresh, { user: u, scopes: upstreamScopes });
    return {
      token_type: 'Bearer',
      scope: own.join(' '),
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: token,
      ...(refresh ? { refresh_token: refresh } : {}),
      ...(upstreamScopes.includes('openid') ? { id_token: 'eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.e30.' } : {}),
    };
  };

  /** Entra's rule: a token is for one resource (plus OIDC scopes). */
  const resources = (scopes: string[]) =>
    new Set(scopes.filter((s) => !OIDC.has(s)).map((s) => (s.startsWith(GRAPH) ? GRAPH : s.slice(0, s.lastIndexOf('/')))));

  const handle = async (req: IncomingMessage, res: ServerResponse, body: string) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const form = new URLSearchParams(body);
    requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, form });
    const m = /^\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (!m) return send(res, 404, { error: 'not_found' });
    const [, tenant, rest] = m as unknown as [string, string, string];
    const tenantGuid = tenant === 'contoso.onmicrosoft.com' ? CONTOSO : tenant;

    if (rest === 'discovery/v2.0/keys') {
      if (failures.keys === 'hang') return;
      if (failures.keys === 'unavailable') return send(res, 503, '<html>Service Unavailable</html>', 'text/html');
      if (failures.keys === 'throttled') return send(res, 429, errorBody('throttled')[1]);
      if (failures.keys === 'malformed') return send(res, 200, '{"keys": [');
      const issuer = /^[0-9a-f-]{36}$/.test(tenantGuid) ? `${base}/${tenantGuid}/v2.0` : `${base}/{tenantid}/v2.0`;
      return send(res, 200, { keys: [{ ...jwk, issuer }] });
    }
    if (rest === 'v2.0/.well-known/openid-configuration') {
      if (failures.config === 'hang') return;
      if (failures.config === 'unavailable') return send(res, 503, '<html>Service Unavailable</html>', 'text/html');
      if (failures.config === 'malformed') return send(res, 200, '{"issuer": ');
      if (!/^[0-9a-f-]{36}$|^(common|organizations|consumers)$/.test(tenantGuid)) {
        return send(res, 400, errorBody('bad_scope')[1]); // an unknown tenant: AADSTS90002 in reality; any error suffices
      }
      const issuer = /^[0-9a-f-]{36}$/.test(tenantGuid) ? `${base}/${tenantGuid}/v2.0` : `${base}/{tenantid}/v2.0`;
      return send(res, 200, {
        token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer,
        request_uri_parameter_supported: false,
        userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
        authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${base}/${tenant}/oauth2/v2.0/logout`,
        claims_supported: [
          'sub',
          'iss',
          'aud',
          'exp',
          'iat',
          'auth_time',
          'acr',
          'nonce',
          'preferred_username',
          'name',
          'tid',
          'ver',
          'at_hash',
          'c_hash',
          'email',
        ],
        tenant_region_scope: 'WW',
        cloud_instance_name: 'microsoftonline.com',
      });
    }
    if (rest === 'oauth2/v2.0/authorize' && req.method === 'GET') {
      const q = url.searchParams;
      const redirect = q.get('redirect_uri');
      // AADSTS700016 (unknown app) and AADSTS50011 (redirect URI mismatch) are shown as an error page, never redirected.
      if (q.get('client_id') !== clientId) return send(res, 400, '<html>AADSTS700016: Application not found</html>', 'text/html');
      if (redirect !== app.redirectUri) return send(res, 400, '<html>AADSTS50011: The redirect URI does not match</html>', 'text/html');
      const back = new URL(redirect);
      if (q.has('state')) back.searchParams.set('state', q.get('state')!);
      const scopes = (q.get('scope') ?? '').split(' ').filter(Boolean);
      const problem = q.has('resource') ? 'resource' : scopes.length === 0 ? 'bad_scope' : undefined;
      if (problem) {
        const [, err] = errorBody(problem);
        back.searchParams.set('error', String(err['error']));
        back.searchParams.set('error_description', String(err['error_description']));
      } else {
        const code = `1.AAAA-code-${crypto.randomUUID()}`;
        codes.set(code, { user, scopes, redirectUri: redirect, challenge: q.get('code_challenge'), tenant });
        back.searchParams.set('code', code);
        back.searchParams.set('session_state', crypto.randomUUID());
      }
      res.writeHead(302, { location: back.href });
      res.end();
      return;
    }
    if (rest === 'oauth2/v2.0/token' && req.method === 'POST') {
      if (failures.token === 'hang') return;
      if (failures.token === 'unavailable') return send(res, 503, '<html>Service Unavailable</html>', 'text/html');
      if (failures.token === 'throttled') {
        res.writeHead(429, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '30' });
        return res.end(JSON.stringify(errorBody('throttled')[1]));
      }
      if (failures.token === 'malformed') return send(res, 200, '{"token_type":"Bearer","access_token":');
      const fail = (name: keyof typeof ERRORS, vars?: Record<string, string>) => {
        const [status, err] = errorBody(name, vars);
        send(res, status, err);
      };
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
      const [id, secret] = basic
        ? Buffer.from(basic[1]!, 'base64').toString().split(':').map(decodeURIComponent)
        : [form.get('client_id'), form.get('client_secret')];
      if (id !== clientId || secret !== clientSecret) return fail('invalid_client');
      if (nextError) {
        const e = nextError;
        nextError = undefined;
        return fail(e, { app: clientId });
      }
      if (form.has('resource')) return fail('resource');
      const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
      if (resources(scopes).size > 1) return fail('multiple_resources', { scope: scopes.join(' ') });
      const grant = form.get('grant_type');
      if (grant === 'authorization_code') {
        const code = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        if (!code || code.redirectUri !== form.get('redirect_uri') || code.tenant !== tenant) return fail('bad_code');
        if (code.challenge !== null) {
          const digest = Buffer.from(
            await crypto.subtle.digest('SHA-256', new TextEncoder().encode(form.get('code_verifier') ?? '')),
          ).toString('base64url');
          if (digest !== code.challenge) return fail('bad_code');
        }
        // The token request may narrow the scopes to one resource; without `scope`, those of the code.
        const granted = scopes.length > 0 ? scopes.filter((s) => OIDC.has(s) || code.scopes.includes(s)) : code.scopes;
        if (resources(granted).size > 1) return fail('multiple_resources', { scope: granted.join(' ') });
        return send(res, 200, await tokenResponse(code.user, granted));
      }
      if (grant === 'refresh_token') {
        const rt = refreshTokens.get(form.get('refresh_token') ?? '');
        if (!rt) return fail('bad_code');
        if (scopes.length === 0) return fail('bad_scope');
        refreshTokens.delete(form.get('refresh_token') ?? '');
        return send(res, 200, await tokenResponse(rt.user, scopes));
      }
      if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
        if (form.get('requested_token_use') !== 'on_behalf_of') return fail('bad_code');
        const assertion = form.get('assertion') ?? '';
        if (!issued.includes(assertion)) return fail('bad_code');
        const payload = JSON.parse(Buffer.from(assertion.split('.')[1]!, 'base64url').toString()) as { tid: string };
        // OBO goes to the user's tenant (or the app's own single tenant).
        if (tenant !== payload.tid) return fail('bad_code');
        if (scopes.length === 0 || scopes.some((s) => !s.startsWith(GRAPH))) return fail('bad_scope');
        const downstream = `graph-${crypto.randomUUID()}`;
        oboIssued.push(downstream);
        return send(res, 200, {
          token_type: 'Bearer',
          scope: scopes.join(' '),
          expires_in: lifetime,
          ext_expires_in: lifetime,
          access_token: downstream,
          refresh_token: `0.AAAA-obo-refresh-${crypto.randomUUID()}`,
        });
      }
      return fail('bad_code');
    }
    send(res, 404, { error: 'not_found' });
  };

  const server = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((err: unknown) => send(res, 500, { error: String(err) }));
    });
  });
  base = server.url;
  return {
    ...server,
    app,
    requests,
    issued,
    oboIssued,
    signInAs: (u) => {
      user = u;
    },
    fail: (endpoint, failure) => {
      failures[endpoint] = failure;
    },
    nextTokenError: (e) => {
      nextError = e;
    },
    setAccessTokenLifetime: (s) => {
      lifetime = s;
    },
    sign: async (claims = {}, signing = {}) => {
      const token = await accessToken(ADELE, ['notes.read'], claims, signing);
      issued.push(token);
      return token;
    },
  };
}
