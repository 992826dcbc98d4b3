/** The option that turns the audience check off, named so that it reads as what it does. */
const OPT_OUT = 'dangerouslyAcceptAnyAudience';

/**
 * The one audience rule of the project, for every verifier and guard that can check a token's
 * audience: the options must give the audience (`option`), or say
 * `dangerouslyAcceptAnyAudience: true`, not both and not neither. The MCP authorization spec says
 * a server MUST check that a token was issued for it (RFC 8707); a check left out by omission
 * would accept a token the same identity provider issued for another API. Throws a `TypeError`
 * naming `owner`, with `hint` saying what to pass; returns whether the check is on.
 *
 * @example
 * ```ts
 * // in a verifier's constructor
 * requireAudienceCheck(options, 'MyVerifier', 'audience', 'the MCP endpoint URL');
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 * @see https://modelcontextprotocol.io/specification/draft/basic/authorization#token-audience-binding-and-validation
 */
export function requireAudienceCheck(options: object, owner: string, option: string, hint: string): boolean {
  const record = options as Record<string, unknown>;
  const optOut = record[OPT_OUT];
  if (optOut !== undefined && optOut !== true) throw new TypeError(`${owner}: ${OPT_OUT} must be true when given`);
  const given = record[option] !== undefined;
  if (given && optOut === true) throw new TypeError(`${owner}: give ${option} or ${OPT_OUT}, not both`);
  if (!given && optOut !== true) {
    throw new TypeError(
      `${owner}: ${option} is required: an MCP server must refuse tokens issued for another API (RFC 8707). ` +
        `Pass ${hint}, or ${OPT_OUT}: true if the audience is checked elsewhere`,
    );
  }
  return given;
}
