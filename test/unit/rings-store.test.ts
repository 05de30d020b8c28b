// The apply script's minute rings and agent records against a real redis-server: ring sums against a reference worked
// out here, the rings' allocation, agent hashes that stay listpacks with their timeline in <= 64-byte chunks, and agent
// records of the previous layout (timeline in one `tl` field).
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AcdEventInput } from '../../shared/events.js';
import { buildConfig } from '../../server/config.js';
import { Ingest } from '../../server/ingest/pipeline.js';
import { keyBuilder } from '../../server/store/keys.js';
import { RING_LAYOUT, RING_SLOTS, ringDay, ringTop, sumRing } from '../../server/store/rings.js';
import { Store } from '../../server/store/store.js';
import { deletePrefix, newRedis, randomPrefix } from '../support/redis.js';
import { Random } from '../../server/ingest/simulator/random.js';

/** An event without its id (post adds it); Omit over each member of the union. */
type EventBody = AcdEventInput extends infer E ? (E extends unknown ? Omit<E, 'id'> : never) : never;

const MIN = 60_000;
const T0 = Date.UTC(2026, 4, 4, 6, 0, 0);

let redis: Redis;
const prefixes: string[] = [];
beforeAll(() => {
  redis = newRedis();
});
afterAll(async () => {
  for (const p of prefixes) await deletePrefix(redis, p);
  await redis.quit();
});

/** A store on the replay clock (lateness 60 s) and a way to post events to it. */
function floor() {
  const prefix = randomPrefix();
  prefixes.push(prefix);
  const config = buildConfig(
    { site: { timeZone: 'UTC' }, redis: { keyPrefix: prefix }, reasonCategories: { break: 'break' }, ingest: { stream: { key: `${prefix}:events` } } },
    { PORT: '0', FLOORWATCH_SIMULATOR: 'off', FLOORWATCH_CLOCK: 'replay' },
  );
  const store = new Store(redis, { keyPrefix: prefix, replay: true, latenessMs: 60_000, dedupeSeconds: 300, maxWaitMs: 4 * 3_600_000, seriesKeepHours: 48 });
  const ingest = new Ingest(store, config, { now: () => Date.now() });
  let seq = 0;
  const post = async (events: EventBody[]) => {
    const r = await ingest.ingest(events.map((e) => ({ ...e, id: `e${++seq}` })));
    expect(r.rejected).toEqual([]);
    expect(r.failed).toEqual([]);
    return r;
  };
  return { prefix, keys: keyBuilder(prefix), store, post };
}

/** A seeded uniform [0, 1) source: the simulator's PRNG. */
function rng(seed: number): () => number {
  const random = new Random(seed);
  return () => random.next();
}

type State = 'out' | 'idle' | 'talking' | 'wrap' | 'not_ready';

describe('minute rings written by the apply script', () => {
  it('sum like the reference over every window, across gaps longer than the ring, in a ring of its exact size', async () => {
    const { keys, store, post } = floor();
    const r = rng(11);
    const agents = ['A1', 'A2', 'A3', 'A4'];
    // the reference: per agent and minute, li / brk / talk ms of closed intervals, answered and ended calls
    const ref = new Map<string, Map<number, Record<string, number>>>();
    const add = (agent: string, minute: number, field: string, v: number) => {
      const byMinute = ref.get(agent) ?? ref.set(agent, new Map()).get(agent)!;
      const c = byMinute.get(minute) ?? byMinute.set(minute, {}).get(minute)!;
      c[field] = (c[field] ?? 0) + v;
    };
    const spend = (agent: string, state: State, a: number, b: number) => {
      if (state === 'out') return;
      for (let m = Math.floor(a / MIN) * MIN; m < b; m += MIN) {
        const ms = Math.min(b, m + MIN) - Math.max(a, m);
        if (ms <= 0) continue;
        add(agent, m / MIN, 'li', ms);
        if (state === 'not_ready') add(agent, m / MIN, 'brk', ms);
        if (state === 'talking') add(agent, m / MIN, 'talk', ms);
      }
    };
    // each agent's state and its next move (made once the batch reaches its time)
    const now = new Map(agents.map((a) => [a, { state: 'out' as State, since: T0, next: T0 + Math.floor(r() * MIN), call: '' }]));
    let t = T0;
    let calls = 0;
    // ~3 simulated hours in batches of up to 6 minutes; some gaps last minutes, some longer than the ring
    for (let step = 0; step < 60; step++) {
      const batch: EventBody[] = [];
      const until = t + Math.floor(r() * 6 * MIN);
      for (const agent of agents) {
        const s = now.get(agent)!;
        while (s.next < until) {
          const ts = s.next;
          let next: State;
          if (s.state === 'out') next = 'idle';
          else if (s.state === 'idle') next = (['talking', 'not_ready', 'out', 'talking'] as const)[Math.floor(r() * 4)]!;
          else if (s.state === 'talking') next = 'wrap';
          else next = r() < 0.8 ? 'idle' : 'out';
          if (s.state === 'talking') {
            batch.push({ ts, type: 'call.ended', callId: s.call, agentId: agent });
            add(agent, Math.floor(ts / MIN), 'end', 1);
          }
          if (next === 'idle' && s.state === 'out') batch.push({ ts, type: 'agent.login', agentId: agent, teamId: 'team1' });
          else if (next === 'out') batch.push({ ts, type: 'agent.logout', agentId: agent });
          else if (next === 'talking') {
            s.call = `c${++calls}`;
            batch.push({ ts: ts - 1, type: 'call.queued', callId: s.call, queueId: 'q1' });
            batch.push({ ts, type: 'call.answered', callId: s.call, queueId: 'q1', agentId: agent });
            add(agent, Math.floor(ts / MIN), 'ans', 1);
            batch.push({ ts, type: 'agent.state', agentId: agent, state: 'talking' });
          } else if (next === 'not_ready') batch.push({ ts, type: 'agent.state', agentId: agent, state: 'not_ready', reason: 'break' });
          else batch.push({ ts, type: 'agent.state', agentId: agent, state: next });
          spend(agent, s.state, s.since, ts);
          const x = r();
          const gap = x < 0.7 ? Math.floor(r() * 90_000) : x < 0.9 ? Math.floor(r() * 12 * MIN) : Math.floor((RING_SLOTS + r() * 40) * MIN);
          Object.assign(s, { state: next, since: ts, next: ts + Math.max(2, gap) });
        }
      }
      t = until;
      if (!batch.length) continue;
      await post(batch.sort((a, b) => Number(a.ts) - Number(b.ts)));
      const latest = Math.max(...batch.map((e) => Number(e.ts)));
      const rings = await store.readRings('a', agents);
      agents.forEach((agent, i) => {
        const ring = rings[i] ?? null;
        if (!ring) return;
        expect(ring.length).toBe(RING_LAYOUT.a.bytes);
        const top = ringTop(ring);
        expect(top).toBeLessThanOrEqual(Math.floor(latest / MIN));
        // a reader at or after the latest minute written (and up to 5 minutes behind it): every window whole
        for (const cur of [top - 5, top, top + 1, Math.floor(latest / MIN), top + 59, top + 61]) {
          for (const w of [0, 15, 60]) {
            const want: Record<string, number> = {};
            for (let m = cur - w; m <= cur; m++) for (const [f, v] of Object.entries(ref.get(agent)?.get(m) ?? {})) if (v) want[f] = (want[f] ?? 0) + v;
            expect(sumRing('a', ring, cur - w, cur), `${agent} step ${step} cur ${cur - top} w ${w}`).toEqual(want);
          }
        }
      });
    }
    // allocated at its exact size (BITFIELD growing the string would take about twice as much)
    for (const agent of agents) {
      const key = keys.ring('a', agent);
      if (!(await redis.exists(key))) continue;
      expect(await redis.strlen(key)).toBe(RING_LAYOUT.a.bytes);
      expect(Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'))).toBeLessThan(640);
    }
  });

  it("fold a team's ringing and outbound time into one field, and its other not-ready time into the one meal shares", async () => {
    const { keys, store, post } = floor();
    const t = Math.floor(T0 / MIN) * MIN + 10 * MIN;
    // two agents of team1; reasons: break is break, anything else unmapped is other (the test config maps only break)
    await post([
      { ts: t, type: 'agent.login', agentId: 'A', teamId: 'team1' },
      { ts: t, type: 'agent.login', agentId: 'B', teamId: 'team1' },
      { ts: t + 10_000, type: 'agent.state', agentId: 'A', state: 'ringing' }, // A: idle 10 s
      { ts: t + 12_000, type: 'agent.state', agentId: 'B', state: 'outbound' }, // B: idle 12 s
      { ts: t + 15_000, type: 'agent.state', agentId: 'A', state: 'not_ready', reason: 'coaching' }, // A: ringing 5 s
      { ts: t + 40_000, type: 'agent.state', agentId: 'B', state: 'not_ready', reason: 'break' }, // B: outbound 28 s
      { ts: t + 45_000, type: 'agent.state', agentId: 'A', state: 'idle' }, // A: other 30 s
      { ts: t + 50_000, type: 'agent.state', agentId: 'B', state: 'idle' }, // B: break 10 s
      { ts: t + 61_000, type: 'agent.logout', agentId: 'A' }, // A: idle 15 s to the minute's end, 1 s into the next
      { ts: t + 61_000, type: 'agent.logout', agentId: 'B' }, // B: idle 10 s, 1 s
    ]);
    const [ring] = await store.readRings('t', ['team1']);
    const m = t / MIN;
    expect(sumRing('t', ring!, m, m)).toEqual({ 's:idle': 10_000 + 12_000 + 15_000 + 10_000, 's:ringing+outbound': 5_000 + 28_000, 'c:meal+other': 30_000, 'c:break': 10_000 });
    expect(sumRing('t', ring!, m + 1, m + 1)).toEqual({ 's:idle': 2_000 });
    expect(await redis.strlen(keys.ring('t', 'team1'))).toBe(RING_LAYOUT.t.bytes);
    expect(Number(await redis.call('MEMORY', 'USAGE', keys.ring('t', 'team1'), 'SAMPLES', '0'))).toBeLessThanOrEqual(2560 + 128);
  });

  it("keep an agent's today in the ring: a new day starts it afresh, a quiet agent's ring lasts the day", async () => {
    const D = Date.UTC(2026, 4, 4); // the site is on UTC, its day starts at 00:00
    const at = (h: number, m = 0) => D + h * 3_600_000 + m * MIN;
    const today = async (f: ReturnType<typeof floor>, agent: string, day: number) => ringDay('a', (await f.store.readRings('a', [agent]))[0] ?? null, day);
    // A works across midnight: idle 23:50 -> 00:10 (10 minutes each day), a break 00:10 -> 00:15
    const fa = floor();
    await fa.post([{ ts: at(23, 50), type: 'agent.login', agentId: 'A', teamId: 'team1' }]);
    await fa.post([{ ts: at(24, 10), type: 'agent.state', agentId: 'A', state: 'not_ready', reason: 'break' }]);
    await fa.post([{ ts: at(24, 15), type: 'agent.state', agentId: 'A', state: 'idle' }]);
    expect(await today(fa, 'A', D + 86_400_000)).toEqual({ li: 15 * MIN, brk: 5 * MIN });
    expect(await today(fa, 'A', D)).toEqual({}); // the day before is not kept
    // B logs in at 06:00 and out at 09:00 with nothing between: three hours today, and the ring is kept until the day
    // is over however long it stays quiet: 2 h + the rest of a day of at most 25 hours from the latest minute written
    // (08:59, the last of the three hours): 2 h + 16 h 1 min
    const fb = floor();
    await fb.post([{ ts: at(6), type: 'agent.login', agentId: 'B', teamId: 'team1' }]);
    await fb.post([{ ts: at(9), type: 'agent.logout', agentId: 'B' }]);
    expect(await today(fb, 'B', D)).toEqual({ li: 3 * 3_600_000 });
    const ttl = 2 * 3600 + (16 * 60 + 1) * 60;
    expect(await redis.ttl(fb.keys.ring('a', 'B'))).toBeGreaterThanOrEqual(ttl - 2);
    expect(await redis.ttl(fb.keys.ring('a', 'B'))).toBeLessThanOrEqual(ttl);
    // C: an event 10 s before midnight comes late, after C's day section moved on: the part before midnight is dropped
    // (taken from idle, given to the break), the 30 s after midnight move from idle to the break
    const fc = floor();
    await fc.post([{ ts: at(23, 50), type: 'agent.login', agentId: 'C', teamId: 'team1' }]);
    await fc.post([{ ts: at(24) + 30_000, type: 'agent.state', agentId: 'C', state: 'wrap' }]);
    expect(await today(fc, 'C', D + 86_400_000)).toEqual({ li: 30_000 });
    await fc.post([{ ts: at(24) - 10_000, type: 'agent.state', agentId: 'C', state: 'not_ready', reason: 'break' }]);
    expect(await today(fc, 'C', D + 86_400_000)).toEqual({ li: 30_000, brk: 30_000 });
    expect(await today(fc, 'C', D)).toEqual({});
  });

  it('keeps a maximum of its own in a slot reused for a later minute; a late write lands in its minute', async () => {
    const { store, post } = floor();
    const call = (id: string, queued: number, wait: number): EventBody[] => [
      { ts: queued, type: 'call.queued', callId: id, queueId: 'q1' },
      { ts: queued + wait, type: 'call.answered', callId: id, queueId: 'q1', agentId: 'A' },
    ];
    const m0 = Math.floor(T0 / MIN) + 3;
    await post(call('c1', m0 * MIN, 50_000));
    await post(call('c2', (m0 + RING_SLOTS) * MIN + 10_000, 5_000)); // the same slot, one ring later
    const [ring] = await store.readRings('q', ['q1']);
    expect(ringTop(ring!)).toBe(m0 + RING_SLOTS);
    expect(sumRing('q', ring!, m0 + RING_SLOTS - 60, m0 + RING_SLOTS)).toEqual({ en: 1, ans: 1, ansK: 1, ansT: 1, wait: 5_000, mw: 5_000, mq: 1 });
    // 15 s late, into the minute before the latest
    await post(call('c3', (m0 + RING_SLOTS) * MIN - 5_000, 1_000).slice(0, 1));
    const [after] = await store.readRings('q', ['q1']);
    expect(ringTop(after!)).toBe(m0 + RING_SLOTS);
    expect(sumRing('q', after!, m0 + RING_SLOTS - 1, m0 + RING_SLOTS - 1)).toEqual({ en: 1, mq: 1 });
    expect(sumRing('q', after!, m0, m0 + RING_SLOTS)).toEqual({ en: 2, ans: 1, ansK: 1, ansT: 1, wait: 5_000, mw: 5_000, mq: 1 });
  });
});

describe('agent records written by the apply script', () => {
  // long, but within 64 bytes: a longer reason or last queue in the record itself makes the hash a table all the same
  const R = (c: string) => c.repeat(60);
  const Q = (c: string) => `queue-${c.repeat(58)}`;
  /** An agent's day: a timeline whose payload (long reasons and queues) spans many 64-byte chunks. */
  const day = (agent: string, t: number): EventBody[] => [
    { ts: t, type: 'agent.login', agentId: agent, teamId: 'team1', queues: ['q1'] },
    { ts: t + 5_000, type: 'agent.state', agentId: agent, state: 'not_ready', reason: R('a') },
    { ts: t + 9_000, type: 'agent.state', agentId: agent, state: 'idle' },
    { ts: t + 10_000, type: 'call.queued', callId: `${agent}-c1`, queueId: Q('x') },
    { ts: t + 11_000, type: 'call.answered', callId: `${agent}-c1`, queueId: Q('x'), agentId: agent },
    { ts: t + 11_000, type: 'agent.state', agentId: agent, state: 'talking' },
    { ts: t + 20_000, type: 'call.ended', callId: `${agent}-c1`, agentId: agent },
    { ts: t + 20_000, type: 'agent.state', agentId: agent, state: 'wrap' },
    { ts: t + 26_000, type: 'agent.state', agentId: agent, state: 'not_ready', reason: R('b') },
    { ts: t + 31_000, type: 'agent.state', agentId: agent, state: 'idle' },
    { ts: t + 33_000, type: 'agent.state', agentId: agent, state: 'not_ready', reason: 'break' },
    { ts: t + 40_000, type: 'agent.state', agentId: agent, state: 'idle' },
  ];
  const figures = async (f: ReturnType<typeof floor>, agent: string) => {
    const dayStart = Date.UTC(2026, 4, 4);
    const [ring] = await f.store.readRings('a', [agent]);
    const top = ringTop(ring ?? null);
    const rec = await redis.hmget(f.keys.agent(agent), 'team', 'st', 'r', 'c', 'since', 'lq', 'qs');
    return { day: ringDay('a', ring ?? null, dayStart), window: sumRing('a', ring ?? null, top - 60, top), rec };
  };

  it('keeps the hash a listpack with long reasons and queues, and a late event falls between transitions as in order', async () => {
    const f = floor();
    const t = T0 + 7 * MIN;
    const late = { ts: t + 15_000, type: 'agent.state', state: 'hold' } as const;
    // A gets every event in order; B the same, the hold at +15 s after all the others (25 s late)
    await f.post([...day('A', t), { ...late, agentId: 'A' }].sort((a, b) => Number(a.ts) - Number(b.ts)));
    await f.post(day('B', t));
    await f.post([{ ...late, agentId: 'B' }]);
    for (const agent of ['A', 'B']) {
      expect(await redis.call('OBJECT', 'ENCODING', f.keys.agent(agent))).toBe('listpack');
      expect(await redis.hlen(f.keys.agent(agent))).toBeGreaterThan(10 + 4); // the timeline took more than four chunks
    }
    const a = await figures(f, 'A');
    expect(await figures(f, 'B')).toEqual(a);
    expect(a.day).toMatchObject({ ans: 1, end: 1, talk: 4000, brk: 7000 });
    expect(a.rec).toEqual(['team1', 'idle', '', '', String(t + 40_000), Q('x'), '["q1"]']);
  });

  it('takes over an agent record of the previous layout (timeline in one tl field) and rewrites it as a listpack', async () => {
    const f = floor();
    const t = T0 + 9 * MIN;
    // M lives through the script; L is left as the previous version wrote the same history (no counts)
    const history = day('M', t).slice(0, 3); // login, not ready at +5 s, idle at +9 s
    await f.post(history);
    await redis.eval(
      `redis.call('HSET', KEYS[1], 'team', 'team1', 'name', 'L', 'st', 'idle', 'r', '', 'c', '', 'since', ARGV[2], 'lq', '',
         'at', ARGV[2], 'qs', '["q1"]', 'tl', cmsgpack.pack(cjson.decode(ARGV[1])))`,
      1,
      f.keys.agent('L'),
      JSON.stringify([[t, 'idle', '', '', ''], [t + 5_000, 'not_ready', R('a'), 'other', ''], [t + 9_000, 'idle', '', '', '']]),
      String(t + 9_000),
    );
    expect(await redis.call('OBJECT', 'ENCODING', f.keys.agent('L'))).toBe('hashtable');
    const before = await figures(f, 'M');
    // then both: a late state between the first two transitions, and one in order
    for (const agent of ['M', 'L']) {
      await f.post([{ ts: t + 12_000, type: 'agent.state', agentId: agent, state: 'talking' }]);
      await f.post([{ ts: t + 2_000, type: 'agent.state', agentId: agent, state: 'hold' }]);
    }
    const m = await figures(f, 'M');
    const l = await figures(f, 'L');
    const delta = (x: Record<string, number>, y: Record<string, number>) =>
      Object.fromEntries(Object.keys(x).map((k) => [k, Number(x[k]) - Number(y[k] ?? 0)]).filter(([, v]) => v !== 0));
    expect(delta(l.day, {})).toEqual(delta(m.day, before.day));
    expect(l.rec).toEqual(['team1', 'talking', '', '', String(t + 12_000), '', '["q1"]']);
    expect(await redis.call('OBJECT', 'ENCODING', f.keys.agent('L'))).toBe('listpack');
    expect(await redis.hexists(f.keys.agent('L'), 'tl')).toBe(0);
  });
});
