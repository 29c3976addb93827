// addManyOnce on a real Redis with BullMQ: the rule of addOnce for every job (a waiting job is left
// as it is, a failed one removed and added again, a missing one added), in bulk.
import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addManyOnce, addOnce, redisConnection } from '../../src/queue/queues.js';

const suffix = (process.env.EDOCWATCH_TEST_SUFFIX ?? '').replace(/[^a-z0-9_]/gi, '');
const prefix = `{edocwatch-test-add-once${suffix ? `-${suffix}` : ''}-${randomBytes(4).toString('hex')}}`;
const connection = redisConnection({ redisUrl: 'redis://127.0.0.1:6379', redisCluster: [] }).connection;

describe('addManyOnce', () => {
  let queue: Queue<{ v: string }>;

  beforeAll(async () => {
    queue = new Queue<{ v: string }>('analyze', { connection, prefix });
    // msg-2 fails for good (one attempt), by a worker that throws.
    await queue.add('analyze', { v: 'old' }, { jobId: 'msg-2', attempts: 1 });
    const worker = new Worker<{ v: string }>(
      'analyze',
      async () => {
        throw new Error('boom');
      },
      { connection, prefix },
    );
    const failed = new Promise<void>((resolve) => worker.on('failed', () => resolve()));
    await failed;
    await worker.close();
    expect(await queue.getJobState('msg-2')).toBe('failed');
    await addOnce(queue, 'analyze', { v: 'old' }, 'msg-1');
  });

  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
  });

  it('keeps the waiting job, adds the failed one again and the missing one', async () => {
    const jobs = ['msg-1', 'msg-2', 'msg-3'].map((jobId) => ({ jobId, data: { v: 'new' } }));
    expect(await addManyOnce(queue, 'analyze', jobs, 2)).toBe(2);
    const got = await Promise.all(['msg-1', 'msg-2', 'msg-3'].map(async (id) => ({ id, state: await queue.getJobState(id), v: (await queue.getJob(id))?.data.v })));
    expect(got).toEqual([
      { id: 'msg-1', state: 'waiting', v: 'old' },
      { id: 'msg-2', state: 'waiting', v: 'new' },
      { id: 'msg-3', state: 'waiting', v: 'new' },
    ]);
    expect(await addManyOnce(queue, 'analyze', jobs)).toBe(0);
    expect(await queue.getWaitingCount()).toBe(3);
  });
});
