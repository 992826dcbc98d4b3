import { secureUrl } from '@mcpauth/core/kit';

/** The URLs of one Cognito user pool. */
export interface CognitoEndpoints {
  /** The pool's region, e.g. `us-east-1`. */
  region: string;
  /** The issuer of the pool's tokens: `https://cognito-idp.{region}.amazonaws.com/{userPoolId}`. */
  issuer: string;
  /** OpenID discovery: `{issuer}/.well-known/openid-configuration`. */
  configUrl: string;
  /** The pool's signing keys: `{issuer}/.well-known/jwks.json`. */
  jwksUri: string;
}

/** `{region}_{id}`: a region such as `us-east-1` or `us-gov-west-1`, then the pool's own id. */
const POOL_ID = /^([a-z]{2}(?:-[a-z]+)+-\d+)_[0-9A-Za-z]+$/;

/**
 * The URLs of a Cognito user pool. Pool ids are `{region}_{id}`, so the region comes from the id
 * unless given (a `region` that contradicts the id is a `TypeError`). `serviceUrl` replaces
 * `https://cognito-idp.{region}.amazonaws.com` for a local emulator (http only on loopback).
 *
 * @example
 * ```ts
 * cognitoEndpoints('us-east-1_AbCdEf123').configUrl;
 * // 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123/.well-known/openid-configuration'
 * ```
 * @see https://docs.aws.amazon.com/cognito/latest/developerguide/federation-endpoints.html
 * @see https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
 */
export function cognitoEndpoints(
  userPoolId: string,
  options: { region?: string | undefined; serviceUrl?: string | URL | undefined } = {},
): CognitoEndpoints {
  const match = typeof userPoolId === 'string' ? POOL_ID.exec(userPoolId) : null;
  if (!match) throw new TypeError('AWS Cognito: userPoolId must be a user pool id such as "us-east-1_AbCdEf123"');
  const region = options.region ?? match[1]!;
  if (region !== match[1]) throw new TypeError(`AWS Cognito: region "${region}" does not match the user pool id "${userPoolId}"`);
  let service = `https://cognito-idp.${region}.amazonaws.com`;
  if (options.serviceUrl !== undefined) {
    const url = secureUrl(options.serviceUrl, 'AWS Cognito: serviceUrl');
    if (url.search) throw new TypeError('AWS Cognito: serviceUrl must not have a query');
    service = url.href.replace(/\/+$/, '');
  }
  const issuer = `${service}/${userPoolId}`;
  return { region, issuer, configUrl: `${issuer}/.well-known/openid-configuration`, jwksUri: `${issuer}/.well-known/jwks.json` };
}
