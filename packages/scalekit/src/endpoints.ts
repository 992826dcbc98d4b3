import { secureUrl } from '@mcpauth/core/kit';

/** The URLs of one Scalekit environment for one MCP server (resource). */
export interface ScalekitEndpoints {
  /** The environment URL without a trailing slash: the `iss` of its access tokens. */
  issuer: string;
  /** `{environmentUrl}/resources/{resourceId}`: the authorization server MCP clients are sent to. */
  authorizationServer: string;
  /** `{environmentUrl}/keys`: the environment's JWKS. */
  jwksUri: string;
  /** RFC 8414 metadata of the authorization server: `{environmentUrl}/.well-known/oauth-authorization-server/resources/{resourceId}`. */
  metadataUrl: string;
}

const RESOURCE_ID = /^[A-Za-z0-9._~-]+$/;

/**
 * The endpoints of a Scalekit environment for one MCP server registered in it (its resource id,
 * `res_…`). `environmentUrl` must be https (http only on a loopback host), without a query.
 *
 * @example
 * ```ts
 * scalekitEndpoints('https://acme.scalekit.com', 'res_92015146095').authorizationServer;
 * // 'https://acme.scalekit.com/resources/res_92015146095'
 * ```
 * @see https://docs.scalekit.com/authenticate/mcp/quickstart/
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.1
 */
export function scalekitEndpoints(environmentUrl: string | URL, resourceId: string): ScalekitEndpoints {
  const url = secureUrl(environmentUrl, 'ScalekitProvider: environmentUrl');
  if (url.search) throw new TypeError('ScalekitProvider: environmentUrl must not have a query or fragment');
  if (typeof resourceId !== 'string' || !RESOURCE_ID.test(resourceId)) {
    throw new TypeError(
      'ScalekitProvider: resourceId must be the MCP server\'s resource id from the Scalekit dashboard, e.g. "res_92015146095"',
    );
  }
  const issuer = url.href.replace(/\/+$/, '');
  const path = url.pathname.replace(/\/+$/, '');
  return {
    issuer,
    authorizationServer: `${issuer}/resources/${resourceId}`,
    jwksUri: `${issuer}/keys`,
    metadataUrl: `${url.origin}/.well-known/oauth-authorization-server${path}/resources/${resourceId}`,
  };
}
