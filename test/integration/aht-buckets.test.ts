// The AHT run rules' bucket reads against a real redis-server: buckets whose end is older than the lateness are read
// once and kept, newer ones are read every time, and a change of the store's history (a backfill, a cleared store)
// forgets what was kept. Buckets are written straight into Redis here, so a kept value shows up as the old one.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AhtBuckets } from '../../server/series.js';
import { Store } from '../../server/store/store.js';
import { deletePrefix, newRedis, randomPrefix } from '../support/redis.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 4, 4, 6, 0, 0); // buckets at 06:00, 06:15, 06:30
const STARTS = [T0, T0 + 15 * MIN, T0 + 30 * MIN];

let redis: Redis;
const prefix = randomPrefix();
beforeAll(() => {
  redis = newRedis();
});
afterAll(async () => {
  await deletePrefix(redis, prefix);
  await redis.quit();
});

it('keeps settled buckets, reads unsettled ones again, and forgets all when the history changes', async () => {
  const store = new Store(redis, { keyPrefix: prefix, replay: false, latenessMs: 60_000, dedupeSeconds: 300, maxWaitMs: 4 * 3_600_000, seriesKeepHours: 48 });
  const bucket = (start: number) => store.keys.intervalBucket('q', 'q1', start);
  const setEnded = (start: number, end: number) => redis.hset(bucket(start), 'end', end, 'hand', end * 100_000);
  await setEnded(STARTS[0]!, 1);
  await setEnded(STARTS[1]!, 2);
  await setEnded(STARTS[2]!, 3);
  const buckets = new AhtBuckets(store);
  const ended = async (settledBefore: number, history: string) => {
    const read = (await buckets.read('q', ['q1'], STARTS, settledBefore, history)).get('q1')!;
    return STARTS.map((s) => read.get(s)?.end ?? null);
  };

  // now 06:31 with 60 s lateness: settled before 06:30, so 06:00-06:15 and 06:15-06:30 are kept, 06:30 is not
  const settledBefore = T0 + 30 * MIN;
  expect(await ended(settledBefore, 'h1')).toEqual([1, 2, 3]);
  await setEnded(STARTS[0]!, 10); // cannot happen to a settled bucket short of a backfill: shows it is not read again
  await setEnded(STARTS[2]!, 30); // the running bucket moves on
  expect(await ended(settledBefore, 'h1')).toEqual([1, 2, 30]);

  // a bucket with no data that is settled is kept as empty too
  await redis.del(bucket(STARTS[1]!));
  expect(await ended(settledBefore, 'h1')).toEqual([1, 2, 30]);

  // a backfill changes the history: everything is read again
  expect(await ended(settledBefore, 'h2')).toEqual([10, null, 30]);
  await setEnded(STARTS[1]!, 20);
  expect(await ended(settledBefore, 'h2')).toEqual([10, null, 30]);
});

it('a backfill (lateness waived) changes the store history; events in time do not', async () => {
  const p = randomPrefix();
  const store = new Store(redis, { keyPrefix: p, replay: false, latenessMs: 60_000, dedupeSeconds: 300, maxWaitMs: 4 * 3_600_000, seriesKeepHours: 48 });
  try {
    const event = (id: string, ts: number) => ({ id, ts, type: 'call.queued' as const, callId: id, queueId: 'q1', days: [0, 0, 0] as [number, number, number], T: 20_000, S: 5_000 });
    await store.apply([event('e1', T0)], T0);
    const before = (await store.readMeta()).history;
    await store.apply([event('e2', T0 + 1000)], T0 + 1000);
    expect((await store.readMeta()).history).toBe(before);
    expect(await store.apply([event('e3', T0 - 3_600_000)], T0 + 1000, true)).toEqual(['applied']);
    expect((await store.readMeta()).history).not.toBe(before);
  } finally {
    await deletePrefix(redis, p);
  }
});
