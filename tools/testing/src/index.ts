export { CookieJar, decodeHtmlAttribute, parseForm, startOidcProvider, type OidcHarness, type OidcHarnessOptions } from './oidc.js';
export { startRedis, type RedisHarness } from './redis.js';
export { launchChromium } from './chromium.js';
export { listen, type Listening } from './listen.js';
export {
  boundedStoreContract,
  storeContract,
  takeConcurrently,
  type BoundedStoreFactory,
  type StoreContractCase,
  type StoreUnderTest,
} from './store-contract.js';
export { callToolWithToken, pingMcp } from './bearer.js';
export {
  ConsentingOAuthClientProvider,
  HeadlessOAuthClientProvider,
  MemoryOAuthClientProvider,
  signInWithOAuth,
  upstreamAuthorizationUrl,
} from './mcp-client.js';
export { ScriptedOAuthClient, type ScriptedOAuthClientOptions } from './mcp-oauth.js';
export {
  rejectionOf,
  verifierContract,
  type ReportedError,
  type StartOutage,
  type VerifierContractCase,
  type VerifierFixture,
  type VerifierPolicyOptions,
  type VerifierUnderTest,
} from './verifier-contract.js';
export {
  startFakeOidcIdp,
  type FakeIdpEndpoint,
  type FakeIdpGrant,
  type FakeIdpMode,
  type FakeIdpRequest,
  type FakeOidcIdp,
  type FakeOidcIdpOptions,
} from './fake-oidc-idp.js';
export { startMcpStack, startSignIn, whoami, type McpStack, type WhoAmI } from './mcp-stack.js';
export { oidcProxyFailureCases, type OidcProxyCase, type OidcProxyFixture, type OidcProxyStack } from './oidc-proxy-contract.js';
export { waitFor, type WaitForOptions } from './wait-for.js';
