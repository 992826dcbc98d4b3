/**
 * `console`, winston and pino as the `logger` option, as the README shows them: each line arrives
 * with its message and its fields (`event`, `source`, `reason`).
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import winston from 'winston';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBearerGuard, type Logger } from '../../src/index.js';

const RESOURCE = 'http://127.0.0.1:9999/mcp';

/** A guard that refuses one token with `logger` and returns after the line is written. */
async function refuseOnce(logger: Logger): Promise<void> {
  const guard = createBearerGuard({ verifier: { verifyToken: async () => null }, expectedResource: RESOURCE, logger });
  const response = await guard(new Request(RESOURCE, { headers: { authorization: 'Bearer abcdefghijklmnop' } }));
  expect((response as Response).status).toBe(401);
}

/** A stream that keeps each JSON line written to it. */
function jsonLines(): { stream: Writable; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { stream, lines };
}

afterEach(() => vi.restoreAllMocks());

describe('loggers that fit the logger option', () => {
  it('console as it is', async () => {
    const debug = vi.spyOn(console, 'debug').mockImplementation(() => undefined);
    await refuseOnce(console);
    expect(debug).toHaveBeenCalledWith(
      'createBearerGuard: invalid_token: The access token is invalid or expired',
      expect.objectContaining({ event: 'token_refused', source: 'createBearerGuard', reason: 'invalid_token' }),
    );
  });

  it('winston as it is: the fields become the line’s metadata', async () => {
    const { stream, lines } = jsonLines();
    const logger = winston.createLogger({
      level: 'debug',
      format: winston.format.json(),
      transports: [new winston.transports.Stream({ stream })],
    });
    await refuseOnce(logger);
    await vi.waitFor(() => expect(lines).toHaveLength(1));
    expect(lines[0]).toMatchObject({
      level: 'debug',
      message: 'createBearerGuard: invalid_token: The access token is invalid or expired',
      event: 'token_refused',
      reason: 'invalid_token',
    });
  });

  it('pino through the four-line wrapper (pino takes the fields first)', async () => {
    const { stream, lines } = jsonLines();
    const log = pino({ level: 'debug' }, stream);
    const logger: Logger = {
      debug: (message, fields) => log.debug(fields, message),
      info: (message, fields) => log.info(fields, message),
      warn: (message, fields) => log.warn(fields, message),
      error: (message, fields) => log.error(fields, message),
    };
    await refuseOnce(logger);
    await vi.waitFor(() => expect(lines).toHaveLength(1));
    expect(lines[0]).toMatchObject({
      level: 20,
      msg: 'createBearerGuard: invalid_token: The access token is invalid or expired',
      event: 'token_refused',
      reason: 'invalid_token',
    });
  });
});
