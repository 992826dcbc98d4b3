import { secureUrl } from '@mcpauth/core/kit';

/** Which Descope project (and MCP server) to trust: the console's Well-Known URL, or a project id. */
export type DescopeLocation =
  | {
      /**
       * The MCP server's Well-Known URL from the Descope console (**Agentic Identity Hub → MCP
       * Servers → your server**), e.g.
       * `https://api.descope.com/v1/apps/agentic/P2abc…/MS2def…/.well-known/openid-configuration`,
       * or a project-level inbound app URL (`…/v1/apps/P2abc…/.well-known/openid-configuration`).
       * The issuer, project id and Descope base URL are derived from it.
       */
      configUrl: string | URL;
      projectId?: never;
      descopeBaseUrl?: never;
    }
  | {
      /** The Descope project id (`P2abc…`, **Project Settings**). The issuer is then `{descopeBaseUrl}/v1/apps/{projectId}`. */
      projectId: string;
      /** Descope's API base URL: your custom domain, or the regional one. Default `https://api.descope.com`. */
      descopeBaseUrl?: string | URL | undefined;
      configUrl?: never;
    };

/** The URLs and ids of one Descope project (or one of its MCP servers). */
export interface DescopeEndpoints {
  /** The `iss` of its access tokens, and the authorization server MCP clients are sent to. */
  issuer: string;
  /** The project id: the `aud` its access tokens carry. */
  projectId: string;
  /** Descope's API base URL, without a trailing slash. */
  descopeBaseUrl: string;
  /** `{descopeBaseUrl}/{projectId}/.well-known/jwks.json`: the project's signing keys (one key set for every MCP server of the project). */
  jwksUri: string;
  /** `{issuer}/.well-known/oauth-authorization-server`: the RFC 8414 metadata. */
  metadataUrl: string;
}

const ID = /^[A-Za-z0-9_-]+$/;
const WELL_KNOWN = /\/\.well-known\/(?:openid-configuration|oauth-authorization-server)$/;
const ISSUER_PATH = /^(?<prefix>(?:\/[^/]+)*?)\/v1\/apps\/(?:agentic\/(?<agenticProject>[^/]+)\/(?<server>[^/]+)|(?<project>[^/]+))$/;

function baseUrlOf(value: string | URL | undefined): URL {
  const url = secureUrl(value ?? 'https://api.descope.com', 'DescopeProvider: descopeBaseUrl');
  if (url.search) throw new TypeError('DescopeProvider: descopeBaseUrl must not have a query or fragment');
  return url;
}

function fromConfigUrl(configUrl: string | URL): DescopeEndpoints {
  const url = secureUrl(configUrl, 'DescopeProvider: configUrl');
  const expected =
    'the Well-Known URL of a Descope MCP server, e.g. https://api.descope.com/v1/apps/agentic/P2abc…/MS2def…/.well-known/openid-configuration';
  if (url.search) throw new TypeError(`DescopeProvider: configUrl must not have a query: it must be ${expected}`);
  const path = url.pathname.replace(/\/+$/, '');
  const match = WELL_KNOWN.test(path) ? ISSUER_PATH.exec(path.replace(WELL_KNOWN, '')) : null;
  const groups = match?.groups;
  const projectId = groups?.['agenticProject'] ?? groups?.['project'];
  if (
    !groups ||
    projectId === undefined ||
    projectId === 'agentic' ||
    !ID.test(projectId) ||
    (groups['server'] !== undefined && !ID.test(groups['server']))
  ) {
    throw new TypeError(`DescopeProvider: configUrl "${url.href}" is malformed: it must be ${expected}`);
  }
  const descopeBaseUrl = `${url.origin}${groups['prefix'] ?? ''}`;
  return endpointsOf(`${url.origin}${path.replace(WELL_KNOWN, '')}`, projectId, descopeBaseUrl);
}

function endpointsOf(issuer: string, projectId: string, descopeBaseUrl: string): DescopeEndpoints {
  return {
    issuer,
    projectId,
    descopeBaseUrl,
    jwksUri: `${descopeBaseUrl}/${projectId}/.well-known/jwks.json`,
    metadataUrl: `${issuer}/.well-known/oauth-authorization-server`,
  };
}

/**
 * The endpoints of a Descope project from the console's Well-Known URL (`configUrl`), or from a
 * project id and Descope's base URL. URLs must be https (http only on a loopback host); a
 * `configUrl` that is not a Descope Well-Known URL is refused with a `TypeError` saying what is
 * expected.
 *
 * @example
 * ```ts
 * descopeEndpoints({ projectId: 'P2abcdefghijklmnopqrstuvwxyz' }).jwksUri;
 * // 'https://api.descope.com/P2abcdefghijklmnopqrstuvwxyz/.well-known/jwks.json'
 * descopeEndpoints({ configUrl: 'https://api.descope.com/v1/apps/agentic/P2abc/MS2def/.well-known/openid-configuration' }).issuer;
 * // 'https://api.descope.com/v1/apps/agentic/P2abc/MS2def'
 * ```
 * @see https://docs.descope.com/agentic-identity-hub/mcp-servers/discovery-url
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 */
export function descopeEndpoints(location: DescopeLocation): DescopeEndpoints {
  if (!location || typeof location !== 'object') throw new TypeError('DescopeProvider: pass configUrl or projectId');
  if ((location.configUrl === undefined) === (location.projectId === undefined)) {
    throw new TypeError('DescopeProvider: pass exactly one of configUrl (the Well-Known URL from the Descope console) or projectId');
  }
  if (location.configUrl !== undefined) {
    if (location.descopeBaseUrl !== undefined)
      throw new TypeError('DescopeProvider: descopeBaseUrl is derived from configUrl; pass one of them');
    return fromConfigUrl(location.configUrl);
  }
  const { projectId } = location;
  if (typeof projectId !== 'string' || !ID.test(projectId)) {
    throw new TypeError('DescopeProvider: projectId must be a Descope project id such as "P2abcdefghijklmnopqrstuvwxyz"');
  }
  const base = baseUrlOf(location.descopeBaseUrl).href.replace(/\/+$/, '');
  return endpointsOf(`${base}/v1/apps/${projectId}`, projectId, base);
}
