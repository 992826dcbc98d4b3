import type { ForwardMetadataOptions, RemoteAuthProviderOptions, RemoteResourceLocation } from './remote-auth-provider.js';

/**
 * What a remote-family provider (a subclass of `RemoteAuthProvider` for one identity provider)
 * takes from its user besides its own fields: where the MCP endpoint is, and every option of
 * `RemoteAuthProvider` it passes through unchanged. The provider sets `authorizationServers`,
 * `verifier` and `audienceCheck` itself; `forwardAuthorizationServerMetadata` is on by default
 * (see {@link forwardedMetadataOption}).
 *
 * @example
 * ```ts
 * type AcmeProviderOptions = RemoteProviderBaseOptions & { tenant: string };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728
 */
export type RemoteProviderBaseOptions = RemoteResourceLocation &
  Omit<
    RemoteAuthProviderOptions,
    'authorizationServers' | 'verifier' | 'audienceCheck' | 'resourceUrl' | 'baseUrl' | 'mcpPath' | 'forwardAuthorizationServerMetadata'
  > & {
    /** Serve the identity provider's RFC 8414 metadata at this server's `/.well-known/oauth-authorization-server`. Default `true`. */
    forwardAuthorizationServerMetadata?: boolean | ForwardMetadataOptions | undefined;
  };

/**
 * The MCP endpoint's location from a provider's options, in the form it was given (`resourceUrl`,
 * or `baseUrl` with `mcpPath`), to pass on to `RemoteAuthProvider` after the provider took its own
 * fields out of the options (a rest object loses which form it was).
 *
 * @example
 * ```ts
 * super({ ...rest, ...remoteResourceLocation(options), authorizationServers, verifier });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3
 */
export function remoteResourceLocation(options: RemoteResourceLocation): RemoteResourceLocation {
  return options.resourceUrl !== undefined ? { resourceUrl: options.resourceUrl } : { baseUrl: options.baseUrl, mcpPath: options.mcpPath };
}

/**
 * A provider's `forwardAuthorizationServerMetadata` option resolved against where its identity
 * provider serves RFC 8414 metadata: forwarding is on unless the option is `false`, from
 * `metadataUrl` unless the option names another one.
 *
 * @example
 * ```ts
 * forwardedMetadataOption('https://idp.example.com/.well-known/oauth-authorization-server/t1', undefined);
 * // { metadataUrl: 'https://idp.example.com/.well-known/oauth-authorization-server/t1' }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 */
export function forwardedMetadataOption(
  metadataUrl: string,
  option: boolean | ForwardMetadataOptions | undefined,
): false | ForwardMetadataOptions {
  if (option === false) return false;
  return { metadataUrl, ...(option === true || option === undefined ? {} : option) };
}
