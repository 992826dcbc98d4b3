import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncryptingStore, deriveJwtKey, type OAuthToken } from '../../src/index.js';
import { FileStore } from '../../src/node.js';
import { codeFor, direct, form, redeem } from '../authorization-server/fixtures.js';

describe('authorization server on a FileStore, across a restart', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'as-restart-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('keeps registered clients and refresh tokens (a new process on the same encrypted file)', async () => {
    const path = join(dir, 'auth.json');
    const key = await deriveJwtKey({ highEntropyMaterial: 'restart-secret-0123456789abcdef-0123456789' }, 'restart');
    const open = () => new EncryptingStore({ store: new FileStore({ path }), key });

    const before = direct({ store: open() });
    const { client, code, verifier } = await codeFor(before);
    const issued = await redeem(before, client.client_id, code, verifier);
    expect(issued.status).toBe(200);
    const tokens = (await issued.json()) as OAuthToken;
    expect(tokens.refresh_token).toBeTruthy();

    // Nothing readable on disk: neither the refresh token nor the client id.
    const onDisk = await readFile(path, 'utf8');
    expect(onDisk).not.toContain(tokens.refresh_token!);
    expect(onDisk).not.toContain(client.client_id);

    const after = direct({ store: open() });
    expect(await after.provider.getClient(client.client_id)).toMatchObject({ client_id: client.client_id });
    const refreshed = await after.fetch(
      '/token',
      form({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: client.client_id }),
    );
    expect(refreshed.status).toBe(200);
    const rotated = (await refreshed.json()) as OAuthToken;
    expect(await after.provider.loadAccessToken(rotated.access_token)).not.toBeNull();
    // The code stays consumed after the restart.
    expect((await redeem(after, client.client_id, code, verifier)).status).toBe(400);
  });
});
