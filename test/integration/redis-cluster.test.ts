// Scale-out on a Redis Cluster: with REDIS_CLUSTER naming the seed nodes, `edocwatch sync` runs its
// sync and analyze queues on a real three-master cluster, and every key of the queues lands in one
// hash slot (the queue prefix's hash tag), so no multi-key command of BullMQ crosses slots.
import { Cluster } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureImapUser } from '../../src/devenv/dovecot.js';
import { clusterNode } from '../../src/queue/queues.js';
import { spawnCli } from '../helpers/cli.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';
import { addDevMailbox, appendMail } from '../helpers/mailbox.js';
import { startRedisCluster, type RedisCluster } from '../helpers/redis-cluster.js';

const USER = 'it-redis-cluster';
const PASSWORD = 'redis-cluster-pw';
const N = 12;

describe('the queues on a Redis Cluster', () => {
  let t: TestEnv;
  let rc: RedisCluster;
  let db: pg.Client;

  beforeAll(async () => {
    rc = await startRedisCluster();
    t = await createTestEnv('redis_cluster');
    t.env.REDIS_URL = `redis://${rc.nodes[0]}`;
    t.env.REDIS_CLUSTER = rc.nodes.join(',');
    t.env.EDOCWATCH_ANALYZE_PROCESSES = '1';
    await ensureImapUser(USER, PASSWORD, { reset: true });
    await appendMail(
      USER,
      PASSWORD,
      'INBOX',
      Array.from({ length: N }, (_, k) =>
        Buffer.from(
          `From: sgtvt@sonminh.gov.vn\r\nTo: stc@sonminh.gov.vn\r\nSubject: Cong van ${k + 1}/SGTVT-KHTC\r\nMessage-ID: <rc-${k + 1}@sgtvt.sonminh.gov.vn>\r\n` +
            `Date: Tue, 18 Aug 2026 09:00:00 +0700\r\n\r\nSo Giao thong van tai gui Cong van so ${k + 1}/SGTVT-KHTC.\r\n`,
        ),
      ),
    );
    await addDevMailbox(t, { user: USER, password: PASSWORD, agency: '000.00.03.H30' });
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
  }, 60_000);

  afterAll(async () => {
    await db?.end();
    await rc?.stop();
  });

  it('syncs and analyzes every message through the cluster, with every queue key in one slot', async () => {
    const r = await spawnCli(['sync'], t.env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const states = await db.query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM messages GROUP BY state');
    expect(states.rows).toEqual([{ state: 'analyzed', n: N }]);

    const cluster = new Cluster(rc.nodes.map(clusterNode));
    try {
      await new Promise((resolve) => cluster.once('ready', resolve));
      const prefix = t.env.EDOCWATCH_QUEUE_PREFIX as string;
      const keys: string[] = [];
      for (const node of cluster.nodes('master')) {
        let cursor = '0';
        do {
          const [next, batch] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
          keys.push(...batch);
          cursor = next;
        } while (cursor !== '0');
      }
      // At least the queues' meta and event streams of sync and analyze.
      expect(keys.filter((k) => /:(sync|analyze):(meta|events)$/.test(k)).length).toBe(4);
      const slots = new Set<number>();
      for (const k of keys) slots.add(Number(await cluster.call('CLUSTER', 'KEYSLOT', k)));
      expect(slots.size).toBe(1);
    } finally {
      await cluster.quit();
    }
  }, 90_000);
});
