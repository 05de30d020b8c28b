// socket.io push with real clients: a snapshot on connect, an update after events, and a resync after the server
// restarts on the same port.
import { afterEach, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import type { Snapshot } from '../../shared/snapshot.js';
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/socket.js';
import { ManualClock, TEST_TOKENS, startTestFloorwatch, type TestFloorwatch } from '../support/floorwatch.js';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Resolves with the first snapshot pushed to `client` that satisfies `test`. */
function nextSnapshot(client: Client, test: (s: Snapshot) => boolean, timeoutMs = 10_000): Promise<Snapshot> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no matching snapshot pushed')), timeoutMs);
    const on = (s: Snapshot) => {
      if (!test(s)) return;
      clearTimeout(timer);
      client.off('snapshot', on);
      resolve(s);
    };
    client.on('snapshot', on);
  });
}

const waitingIn = (s: Snapshot, queueId: string) => s.queues.find((q) => q.queueId === queueId)?.waiting ?? 0;

describe('socket.io push', () => {
  it('sends a snapshot on connect and pushes changes to every client', async () => {
    const fw: TestFloorwatch = await startTestFloorwatch({ queues: [{ id: 'pq' }] });
    cleanups.push(() => fw.close());
    const clients = [0, 1, 2].map(() => io(fw.url, { transports: ['websocket'], auth: { token: TEST_TOKENS.supervisor } }) as Client);
    cleanups.push(() => clients.forEach((c) => c.close()));
    const first = await Promise.all(clients.map((c) => nextSnapshot(c, () => true)));
    for (const s of first) expect(waitingIn(s, 'pq')).toBe(0);

    const updated = clients.map((c) => nextSnapshot(c, (s) => waitingIn(s, 'pq') === 2));
    const sentAt = Date.now();
    await fw.post([
      { id: 'p1', ts: sentAt, type: 'call.queued', callId: 'c1', queueId: 'pq' },
      { id: 'p2', ts: sentAt, type: 'call.queued', callId: 'c2', queueId: 'pq' },
    ]);
    const snaps = await Promise.all(updated);
    for (const s of snaps) expect(s.queues.find((q) => q.queueId === 'pq')!.oldestQueuedAt).toBe(new Date(sentAt).toISOString());
  });

  it('with no new events, pushes again when the feed goes stale, and not while nothing changed', async () => {
    // Replay clock: "now" is the latest event's time, so with no events the figures stand still; the feed's
    // staleness follows the wall clock (a pinned one here).
    const T0 = Date.parse('2026-05-04T09:00:00Z');
    const wall = new ManualClock(T0);
    const fw = await startTestFloorwatch({ queues: [{ id: 'pq' }], push: { intervalMs: 50 }, ingest: { feedStaleSeconds: 30 } }, { FLOORWATCH_CLOCK: 'replay' }, { clock: wall });
    cleanups.push(() => fw.close());
    await fw.post([{ id: 'r1', ts: T0, type: 'call.queued', callId: 'c1', queueId: 'pq' }]);
    const client = io(fw.url, { transports: ['websocket'], auth: { token: TEST_TOKENS.supervisor } }) as Client;
    cleanups.push(() => client.close());
    await nextSnapshot(client, (s) => waitingIn(s, 'pq') === 1);
    await new Promise((r) => setTimeout(r, 300)); // the hub's first ticks push what the events changed
    const pushed: Snapshot[] = [];
    client.on('snapshot', (s) => pushed.push(s));

    wall.advance(2_000); // past the 1-s idle refresh: recomputed, the same figures, not pushed
    await new Promise((r) => setTimeout(r, 400));
    expect(pushed).toEqual([]);

    wall.advance(40_000); // no event for 42 s > 30 s: the feed is stale, pushed although "now" did not move
    const stale = await nextSnapshot(client, (s) => s.feed.stale);
    expect(stale.generatedAt).toBe(new Date(T0).toISOString());
  });

  it('answers snapshot:get with the current snapshot', async () => {
    const fw = await startTestFloorwatch({ site: { name: 'Ack Site' } });
    cleanups.push(() => fw.close());
    const client = io(fw.url, { transports: ['websocket'], auth: { token: TEST_TOKENS.supervisor } }) as Client;
    cleanups.push(() => client.close());
    const snap = await new Promise<Snapshot>((resolve) => client.emit('snapshot:get', resolve));
    expect(snap.site.name).toBe('Ack Site');
  });

  it('reconnects by itself after a server restart and gets the state, kept in Redis, again', async () => {
    const fw = await startTestFloorwatch({ queues: [{ id: 'rq' }] });
    const client = io(fw.url, { transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 200, auth: { token: TEST_TOKENS.supervisor } }) as Client;
    cleanups.push(() => client.close());
    await nextSnapshot(client, () => true);
    await fw.post([{ id: 'r1', ts: Date.now(), type: 'call.queued', callId: 'x', queueId: 'rq' }]);
    await nextSnapshot(client, (s) => waitingIn(s, 'rq') === 1);

    const disconnected = new Promise((r) => client.once('disconnect', r));
    await fw.stop(); // the process's memory is gone; Redis keeps the state
    await disconnected;
    const restarted = await startTestFloorwatch({ queues: [{ id: 'rq' }] }, { PORT: String(fw.port) }, { prefix: fw.prefix, usersFile: fw.usersFile });
    cleanups.push(() => restarted.close());
    const after = await nextSnapshot(client, (s) => waitingIn(s, 'rq') === 1);
    expect(after.queues.find((q) => q.queueId === 'rq')!.waiting).toBe(1);
  });
});
