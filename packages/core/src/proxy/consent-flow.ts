import { RememberedApprovals } from '../consent/approvals.js';
import { issueBrowserBinding } from '../consent/binding.js';
import { createConsentHandler, type ConsentFlow, type ConsentRequest } from '../consent/handler.js';
import { StorageFullError } from '../errors/errors.js';
import { errorResponse } from '../errors/response.js';
import type { FetchHandler } from '../http/router.js';
import { pkceChallenge, randomToken } from '../lib/crypto.js';
import { PENDING_TTL, TRANSACTION_TTL } from './config.js';
import { authorizationResponseUrl } from '../authorization-server/redirect-uri.js';
import type { ProxyContext } from './context.js';
import type { TransactionRecord } from './records.js';

/** The upstream authorization URL for an approved transaction. */
export async function upstreamAuthorizeUrl(
  ctx: ProxyContext,
  tx: TransactionRecord,
  state: string,
  codeVerifier: string | undefined,
): Promise<string> {
  const { config, endpoints } = ctx;
  const { upstream } = config;
  const url = new URL(endpoints.authorizationEndpoint);
  const p = url.searchParams;
  p.set('response_type', 'code');
  p.set('client_id', upstream.clientId);
  p.set('redirect_uri', config.callbackUrl);
  p.set('state', state);
  const scopes = [...new Set([...upstream.scopes, ...(config.forwardScopes ? tx.scopes : [])])];
  if (scopes.length > 0) p.set('scope', scopes.join(' '));
  if (codeVerifier) {
    p.set('code_challenge', await pkceChallenge(codeVerifier));
    p.set('code_challenge_method', 'S256');
  }
  if (config.forwardResource && tx.resource) p.set('resource', tx.resource);
  for (const [k, v] of Object.entries(upstream.extraAuthorizeParams)) p.set(k, v);
  return (config.hooks.authorizeUrl?.(url, { scopes, resource: tx.resource }) ?? url).href;
}

/**
 * The proxy side of the consent page: approving consumes the transaction and stores the
 * single-use upstream `state` (only now, after consent) together with the proxy's PKCE verifier
 * and the hash of the browser-binding cookie; denying sends `access_denied` to the client.
 */
export function proxyConsentFlow(ctx: ProxyContext): ConsentFlow {
  const { records, config } = ctx;
  return {
    async load(transaction): Promise<ConsentRequest | null> {
      const tx = await records.transactions.get(transaction);
      if (!tx) return null;
      const { client } = await ctx.resolveClient(tx.clientId);
      const name =
        typeof client?.client_name === 'string' && client.client_name.trim() ? client.client_name.trim().slice(0, 100) : tx.clientId;
      return { clientId: tx.clientId, clientName: name, redirectUri: tx.redirectUri, scopes: tx.scopes };
    },
    async approve(transaction) {
      const tx = await records.transactions.take(transaction);
      if (!tx) return null;
      const binding = await issueBrowserBinding(config.cookies, PENDING_TTL);
      const state = randomToken();
      const codeVerifier = config.forwardPkce ? randomToken(48) : undefined;
      try {
        await records.pending.set(
          state,
          { ...tx, codeVerifier, bindingId: binding.id, bindingHash: binding.hash },
          { ttlSeconds: PENDING_TTL },
        );
      } catch (err) {
        // No room for the pending flow: keep the transaction so the user can approve again later.
        if (err instanceof StorageFullError)
          await records.transactions.set(transaction, tx, { ttlSeconds: TRANSACTION_TTL }).catch(() => undefined);
        throw err;
      }
      return { location: await upstreamAuthorizeUrl(ctx, tx, state, codeVerifier), cookies: [binding.cookie] };
    },
    async deny(transaction) {
      const tx = await records.transactions.take(transaction);
      if (!tx) return null;
      return authorizationResponseUrl(tx.redirectUri, {
        error: 'access_denied',
        error_description: 'The user denied the request',
        state: tx.state,
        iss: config.issuerUrl,
      });
    },
  };
}

/** The consent route of the proxy. */
export function createProxyConsentHandler(ctx: ProxyContext): FetchHandler {
  const { config, keys } = ctx;
  const { consent } = config;
  const handler = createConsentHandler({
    flow: proxyConsentFlow(ctx),
    mode: consent.mode,
    policy: config.cookies,
    csrfKey: keys.consent,
    approvals: consent.mode === 'remember' ? new RememberedApprovals({ key: keys.consent }) : undefined,
    upstreamOrigin: new URL(ctx.endpoints.authorizationEndpoint).origin,
    ttlSeconds: TRANSACTION_TTL,
    serverName: consent.serverName,
    providerName: consent.providerName,
    scopeDescriptions: consent.scopeDescriptions,
    contentSecurityPolicy: consent.contentSecurityPolicy,
    bodyTimeoutMs: config.authorizationServer.bodyTimeoutMs,
    report: config.report,
  });
  return async (request) => {
    try {
      return await handler(request);
    } catch (err) {
      // A full store: an error page with 503 and Retry-After instead of a bare 500.
      if (err instanceof StorageFullError) return errorResponse(err, { format: 'html', onUnexpectedError: config.report });
      throw err;
    }
  };
}
