// The live pipeline against a real redis-server: HTTP ingest -> Lua -> snapshot, checked against hand-worked figures.
import { afterEach, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../shared/snapshot.js';
import { expected, scenarioConfig, scenarioEvents } from '../support/scenario.js';
import { deletePrefix, newRedis, randomPrefix } from '../support/redis.js';
import { Store } from '../../server/store/store.js';
import { ManualClock, TEST_TOKENS, bearer, startTestFloorwatch, type TestFloorwatch } from '../support/floorwatch.js';

let fw: TestFloorwatch | null = null;
afterEach(async () => {
  await fw?.close();
  fw = null;
});

const post = (body: string, headers?: Record<string, string>) => fw!.post(body, headers);
const snapshot = () => fw!.snapshot();

function checkScenario(snap: Snapshot) {
  expect(snap.generatedAt).toBe('2026-05-04T08:20:00.000Z');
  const q = snap.queues.find((x) => x.queueId === 'q1')!;
  expect(q.name).toBe('Support');
  expect(q.waiting).toBe(expected.q1.waiting);
  expect(q.oldestQueuedAt).toBe(expected.q1.oldestQueuedAt);
  expect(q.longestWaitSeconds).toBe(expected.q1.longestWaitSeconds);
  for (const w of ['30m', '60m', 'today'] as const) {
    const got = q.windows[w];
    for (const [k, v] of Object.entries(expected.q1.all)) expect(got[k as keyof typeof got], `${w} ${k}`).toBeCloseTo(v, 9);
  }
  expect(q.windows['15m']).toMatchObject(expected.q1.last15);

  const north = snap.teams.find((t) => t.teamId === 'north')!;
  expect(north.name).toBe('North');
  expect(north.loggedIn).toBe(expected.north.loggedIn);
  expect(north.onBreak).toBe(expected.north.onBreak);
  expect(north.onBreakAgents.map((a) => a.agentId)).toEqual(['N3']);
  expect(north.byCategory.break).toBe(1);
  for (const w of ['30m', '60m', 'today'] as const) {
    const got = north.windows[w];
    expect(got.loggedInSeconds, w).toBeCloseTo(expected.north.all.loggedInSeconds, 9);
    expect(got.breakSeconds, w).toBeCloseTo(expected.north.all.breakSeconds, 9);
    expect(got.talkSeconds, w).toBeCloseTo(expected.north.all.talkSeconds, 9);
    expect(got.breakRate!, w).toBeCloseTo(expected.north.all.breakRate, 9);
    expect(got.breakRateCv!, w).toBeCloseTo(expected.north.all.cv, 4);
    expect(got.agentsExcluded, w).toBe(1);
    expect(got.inControl, w).toBe(false);
  }
  const n15 = north.windows['15m'];
  expect(n15.loggedInSeconds).toBeCloseTo(expected.north.last15.loggedInSeconds, 9);
  expect(n15.breakRate!).toBeCloseTo(expected.north.last15.breakRate, 9);
  expect(n15.breakRateCv!).toBeCloseTo(expected.north.last15.cv, 4);

  const south = snap.teams.find((t) => t.teamId === 'south')!;
  expect(south.loggedIn).toBe(1);
  expect(south.windows['30m'].breakRate).toBe(0);
  expect(south.windows['30m'].breakRateCv).toBeNull();
  expect(south.windows['30m'].inControl).toBeNull();

  const n2 = snap.agents.find((a) => a.agentId === 'N2')!;
  expect(n2.state).toBe('idle');
  const n3 = snap.agents.find((a) => a.agentId === 'N3')!;
  expect(n3).toMatchObject({ state: 'not_ready', reason: 'break', reasonCategory: 'break', since: '2026-05-04T08:15:00.000Z' });
  expect(snap.floor.waiting).toBe(1);
  expect(snap.floor.loggedIn).toBe(5);
  expect(snap.floor.byState.idle).toBe(4);
}

describe('HTTP ingest into Redis, snapshot out', () => {
  it('computes the hand-worked scenario figures', async () => {
    fw = await startTestFloorwatch(scenarioConfig, { FLOORWATCH_CLOCK: 'replay' });
    const events = scenarioEvents();
    const res = await post(JSON.stringify(events));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: events.length, duplicates: 0, rejected: [] });
    checkScenario(await snapshot());
  });

  it('gives the same figures when events arrive out of order (within the lateness) and twice', async () => {
    fw = await startTestFloorwatch(scenarioConfig, { FLOORWATCH_CLOCK: 'replay' });
    const events = scenarioEvents();
    // Deterministic shuffle: each event is delivered as if delayed by 0-50 s (lateness is 60 s), one per request,
    // so the store sees them out of order; then every event is sent again.
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const delivered = events.map((e) => ({ e, arrival: Number(e.ts) + rand() * 50_000 })).sort((a, b) => a.arrival - b.arrival);
    expect(delivered.map((d) => d.e.id)).not.toEqual(events.map((e) => e.id));
    let accepted = 0;
    for (const { e } of delivered) accepted += (await post(JSON.stringify([e]))).body.accepted;
    expect(accepted).toBe(events.length);
    const again = await post(events.map((e) => JSON.stringify(e)).join('\n'));
    expect(again.body.duplicates).toBe(events.length);
    expect(again.body.accepted).toBe(0);
    checkScenario(await snapshot());
  });

  it('counts talk time when call.ended arrives before call.answered', async () => {
    fw = await startTestFloorwatch({}, { FLOORWATCH_CLOCK: 'replay' });
    const t = Date.UTC(2026, 4, 4, 9, 0, 0);
    // Queued at 0, answered at 10 s, ended at 40 s: talk 30 s; the end and then the answer arrive last.
    await post(JSON.stringify([{ id: 'q', ts: t, type: 'call.queued', callId: 'c', queueId: 'oq' }]));
    await post(JSON.stringify([{ id: 'e', ts: t + 40_000, type: 'call.ended', callId: 'c', agentId: 'A1' }]));
    await post(JSON.stringify([{ id: 'a', ts: t + 10_000, type: 'call.answered', callId: 'c', queueId: 'oq', agentId: 'A1' }]));
    const w = (await snapshot()).queues.find((q) => q.queueId === 'oq')!.windows['15m'];
    expect(w).toMatchObject({ answered: 1, asaSeconds: 10, ahtSeconds: 30 });
  });

  it('rejects bad events with their reason, applies the good ones beside them, and counts both', async () => {
    fw = await startTestFloorwatch({}, { FLOORWATCH_CLOCK: 'replay' });
    const ts = '2026-05-04T08:00:00Z';
    const batch = [
      { id: 'g1', ts, type: 'call.queued', callId: 'x1', queueId: 'qa' },
      { id: 'b1', ts, type: 'agent.state', agentId: 'A', state: 'dancing' },
      { id: 'b2', ts, type: 'call.teleported', callId: 'x2' },
      { id: 'b3', type: 'call.queued', callId: 'x3', queueId: 'qa' },
      'not an object',
      { id: 'g2', ts, type: 'call.queued', callId: 'x4', queueId: 'qa', unknownField: 'dropped' },
    ];
    const res = await post(JSON.stringify(batch));
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(2);
    expect(res.body.rejected.map((r) => r.index)).toEqual([1, 2, 3, 4]);
    expect(res.body.rejected[0]!.error).toMatch(/^state: /);
    expect(res.body.rejected[1]!.error).toMatch(/unknown event type "call.teleported"/);
    expect(res.body.rejected[2]!.error).toMatch(/^ts: /);
    expect(res.body.rejected[3]!.error).toMatch(/JSON object/);
    const snap = await snapshot();
    expect(snap.queues.find((q) => q.queueId === 'qa')!.waiting).toBe(2);
    expect(snap.ingest).toMatchObject({ accepted: 2, rejected: 4 });
  });

  it('rejects events later than the allowed lateness and counts them', async () => {
    fw = await startTestFloorwatch({ ingest: { latenessSeconds: 60 } }, { FLOORWATCH_CLOCK: 'replay' });
    const base = Date.UTC(2026, 4, 4, 8, 0, 0);
    await post(JSON.stringify([{ id: 'a', ts: base + 120_000, type: 'call.queued', callId: 'k1', queueId: 'q' }]));
    const res = await post(
      JSON.stringify([
        { id: 'b', ts: base + 59_000, type: 'call.queued', callId: 'k2', queueId: 'q' }, // 61 s behind: late
        { id: 'c', ts: base + 61_000, type: 'call.queued', callId: 'k3', queueId: 'q' }, // 59 s behind: fine
      ]),
    );
    expect(res.body).toMatchObject({ accepted: 1, late: 1 });
    expect(res.body.rejected).toEqual([{ index: 0, error: expect.stringMatching(/lateness of 60 s/) }]);
    expect((await snapshot()).ingest.late).toBe(1);
  });

  it('answers 400 to a body that is not JSON, 413 to one over the limit, and keeps running', async () => {
    fw = await startTestFloorwatch({ ingest: { maxBodyBytes: 1000 } });
    expect((await post('[{"id": ')).status).toBe(400);
    const big = JSON.stringify([{ id: 'x'.repeat(2000), ts: 0, type: 'call.queued', callId: 'c', queueId: 'q' }]);
    expect((await post(big)).status).toBe(413);
    expect((await fetch(`${fw.url}/api/health`)).status).toBe(200);
  });

  it('refuses events without a valid ingest token and applies nothing', async () => {
    fw = await startTestFloorwatch();
    const event = JSON.stringify([{ id: 'e1', ts: Date.now(), type: 'call.queued', callId: 'c1', queueId: 'tq' }]);
    expect((await post(event, {})).status).toBe(401);
    expect((await post(event, bearer('wrong'))).status).toBe(401);
    expect((await post(event, bearer(TEST_TOKENS.supervisor))).status).toBe(403); // a supervisor is not a connector
    expect((await snapshot()).ingest.accepted).toBe(0);
    const ok = await post(event);
    expect(ok.body.accepted).toBe(1);
  });
});

describe('agents listed (read incrementally, one process)', () => {
  it('keeps an agent who logged out listed until 65 minutes after the minute of its last event, then drops it', async () => {
    const T = Date.parse('2026-05-04T08:00:30Z');
    const clock = new ManualClock(T);
    fw = await startTestFloorwatch({ teams: [{ id: 't1' }] }, {}, { clock });
    const names = async () => (await fw!.snapshots.compute()).agents.map((a) => `${a.agentId}:${a.state}`);
    await fw.post([
      { id: 'e1', ts: T, type: 'agent.login', agentId: 'A', teamId: 't1' },
      { id: 'e2', ts: T, type: 'agent.login', agentId: 'B', teamId: 't1' },
    ]);
    expect(await names()).toEqual(['A:idle', 'B:idle']);
    clock.set(T + 1000);
    await fw.post([{ id: 'e3', ts: T + 1000, type: 'agent.logout', agentId: 'A' }]);
    expect(await names()).toEqual(['A:logged_out', 'B:idle']);
    // A's last event is in the minute 08:00 -> listed while now <= 08:00:59.999 + 65 min = 09:05:59.999
    clock.set(Date.parse('2026-05-04T09:05:59.000Z'));
    expect(await names()).toEqual(['A:logged_out', 'B:idle']);
    clock.set(Date.parse('2026-05-04T09:06:00.000Z'));
    expect(await names()).toEqual(['B:idle']);
    // an event brings A back: the apply script lists it as changed, so the incremental read finds it again
    await fw.post([{ id: 'e4', ts: clock.now(), type: 'agent.login', agentId: 'A', teamId: 't1' }]);
    expect(await names()).toEqual(['A:idle', 'B:idle']);
  });
});

describe('agents listed (a first read, as after a restart or a day rollover)', () => {
  it('lists agents logged in however long ago their last event came, and those logged out within the hour, by their records', async () => {
    const T = Date.parse('2026-05-04T06:00:00Z');
    const clock = new ManualClock(T);
    fw = await startTestFloorwatch({ teams: [{ id: 't1' }] }, {}, { clock });
    await fw.post([
      { id: 'e1', ts: T, type: 'agent.login', agentId: 'A', teamId: 't1' }, // then quiet for 3 hours, still logged in
      { id: 'e2', ts: T, type: 'agent.login', agentId: 'B', teamId: 't1' },
      { id: 'e3', ts: T, type: 'agent.login', agentId: 'C', teamId: 't1' },
      { id: 'e4', ts: T + 60_000, type: 'agent.logout', agentId: 'C' }, // gone at 06:01
    ]);
    clock.set(T + 2.5 * 3_600_000);
    await fw.post([{ id: 'e5', ts: clock.now(), type: 'agent.logout', agentId: 'B' }]); // gone at 08:30
    clock.set(T + 3 * 3_600_000); // 09:00
    const listed = async (f: TestFloorwatch) => (await f.snapshots.compute()).agents.map((a) => `${a.agentId}:${a.state}`);
    expect(await listed(fw)).toEqual(['A:idle', 'B:logged_out']);
    // a second process on the same keys reads everything at its first snapshot: the same agents
    const other = await startTestFloorwatch({ teams: [{ id: 't1' }] }, {}, { clock, prefix: fw.prefix });
    try {
      expect(await listed(other)).toEqual(['A:idle', 'B:logged_out']);
      // the next day (a full read again, of a reader that had read before): A is still logged in; B's hour is over
      clock.set(Date.parse('2026-05-05T00:00:10Z'));
      expect(await listed(other)).toEqual(['A:idle']);
    } finally {
      await other.stop(); // (close would delete the keys)
    }
    // a day after its logout C leaves the change index at a full read (A, logged in, and B, out for 22 h, stay);
    // C's next event brings it back
    const r = newRedis();
    try {
      clock.set(Date.parse('2026-05-05T07:00:00Z'));
      const third = await startTestFloorwatch({ teams: [{ id: 't1' }] }, {}, { clock, prefix: fw.prefix });
      try {
        expect(await listed(third)).toEqual(['A:idle']);
        expect(await r.zscore(`${fw.prefix}:changed`, 'a:C')).toBeNull();
        expect(await r.zscore(`${fw.prefix}:changed`, 'a:A')).not.toBeNull();
        expect(await r.zscore(`${fw.prefix}:changed`, 'a:B')).not.toBeNull();
        await third.post([{ id: 'e6', ts: clock.now(), type: 'agent.login', agentId: 'C', teamId: 't1' }]);
        expect(await listed(third)).toEqual(['A:idle', 'C:idle']);
        expect(await r.zscore(`${fw.prefix}:changed`, 'a:C')).not.toBeNull();
      } finally {
        await third.stop();
      }
    } finally {
      await r.quit();
    }
  });
});

describe('the change index', () => {
  it('forgets an agent only while it keeps the version it was read with (an agent written since stays)', async () => {
    const r = newRedis();
    const prefix = randomPrefix();
    try {
      new Store(r, { keyPrefix: prefix, replay: false, latenessMs: 60_000, dedupeSeconds: 300, maxWaitMs: 3_600_000, seriesKeepHours: 48 });
      const key = `${prefix}:changed`;
      await r.zadd(key, 7, 'a:X', 9, 'a:Y');
      const forget = (r as unknown as { fwForget(key: string, ...pairs: string[]): Promise<number> }).fwForget.bind(r);
      // read at versions 7 and 8, but Y was written again (version 9) before the reader forgot them
      expect(await forget(key, 'a:X', '7', 'a:Y', '8')).toBe(1);
      expect(await r.zrange(key, 0, -1, 'WITHSCORES')).toEqual(['a:Y', '9']);
    } finally {
      await deletePrefix(r, prefix);
      await r.quit();
    }
  });
});

describe('calls waiting', () => {
  it('leaves out a call waiting longer than ingest.maxWaitMinutes (its outcome lost), and counts that outcome if it comes', async () => {
    const T = Date.parse('2026-05-04T08:00:00Z');
    const clock = new ManualClock(T);
    fw = await startTestFloorwatch({ ingest: { maxWaitMinutes: 30 } }, {}, { clock });
    const snap = () => fw!.snapshots.compute();
    const queue = async () => (await snap()).queues.find((q) => q.queueId === 'q')!;
    await fw.post([{ id: 'e1', ts: T, type: 'call.queued', callId: 'c1', queueId: 'q' }]);
    clock.set(T + 20 * 60_000);
    await fw.post([{ id: 'e2', ts: clock.now(), type: 'call.queued', callId: 'c2', queueId: 'q' }]);
    // 08:29: both wait, c1 for 29 minutes
    clock.set(T + 29 * 60_000);
    expect(await queue()).toMatchObject({ waiting: 2, oldestQueuedAt: '2026-05-04T08:00:00.000Z', longestWaitSeconds: 29 * 60 });
    expect((await snap()).ingest.lostCalls).toBe(0);
    // 08:31: c1 has waited 31 minutes, over the 30: only c2 (11 minutes) is waiting, and c1 is counted as lost (once)
    clock.set(T + 31 * 60_000);
    const dropped = await snap();
    expect(dropped.queues.find((x) => x.queueId === 'q')).toMatchObject({ waiting: 1, oldestQueuedAt: '2026-05-04T08:20:00.000Z', longestWaitSeconds: 11 * 60 });
    expect(dropped.ingest.lostCalls).toBe(1);
    expect((await snap()).ingest.lostCalls).toBe(1);
    // c1's abandon comes after all: it counts, with its 31-minute wait
    await fw.post([{ id: 'e3', ts: clock.now(), type: 'call.abandoned', callId: 'c1', queueId: 'q' }]);
    const q = await queue();
    expect(q.waiting).toBe(1);
    expect(q.windows['60m']).toMatchObject({ abandoned: 1, maxWaitSeconds: 31 * 60 });
  });
});
