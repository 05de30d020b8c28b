// Redis Stream input with a consumer group: batches applied then acknowledged; a process killed mid-stream is
// replaced and the totals come out exact (nothing lost, nothing counted twice).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../shared/snapshot.js';
import { TEST_TOKENS, bearer, startTestFloorwatch, type TestFloorwatch } from '../support/floorwatch.js';
import { deletePrefix, newRedis, randomPrefix, redisUrl } from '../support/redis.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A stream of n call.queued entries under a new key prefix (deleted after the test), and a connection to it. */
async function queuedCalls(n: number, queueOf: (i: number) => string) {
  const prefix = randomPrefix();
  const key = `${prefix}:events`;
  const r = newRedis();
  cleanups.push(async () => {
    await deletePrefix(r, prefix);
    await r.quit();
  });
  const now = Date.now();
  await xaddAll(key, Array.from({ length: n }, (_, i) => ({ id: `k${i}`, ts: now + (i % 1000), type: 'call.queued', callId: `call-${i}`, queueId: queueOf(i) })));
  return { prefix, key, r };
}

async function xaddAll(key: string, events: unknown[]) {
  const r = newRedis();
  for (let i = 0; i < events.length; i += 1000) {
    const p = r.pipeline();
    for (const e of events.slice(i, i + 1000)) p.xadd(key, '*', 'event', JSON.stringify(e));
    await p.exec();
  }
  await r.quit();
}

describe('Redis Stream ingest', () => {
  it('applies entries from the stream, rejects bad ones with a reason, and acknowledges all', async () => {
    const fw: TestFloorwatch = await startTestFloorwatch();
    cleanups.push(() => fw.close());
    const key = `${fw.prefix}:events`;
    const now = Date.now();
    const r = newRedis();
    cleanups.push(() => r.quit());
    await r.xadd(key, '*', 'event', JSON.stringify({ id: 's1', ts: now, type: 'call.queued', callId: 'a', queueId: 'sq' }));
    await r.xadd(key, '*', 'event', '{not json');
    await r.xadd(key, '*', 'other', 'field');
    await r.xadd(key, '*', 'event', JSON.stringify({ id: 's2', ts: now, type: 'call.queued', callId: 'b', queueId: 'sq' }));
    await r.xadd(key, '*', 'event', JSON.stringify({ id: 's1', ts: now, type: 'call.queued', callId: 'a', queueId: 'sq' }));
    const snap = await waitFor('two calls waiting', async () => {
      const s = await fw.snapshots.compute();
      return s.ingest.accepted + s.ingest.duplicates + s.ingest.rejected >= 5 ? s : undefined;
    });
    expect(snap.queues.find((q) => q.queueId === 'sq')!.waiting).toBe(2);
    expect(snap.ingest).toMatchObject({ accepted: 2, duplicates: 1, rejected: 2 });
    const pending = (await r.xpending(key, 'floorwatch')) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
  });

  it('parks an entry that keeps failing to apply in the dead-letter stream and applies the rest', async () => {
    const fw: TestFloorwatch = await startTestFloorwatch();
    cleanups.push(() => fw.close());
    const key = `${fw.prefix}:events`;
    const r = newRedis();
    cleanups.push(() => r.quit());
    // A corrupted key: agent "broken" is a string, so any event for that agent fails inside Redis (WRONGTYPE).
    await r.set(`${fw.prefix}:agent:broken`, 'not a hash');
    const now = Date.now();
    await r.xadd(key, '*', 'event', JSON.stringify({ id: 'd1', ts: now, type: 'call.queued', callId: 'a', queueId: 'dq' }));
    await r.xadd(key, '*', 'event', JSON.stringify({ id: 'd2', ts: now, type: 'agent.state', agentId: 'broken', state: 'idle' }));
    await r.xadd(key, '*', 'event', JSON.stringify({ id: 'd3', ts: now, type: 'call.queued', callId: 'b', queueId: 'dq' }));
    const dead = await waitFor('a dead letter', async () => {
      const entries = await r.xrange(`${key}:dead`, '-', '+');
      return entries.length > 0 ? entries : undefined;
    });
    expect(dead).toHaveLength(1);
    const fields = dead[0]![1];
    expect(fields[fields.indexOf('reason') + 1]).toMatch(/WRONGTYPE/);
    expect(JSON.parse(fields[fields.indexOf('event') + 1]!)).toMatchObject({ id: 'd2' });
    const snap = await fw.snapshots.compute();
    expect(snap.queues.find((q) => q.queueId === 'dq')!.waiting).toBe(2);
    const pending = (await r.xpending(key, 'floorwatch')) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
    const health = await fw.get<{ sources: { stream: { detail: { deadLettered: number } } } }>('/api/health');
    expect(health.sources.stream.detail.deadLettered).toBe(1);
    const listed = await fw.get<{ entries: { entry: string; reason: string; event: string }[] }>('/api/dead-letters');
    expect(listed.entries).toHaveLength(1);
    expect(listed.entries[0]!.reason).toMatch(/WRONGTYPE/);
    expect(JSON.parse(listed.entries[0]!.event)).toMatchObject({ id: 'd2', agentId: 'broken' });
  });

  it('counts each entry once when a consumer stops with batches in hand and the next read ahead, and starts again', async () => {
    const N = 20_000;
    const { prefix, key, r } = await queuedCalls(N, () => 'q');
    const accepted = async () => Number((await r.hget(`${prefix}:meta`, 'accepted')) ?? 0);
    const config = { ingest: { stream: { batchSize: 50 } } };
    const first = await startTestFloorwatch(config, {}, { prefix, consumerName: 'c1' });
    await waitFor('some batches applied', async () => ((await accepted()) >= 2_000 ? true : undefined));
    await first.stop(); // (close would delete the keys too)
    const before = await accepted();
    expect(before).toBeLessThan(N); // stopped mid-stream
    // what c1 read and did not acknowledge (batches in hand, the one read ahead) is pending for c1 alone
    const pending = (await r.xpending(key, 'floorwatch', '-', '+', N)) as [string, string, number, number][];
    expect(pending.every(([, consumer]) => consumer === 'c1')).toBe(true);
    const again = await startTestFloorwatch(config, {}, { prefix, consumerName: 'c1' });
    cleanups.push(() => again.close());
    await waitFor('every entry applied, none pending', async () =>
      (await accepted()) >= N && ((await r.xpending(key, 'floorwatch')) as [number])[0] === 0 ? true : undefined,
    );
    // an entry applied whose acknowledgement the stop cut off comes again and is a duplicate: counted once
    expect(await accepted()).toBe(N);
    const q = (await again.snapshots.compute()).queues.find((x) => x.queueId === 'q')!;
    expect(q.waiting).toBe(N);
  });

  it('loses and double-counts nothing when the consuming process is killed mid-stream', async () => {
    const N = 100_000, QUEUES = 8;
    const { prefix, key, r } = await queuedCalls(N, (i) => `q${i % QUEUES}`);

    const config = JSON.stringify({ site: { timeZone: 'UTC' }, redis: { keyPrefix: prefix }, ingest: { stream: { key, batchSize: 100, claimIdleMs: 300 } } });
    const children: ChildProcess[] = [];
    cleanups.push(async () => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL')));
    async function startChild(name: string) {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/child-server.ts'], {
        env: { ...process.env, REDIS_URL: redisUrl(), FW_TEST_CONFIG: config, FW_CONSUMER: name, FLOORWATCH_SUPERVISOR_TOKEN: TEST_TOKENS.supervisor },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(child);
      const [line] = (await once(child.stdout!, 'data')) as [Buffer];
      return { child, port: Number(/listening (\d+)/.exec(String(line))![1]) };
    }
    const accepted = async () => Number((await r.hget(`${prefix}:meta`, 'accepted')) ?? 0);

    const first = await startChild('first');
    await waitFor('some events applied', async () => ((await accepted()) > N / 10 ? true : undefined));
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    const partial = await accepted();
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(N); // killed mid-stream, not after the end

    const second = await startChild('second');
    const snap = await waitFor('every event applied', async () => {
      const s = (await (await fetch(`http://127.0.0.1:${second.port}/api/snapshot`, { headers: bearer(TEST_TOKENS.supervisor) })).json()) as Snapshot;
      return s.ingest.accepted >= N && (await r.xpending(key, 'floorwatch') as [number])[0] === 0 ? s : undefined;
    }, 60_000);
    expect(snap.ingest.accepted).toBe(N);
    // Acknowledged entries are trimmed as the consumer goes: the stream does not keep all 100,000.
    expect(await r.xlen(key)).toBeLessThan(N / 2);
    for (let q = 0; q < QUEUES; q++) {
      const queue = snap.queues.find((x) => x.queueId === `q${q}`)!;
      expect(queue.waiting).toBe(N / QUEUES);
      expect(queue.windows.today.entered).toBe(N / QUEUES);
    }
  }, 180_000);
});
