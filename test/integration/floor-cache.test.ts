// The snapshot's reader keeps what it read between snapshots and fetches again only what the apply script wrote since
// (server/store/store.ts, FloorCache): it patches its agent listing in place (every agent's sums when the minute
// turns), makes it again when an agent comes, goes or changes team, and drops a logged-out agent after its hour.
// Whatever happens on the floor, what it returns must equal a fresh read of everything. Random but reproducible floors
// (seeded), real engine and Redis.
import { afterEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { AcdEventInput } from '../../shared/events.js';
import { dayPeriodStart } from '../../shared/time.js';
import { rollingWindowSpecs } from '../../server/metrics/snapshot.js';
import { Store } from '../../server/store/store.js';
import { ManualClock, startTestFloorwatch, type TestFloorwatch } from '../support/floorwatch.js';
import { newRedis } from '../support/redis.js';
import { Random } from '../../server/ingest/simulator/random.js';

let fw: TestFloorwatch | null = null;
let redis: Redis | null = null;
afterEach(async () => {
  await fw?.close();
  await redis?.quit();
  fw = null;
  redis = null;
});

/** A seeded uniform [0, 1) source: the simulator's PRNG. */
function rng(seed: number): () => number {
  const random = new Random(seed);
  return () => random.next();
}

const AGENTS = Array.from({ length: 12 }, (_, i) => `a${i}`);
const TEAMS = ['t1', 't2', 't3']; // t3 is not configured: it is listed through its agents
const QUEUES = ['q1', 'q2']; // q2 is not configured: it is listed once a call names it
const STATES = ['idle', 'ringing', 'talking', 'hold', 'wrap', 'outbound', 'not_ready'] as const;
const REASONS = ['break', 'lunch', 'training', 'smoke'];

type Body = AcdEventInput extends infer E ? (E extends unknown ? Omit<E, 'id' | 'ts'> : never) : never;

/** A few events on random agents and calls; any order is allowed (the engine takes what it is given). */
function someEvents(r: () => number, callSeq: { n: number }): Body[] {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const out: Body[] = [];
  for (let i = Math.floor(r() * 6); i > 0; i--) {
    const agentId = pick(AGENTS);
    const x = r();
    if (x < 0.15) out.push({ type: 'agent.login', agentId, teamId: pick(TEAMS), name: `Agent ${agentId}`, queues: r() < 0.5 ? [pick(QUEUES)] : [] });
    else if (x < 0.22) out.push({ type: 'agent.logout', agentId });
    else if (x < 0.7) {
      const state = pick(STATES);
      out.push(state === 'not_ready' ? { type: 'agent.state', agentId, state, reason: pick(REASONS) } : { type: 'agent.state', agentId, state });
    } else {
      const callId = `c${++callSeq.n}`;
      const queueId = pick(QUEUES);
      out.push({ type: 'call.queued', callId, queueId });
      if (r() < 0.6) out.push({ type: 'call.answered', callId, queueId, agentId }, { type: 'call.ended', callId, agentId });
      else if (r() < 0.5) out.push({ type: 'call.abandoned', callId, queueId });
    }
  }
  return out;
}

describe('the snapshot reader, reading only what changed', () => {
  for (const seed of [1, 2, 3]) {
    it(`returns what a fresh read of everything returns, step after step (seed ${seed})`, async () => {
      const r = rng(seed);
      // 22:50 UTC: the run crosses midnight, where the "today" buckets start again
      const clock = new ManualClock(Date.parse('2026-05-04T22:50:00Z'));
      fw = await startTestFloorwatch({ site: { dayResetTime: '00:00' }, teams: [{ id: 't1' }, { id: 't2' }], queues: [{ id: 'q1' }], push: { intervalMs: 3_600_000 } }, {}, { clock });
      redis = newRedis();
      const options = { keyPrefix: fw.prefix, replay: false, latenessMs: 60_000, dedupeSeconds: 300, maxWaitMs: 4 * 3_600_000, seriesKeepHours: 48 };
      const read = (store: Store) => {
        const now = clock.now();
        return store.readFloor(() => ({ now, dayStart: dayPeriodStart(now, 'UTC', 0) }), rollingWindowSpecs(), ['q1'], ['t1', 't2']);
      };
      const callSeq = { n: 0 };
      let n = 0;
      for (let step = 0; step < 70; step++) {
        // mostly seconds to a minute and a half; now and then a long quiet spell (logged-out agents' hours run out)
        clock.advance(r() < 0.1 ? Math.floor(r() * 40 * 60_000) : Math.floor(r() * 90_000));
        const events = someEvents(r, callSeq);
        if (events.length) {
          // now and then a batch stamped up to two minutes ahead of the clock (accepted): the rings then hold minutes
          // the reader has not reached yet
          const ts = clock.now() + (r() < 0.15 ? Math.floor(r() * 120_000) : 0);
          const res = await fw.post(events.map((e) => ({ ...e, id: `e${++n}`, ts })));
          expect(res.status).toBe(200);
          expect(res.body.accepted + res.body.duplicates + res.body.late).toBe(events.length);
        }
        // two reads at once take turns and both see the floor as it is
        const [a, b] = await Promise.all([read(fw.store), read(fw.store)]);
        const expected = await read(new Store(redis, options));
        expect(a).toEqual(expected);
        expect(b).toEqual(expected);
      }
    });
  }
});
