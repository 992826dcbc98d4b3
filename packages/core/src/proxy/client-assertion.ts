/**
 * The proxy's side of `private_key_jwt` (RFC 7523 §2.2, OpenID Connect Core §9): the key checked
 * at construction, and a fresh signed assertion for each request to the upstream token and
 * revocation endpoints. The verifying side is `authorization-server/client-assertion.ts`.
 *
 * @module
 */
import { importJWK, SignJWT, type JWK } from 'jose';
import { JWT_CLIENT_ASSERTION_TYPE } from '../authorization-server/client-assertion.js';
import { ASYMMETRIC_ALGORITHMS } from '../lib/jws.js';
import { randomToken } from '../lib/crypto.js';
import type { UpstreamPrivateKey } from './options.js';

/** Lifetime of an assertion, in seconds: it is used at once. */
const ASSERTION_LIFETIME = 60;

/** `upstream.privateKey`, checked: the key, its algorithm and `kid`, and what `aud` names. */
export interface UpstreamSigningKey {
  key: JWK | CryptoKey;
  alg: string;
  kid: string | undefined;
  audience: 'tokenEndpoint' | 'issuer';
}

const EC_ALGORITHMS: Readonly<Record<string, string>> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };

function isCryptoKey(key: unknown): key is CryptoKey {
  return typeof key === 'object' && key !== null && 'algorithm' in key && 'usages' in key && 'type' in key;
}

/** The algorithm a WebCrypto key implies, when it implies one. */
function cryptoKeyAlg(key: CryptoKey): string | undefined {
  const algorithm = key.algorithm as { name: string; namedCurve?: string; hash?: { name: string } };
  const bits = algorithm.hash?.name.replace('SHA-', '');
  switch (algorithm.name) {
    case 'ECDSA':
      return EC_ALGORITHMS[algorithm.namedCurve ?? ''];
    case 'Ed25519':
      return 'EdDSA';
    case 'RSASSA-PKCS1-v1_5':
      return bits ? `RS${bits}` : undefined;
    case 'RSA-PSS':
      return bits ? `PS${bits}` : undefined;
    default:
      return undefined;
  }
}

/** Whether `alg` fits a JWK's key type (and an EC key's curve). */
function fitsJwk(alg: string, jwk: JWK): boolean {
  if (jwk.kty === 'RSA') return /^(RS|PS)\d+$/.test(alg);
  if (jwk.kty === 'EC') return EC_ALGORITHMS[jwk.crv ?? ''] === alg;
  return jwk.kty === 'OKP' && alg === 'EdDSA';
}

/** Check `upstream.privateKey`; throws `TypeError` for a bad one. */
export function resolvePrivateKey(value: UpstreamPrivateKey): UpstreamSigningKey {
  const fail = (why: string) => new TypeError(`OAuthProxy: upstream.privateKey ${why}`);
  if (!value || typeof value !== 'object') throw fail('must be an object with a key');
  const { key, kid, audience = 'tokenEndpoint' } = value;
  if (kid !== undefined && (typeof kid !== 'string' || kid.length === 0)) throw fail('.kid must be a non-empty string');
  if (audience !== 'tokenEndpoint' && audience !== 'issuer') throw fail('.audience must be tokenEndpoint or issuer');
  let alg: string | undefined;
  if (isCryptoKey(key)) {
    if (key.type !== 'private' || !key.usages.includes('sign')) throw fail('.key must be a private CryptoKey usable to sign');
    alg = value.alg ?? cryptoKeyAlg(key);
  } else if (typeof key === 'object' && key !== null) {
    if (key.kty !== 'RSA' && key.kty !== 'EC' && key.kty !== 'OKP') throw fail('.key must be an RSA, EC or OKP JWK (not a shared secret)');
    if (typeof key.d !== 'string') throw fail('.key must be a private JWK (it has no "d")');
    alg = value.alg ?? key.alg ?? (key.kty === 'EC' ? EC_ALGORITHMS[key.crv ?? ''] : key.kty === 'OKP' ? 'EdDSA' : undefined);
    if (alg !== undefined && !fitsJwk(alg, key)) throw fail(`.alg ${alg} does not fit the key`);
  } else {
    throw fail('.key must be a private JWK or CryptoKey');
  }
  if (alg === undefined) throw fail('.alg is required for this key');
  if (!ASYMMETRIC_ALGORITHMS.includes(alg)) throw fail(`.alg must be one of ${ASYMMETRIC_ALGORITHMS.join(', ')}`);
  return { key, alg, kid: kid ?? (isCryptoKey(key) ? undefined : key.kid), audience };
}

interface SignerOptions {
  alg: string;
  kid: string | undefined;
  clientId: string;
  audience: string;
  now: () => number;
}

/**
 * Signs the proxy's client assertions: `iss` = `sub` = the client id, `aud` = the upstream
 * token endpoint or issuer, a random `jti`, `iat` now, `exp` a minute later.
 */
export class ClientAssertionSigner {
  readonly #key: CryptoKey | Uint8Array;
  readonly #o: SignerOptions;

  private constructor(key: CryptoKey | Uint8Array, options: SignerOptions) {
    this.#key = key;
    this.#o = options;
  }

  /** Import the key (a JWK is imported once, non-extractable) for `clientId` and the resolved `audience`. */
  static async create(
    signingKey: UpstreamSigningKey,
    options: { clientId: string; audience: string; now: () => number },
  ): Promise<ClientAssertionSigner> {
    const { key, alg, kid } = signingKey;
    const imported = isCryptoKey(key) ? key : await importJWK({ ...key, ext: false }, alg);
    return new ClientAssertionSigner(imported, { alg, kid, ...options });
  }

  /** A new signed assertion. */
  sign(): Promise<string> {
    const { alg, kid, clientId, audience, now } = this.#o;
    const issuedAt = now();
    return new SignJWT({ jti: randomToken(16) })
      .setProtectedHeader(kid ? { alg, kid } : { alg })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(audience)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ASSERTION_LIFETIME)
      .sign(this.#key);
  }

  /** Add `client_id`, `client_assertion_type` and a fresh `client_assertion` to a request form. */
  async authenticate(form: URLSearchParams): Promise<void> {
    form.set('client_id', this.#o.clientId);
    form.set('client_assertion_type', JWT_CLIENT_ASSERTION_TYPE);
    form.set('client_assertion', await this.sign());
  }
}
