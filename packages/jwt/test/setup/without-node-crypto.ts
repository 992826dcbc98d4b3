// The `jose` test project: node:crypto is out of reach as on Workers or in a browser, so every
// JWTVerifier verifies with jose (WebCrypto). Static imports of node:crypto in the tests are
// not affected: only what the package reaches at run time.
const reach: (id: string) => unknown = process.getBuiltinModule.bind(process);
process.getBuiltinModule = ((id: string) =>
  id === 'node:crypto' || id === 'crypto' ? undefined : reach(id)) as typeof process.getBuiltinModule;

export {};
