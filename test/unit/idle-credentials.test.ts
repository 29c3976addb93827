// An IDLE watcher whose credential is refused (a dead refresh token) does not hammer the provider:
// it waits the long credential delay, not the reconnect backoff, and stop() cuts that wait short.
// No network: the settings function fails before any connection.
import { describe, expect, it } from 'vitest';
import { IdleWatcher } from '../../src/imap/idle.js';
import { createLogger } from '../../src/logger.js';
import { OAuthError } from '../../src/oauth2/token.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('IDLE watcher after a refused credential', () => {
  it('waits credentialRetryMs before asking again, and stops at once', async () => {
    let asked = 0;
    const w = new IdleWatcher(
      async () => {
        asked++;
        throw new OAuthError('E_IMAP_OAUTH', 'OAuth2 bị từ chối / OAuth2 token refresh refused by https://idp.example/token: invalid_grant', 'invalid_grant');
      },
      () => undefined,
      createLogger('silent'),
      { maxIdleMs: 60_000, maxBackoffMs: 10, random: () => 0, credentialRetryMs: 300 },
    );
    w.start();
    await sleep(150);
    // The reconnect backoff (≤ 10 ms here) would have asked many times by now.
    expect(asked).toBe(1);
    await sleep(300);
    expect(asked).toBe(2);
    const t0 = Date.now();
    await w.stop();
    expect(Date.now() - t0).toBeLessThan(100);
    expect(asked).toBe(2);
  });

  it('uses the short backoff for other failures', async () => {
    let asked = 0;
    const w = new IdleWatcher(
      async () => {
        asked++;
        throw new OAuthError('E_IMAP_OAUTH_UNREACHABLE', 'cannot reach the OAuth2 token endpoint https://idp.example/token: ECONNREFUSED');
      },
      () => undefined,
      createLogger('silent'),
      // backoffMs(attempt, 20) with random 0 waits 10 ms.
      { maxIdleMs: 60_000, maxBackoffMs: 20, random: () => 0, credentialRetryMs: 60_000 },
    );
    w.start();
    await sleep(200);
    await w.stop();
    expect(asked).toBeGreaterThan(3);
  });
});
