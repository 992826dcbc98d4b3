import {
  Client,
  StreamableHTTPClientTransport,
  UnauthorizedError,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
} from '@modelcontextprotocol/client';

/**
 * An MCP SDK `OAuthClientProvider` that keeps everything in memory and hands the authorization
 * URL to `authorize`, which must bring back the callback URL (the CLI waits for the browser to
 * reach its loopback server; the end-to-end test walks the pages by script).
 */
export class MemoryOAuthClient implements OAuthClientProvider {
  #client: StoredOAuthClientInformation | undefined;
  #tokens: StoredOAuthTokens | undefined;
  #verifier = '';
  #discovery: OAuthDiscoveryState | undefined;
  /** The callback URL of the last authorization, set by `redirectToAuthorization`. */
  pendingCallback: Promise<URL> | undefined;
  /** The authorization URLs visited, in order (tests inspect the requested scopes). */
  readonly authorizationUrls: URL[] = [];

  constructor(
    readonly redirectUrl: string,
    private readonly authorize: (authorizationUrl: URL) => Promise<URL>,
    private readonly clientName = 'MCP auth demo client',
  ) {}

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.clientName,
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  clientInformation() {
    return this.#client;
  }
  saveClientInformation(info: StoredOAuthClientInformation) {
    this.#client = info;
  }
  tokens() {
    return this.#tokens;
  }
  saveTokens(tokens: StoredOAuthTokens) {
    this.#tokens = tokens;
  }
  saveCodeVerifier(verifier: string) {
    this.#verifier = verifier;
  }
  codeVerifier() {
    return this.#verifier;
  }
  saveDiscoveryState(state: OAuthDiscoveryState) {
    this.#discovery = state;
  }
  discoveryState() {
    return this.#discovery;
  }
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery') {
    if (scope === 'all' || scope === 'client') this.#client = undefined;
    if (scope === 'all' || scope === 'tokens') this.#tokens = undefined;
    if (scope === 'all' || scope === 'verifier') this.#verifier = '';
    if (scope === 'all' || scope === 'discovery') this.#discovery = undefined;
  }
  redirectToAuthorization(authorizationUrl: URL) {
    this.authorizationUrls.push(authorizationUrl);
    this.pendingCallback = this.authorize(authorizationUrl);
    // Handled by whoever awaits it (connectWithOAuth / callWithOAuth); avoid an unhandled rejection meanwhile.
    this.pendingCallback.catch(() => undefined);
  }
}

/** Finish a pending authorization on `transport` with the callback the provider collected. */
async function finishPending(oauth: MemoryOAuthClient, transport: StreamableHTTPClientTransport): Promise<void> {
  const pending = oauth.pendingCallback;
  if (!pending) throw new Error('The server asked for authorization but no authorization was started');
  oauth.pendingCallback = undefined;
  const callback = await pending;
  const error = callback.searchParams.get('error');
  if (error)
    throw new Error(
      `Authorization failed: ${error}${callback.searchParams.has('error_description') ? ` (${callback.searchParams.get('error_description')})` : ''}`,
    );
  await transport.finishAuth(callback.searchParams);
}

/**
 * Connect an MCP client to `mcpUrl`, running the OAuth flow (discovery, registration,
 * authorization, token) when the server answers 401.
 */
export async function connectWithOAuth(mcpUrl: string | URL, oauth: MemoryOAuthClient): Promise<Client> {
  for (let attempt = 0; ; attempt++) {
    const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: oauth });
    const client = new Client({ name: 'mcp-auth-demo-client', version: '1.0.0' });
    try {
      await client.connect(transport);
      return client;
    } catch (err) {
      if (!(err instanceof UnauthorizedError) || attempt > 0) throw err;
      await finishPending(oauth, transport);
    }
  }
}

/**
 * Call a tool; when the server asks for more scopes (403 `insufficient_scope`), the SDK starts a
 * step-up authorization: finish it and call again.
 */
export async function callWithOAuth(client: Client, oauth: MemoryOAuthClient, name: string, args: Record<string, unknown> = {}) {
  try {
    return await client.callTool({ name, arguments: args });
  } catch (err) {
    if (!(err instanceof UnauthorizedError) || !oauth.pendingCallback) throw err;
    await finishPending(oauth, client.transport as StreamableHTTPClientTransport);
    return client.callTool({ name, arguments: args });
  }
}
