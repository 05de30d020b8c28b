// The real AMI adapter, fed by a fake Asterisk over TCP, into the real engine and Redis: the snapshot afterwards is
// what the transcript implies.
import { afterEach, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../shared/snapshot.js';
import { BANNER, acceptLogin, answerQueueStatus, crlf, fakeAsterisk, type Server } from '../support/fake-asterisk.js';
import { ManualClock, startTestFloorwatch, type TestFloorwatch } from '../support/floorwatch.js';

const QUEUE = 'xxxxxxxxxxxxxxxx-tous'; // the queue in the recorded QueueStatus reply (panoramisk, MIT)
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const frame = (fields: Record<string, string | number>) => crlf(Object.entries(fields).map(([k, v]) => `${k}: ${v}`).join('\n') + '\n\n');

describe('AMI into the engine', () => {
  it('shows the members of the QueueStatus resync and the calls that follow', async () => {
    // The service clock is pinned: the resync (QueueMember frames carry no time) happens at t0, the events that follow
    // carry Timestamps t0+5 .. t0+45 s, and the snapshot is taken at t0+60 s.
    const t0 = 1_780_000_000; // AMI Timestamp: seconds
    const clock = new ManualClock(t0 * 1000);
    let server: Server | null = null;
    const fake = await fakeAsterisk(async (conn) => {
      conn.write(BANNER);
      await acceptLogin(conn);
      await answerQueueStatus(conn);
      // In time order: caller 1 joins, caller 2 joins, agent id-9 answers caller 1 after 12 s, caller 3 joins and
      // waits, id-3 goes on a break, caller 2 hangs up after 40 s.
      conn.write(frame({ Event: 'QueueCallerJoin', Timestamp: t0, Queue: QUEUE, Uniqueid: '1000.1', Position: 1, Count: 1 }));
      conn.write(frame({ Event: 'QueueCallerJoin', Timestamp: t0 + 5, Queue: QUEUE, Uniqueid: '1000.2', Position: 2, Count: 2 }));
      conn.write(frame({ Event: 'AgentConnect', Timestamp: t0 + 12, Queue: QUEUE, Uniqueid: '1000.1', Interface: 'Local/id-9@agentcallback', MemberName: 'Agent/220', HoldTime: 12, RingTime: 2 }));
      conn.write(frame({ Event: 'QueueCallerJoin', Timestamp: t0 + 20, Queue: QUEUE, Uniqueid: '1000.3', Position: 2, Count: 2 }));
      conn.write(frame({ Event: 'QueueMemberPause', Timestamp: t0 + 25, Queue: QUEUE, Interface: 'Local/id-3@agentcallback', MemberName: 'Agent/213', Paused: 1, PausedReason: 'break' }));
      conn.write(frame({ Event: 'QueueCallerAbandon', Timestamp: t0 + 45, Queue: QUEUE, Uniqueid: '1000.2', Position: 1, OriginalPosition: 2, HoldTime: 40 }));
    });
    server = fake.server;
    cleanups.push(() => server!.close());
    const fw: TestFloorwatch = await startTestFloorwatch(
      { sources: { ami: { host: '127.0.0.1', port: fake.port, username: 'floorwatch', secret: 's3cret' } } },
      { FLOORWATCH_SIMULATOR: 'off' },
      { clock },
    );
    cleanups.push(() => fw.close());

    let snap: Snapshot | null = null;
    for (let i = 0; i < 100 && (snap?.floor.loggedIn ?? 0) < 6; i++) {
      snap = await fw.snapshots.compute();
      await new Promise((r) => setTimeout(r, 50));
    }
    clock.set((t0 + 60) * 1000);
    for (let i = 0; i < 100; i++) {
      snap = await fw.snapshots.compute();
      const q = snap.queues.find((x) => x.queueId === QUEUE);
      if (q && q.waiting === 1 && q.windows['15m'].answered === 1 && q.windows['15m'].abandoned === 1 && snap.teams[0]?.onBreak === 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const q = snap!.queues.find((x) => x.queueId === QUEUE)!;
    expect(q.waiting).toBe(1);
    expect(q.oldestQueuedAt).toBe(new Date((t0 + 20) * 1000).toISOString());
    expect(q.windows['15m']).toMatchObject({ entered: 3, answered: 1, abandoned: 1, asaSeconds: 12, serviceLevel: 0.5 });
    // Six members, all in the queue's team: id-9 talking, id-3 on break, the unavailable paused one not ready.
    const team = snap!.teams.find((t) => t.teamId === QUEUE)!;
    expect(team.loggedIn).toBe(6);
    expect(team.onBreak).toBe(1);
    expect(team.byState).toMatchObject({ talking: 1, idle: 3, not_ready: 2 });
    const health = await fw.get<{ sources: Record<string, { connected: boolean; eventsTotal: number }> }>('/api/health');
    expect(health.sources.ami!.connected).toBe(true);
    expect(health.sources.ami!.eventsTotal).toBeGreaterThan(10);
  });
});
