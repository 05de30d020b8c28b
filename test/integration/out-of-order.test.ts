// Events delivered out of order (within the lateness) give the figures they would give in ts order: one hand-worked
// case per engine bug the property test found (test/integration/reference.property.test.ts, bugs A to E).
// Each POST is applied before the next is sent; the replay clock is the latest ts applied, lateness 60 s.
import { afterEach, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../shared/snapshot.js';
import { keyBuilder } from '../../server/store/keys.js';
import { startTestFloorwatch, type TestFloorwatch } from '../support/floorwatch.js';
import { newRedis } from '../support/redis.js';

const B = Date.UTC(2026, 4, 4, 9, 0, 0); // 09:00:00; every time below is seconds after it
const at = (s: number) => B + s * 1000;
const iso = (s: number) => new Date(at(s)).toISOString();

let fw: TestFloorwatch | null = null;
afterEach(async () => {
  await fw?.close();
  fw = null;
});

let n = 0;
const ev = (s: number, body: Record<string, unknown>) => ({ id: `o${++n}`, ts: at(s), ...body });
const login = (s: number, agentId = 'A1') => ev(s, { type: 'agent.login', agentId, teamId: 'north' });
const logout = (s: number, agentId = 'A1') => ev(s, { type: 'agent.logout', agentId });
const state = (s: number, st: string, reason?: string, agentId = 'A1') => ev(s, { type: 'agent.state', agentId, state: st, ...(reason ? { reason } : {}) });
const call = (s: number, type: string, callId: string, more: Record<string, unknown> = {}) => ev(s, { type: `call.${type}`, callId, ...more });
/** The agent takes the call at s: talking, and the call answered in queueId. */
const answer = (s: number, callId: string, queueId: string, agentId = 'A1') => [state(s, 'talking', undefined, agentId), call(s, 'answered', callId, { queueId, agentId })];
/** The call ends at s and the agent goes on to `next`. */
const hangUp = (s: number, callId: string, next: 'idle' | 'wrap', agentId = 'A1') => [call(s, 'ended', callId, { agentId }), state(s, next, undefined, agentId)];
/** The last event: a caller joining q3 at s, which sets now. */
const tick = (s: number) => call(s, 'queued', 'tick', { queueId: 'q3' });

async function run(posts: Record<string, unknown>[][], before?: (fw: TestFloorwatch) => Promise<void>): Promise<Snapshot> {
  fw = await startTestFloorwatch(
    {
      site: { timeZone: 'UTC', dayResetTime: '00:00' },
      queues: [
        { id: 'q1', serviceLevelSeconds: 20, shortAbandonSeconds: 5 },
        { id: 'q2', serviceLevelSeconds: 20, shortAbandonSeconds: 5 },
      ],
      teams: [{ id: 'north' }],
      reasonCategories: { break: 'break', training: 'training' },
      ingest: { latenessSeconds: 60 },
    },
    { FLOORWATCH_CLOCK: 'replay' },
  );
  await before?.(fw);
  for (const events of posts) {
    const { status, body } = await fw.post(events);
    expect(status).toBe(200);
    expect(body, JSON.stringify(events)).toMatchObject({ accepted: events.length, duplicates: 0, late: 0, failed: [] });
  }
  return fw.snapshot();
}
const queue = (s: Snapshot, id: string) => s.queues.find((q) => q.queueId === id)!;
const agent = (s: Snapshot, id: string) => s.agents.find((a) => a.agentId === id)!;

describe('out-of-order delivery', () => {
  it('A: a call whose first call.queued was never seen overflows, and its next leg is answered', async () => {
    // c1 overflows q1 -> q2 at 30 (its call.queued on q1 never came), joins q2 at 30, A1 answers at 50, ends at 110.
    // q1: one leg left (overflowed out, wait unknown), none entered. q2: entered 1, overflowed in 1, answered 1 after
    // a 20 s wait (within T = 20: service level 1, ASA 20), ended after 60 s of talk (AHT 60, no wrap).
    // (The bug: q2's call.queued was taken for the missing q1 one, and the answer was dropped.)
    const s = await run([
      [login(0), state(0, 'idle')],
      [call(30, 'overflowed', 'c1', { queueId: 'q1', toQueueId: 'q2' }), call(30, 'queued', 'c1', { queueId: 'q2' })],
      answer(50, 'c1', 'q2'),
      hangUp(110, 'c1', 'idle'),
      [tick(300)],
    ]);
    expect(queue(s, 'q1').windows['60m']).toMatchObject({ entered: 0, offered: 1, overflowedOut: 1, answered: 0, maxWaitSeconds: null });
    expect(queue(s, 'q2').waiting).toBe(0);
    expect(queue(s, 'q2').windows['60m']).toMatchObject({
      entered: 1, offered: 1, overflowedIn: 1, answered: 1, answeredWithinThreshold: 1, serviceLevel: 1, asaSeconds: 20, ahtSeconds: 60, maxWaitSeconds: 20,
    });
    expect(agent(s, 'A1').windows['60m']).toMatchObject({ callsAnswered: 1, callsHandled: 1, talkSeconds: 60 });
  });

  it("B: an overflowing call's events in reverse order give each leg its own queue and wait", async () => {
    // c1 joins q1 at 0, overflows to q2 at 15 and joins q2 at 15; A1 answers it at 40 and ends it at 100. The events
    // arrive last first (the end last of all). q1: entered 1, offered 1 (overflowed out), longest wait 15 s, nobody
    // waiting. q2: entered 1, overflowed in 1, answered 1 after 40 - 15 = 25 s (over T = 20: service level 0/1 = 0,
    // ASA 25), 60 s of talk (AHT 60). (The bug: the answer, applied first, made the call's one record q2's; q2's
    // call.queued was then taken for a second entry and dropped, and q1's for the first, so q2's wait was unknown.)
    const s = await run([
      [login(0), state(0, 'idle')],
      answer(40, 'c1', 'q2'),
      [call(15, 'queued', 'c1', { queueId: 'q2' })],
      [call(15, 'overflowed', 'c1', { queueId: 'q1', toQueueId: 'q2' })],
      [call(0, 'queued', 'c1', { queueId: 'q1' })],
      hangUp(100, 'c1', 'idle'),
      [tick(300)],
    ]);
    expect(queue(s, 'q1').waiting).toBe(0);
    expect(queue(s, 'q1').windows['60m']).toMatchObject({ entered: 1, offered: 1, overflowedOut: 1, answered: 0, maxWaitSeconds: 15 });
    expect(queue(s, 'q2').waiting).toBe(0);
    expect(queue(s, 'q2').windows['60m']).toMatchObject({
      entered: 1, offered: 1, overflowedIn: 1, answered: 1, answeredWithinThreshold: 0, serviceLevel: 0, asaSeconds: 25, ahtSeconds: 60,
    });
    expect(agent(s, 'A1').windows['60m']).toMatchObject({ callsAnswered: 1, callsHandled: 1, talkSeconds: 60 });
  });

  it('a call that overflows back to the queue it left starts a new leg there', async () => {
    // c1 joins q1 at 0, overflows to q2 at 10, and back to q1 at 30; A1 answers it in q1 at 40 and ends it at 100.
    // q1: entered 2, offered 2 (one overflowed out, one answered after 40 - 30 = 10 s: service level 1, ASA 10),
    // overflowed in 1, longest wait 10 (both legs). q2: entered 1, overflowed in 1 and out 1, longest wait 20.
    const s = await run([
      [login(0), state(0, 'idle'), call(0, 'queued', 'c1', { queueId: 'q1' })],
      [call(10, 'overflowed', 'c1', { queueId: 'q1', toQueueId: 'q2' }), call(10, 'queued', 'c1', { queueId: 'q2' })],
      [call(30, 'overflowed', 'c1', { queueId: 'q2', toQueueId: 'q1' }), call(30, 'queued', 'c1', { queueId: 'q1' })],
      answer(40, 'c1', 'q1'),
      hangUp(100, 'c1', 'idle'),
      [tick(300)],
    ]);
    expect(queue(s, 'q1').waiting).toBe(0);
    expect(queue(s, 'q1').windows['60m']).toMatchObject({
      entered: 2, offered: 2, overflowedOut: 1, overflowedIn: 1, answered: 1, serviceLevel: 1, asaSeconds: 10, maxWaitSeconds: 10, ahtSeconds: 60,
    });
    expect(queue(s, 'q2').waiting).toBe(0);
    expect(queue(s, 'q2').windows['60m']).toMatchObject({ entered: 1, offered: 1, overflowedIn: 1, overflowedOut: 1, answered: 0, maxWaitSeconds: 20 });
  });

  it('B: a spurious second outcome that arrives before the real one is taken back for it', async () => {
    // c2 joins q1 at 0 and A1 answers it at 10 (ends at 70); a spurious call.abandoned at 30 arrives before the answer.
    // The earlier outcome counts: answered 1 within T (service level 1, ASA 10), abandoned 0 (abandon rate 0/1 = 0),
    // offered 1. (The abandon's 30 s wait stays in the minute's longest wait: a maximum cannot be taken back;
    // docs/metrics.md says so.)
    const s = await run([
      [login(0), state(0, 'idle'), call(0, 'queued', 'c2', { queueId: 'q1' })],
      [call(30, 'abandoned', 'c2', { queueId: 'q1' })],
      answer(10, 'c2', 'q1'),
      hangUp(70, 'c2', 'idle'),
      [tick(300)],
    ]);
    expect(queue(s, 'q1').waiting).toBe(0);
    expect(queue(s, 'q1').windows['60m']).toMatchObject({
      offered: 1, answered: 1, answeredWithinThreshold: 1, abandoned: 0, abandonedAfterThreshold: 0, abandonRate: 0, serviceLevel: 1, asaSeconds: 10, ahtSeconds: 60,
    });
    expect(agent(s, 'A1').windows['60m']).toMatchObject({ callsAnswered: 1, callsHandled: 1 });
  });

  it('a call record stored by the earlier layout (one leg, unprefixed) still takes its outcome and its end', async () => {
    // Written as the previous version stored them: c9 waits in q1 since 0; c8 joined q1 at 0, A1 answered it at 5.
    // c9 abandons at 30: abandoned 1, after T = 20, longest wait 30, nobody left waiting. c8 ends at 65: one call
    // ended after 60 s of talk (AHT 60). (Their answer and entries were counted by the earlier version, not here.)
    const s = await run(
      [[login(0), state(0, 'idle')], [call(30, 'abandoned', 'c9', { queueId: 'q1' })], [call(65, 'ended', 'c8', { agentId: 'A1' })], [tick(300)]],
      async (fw) => {
        const k = keyBuilder(fw.prefix);
        const r = newRedis();
        await r.hset(k.call('c9'), { q: 'q1', qt: at(0) });
        await r.zadd(k.waiting('q1'), at(0), 'c9');
        await r.hset(k.call('c8'), { q: 'q1', qt: at(0), o: 'answered', ot: at(5), od: '[]', T: 20_000, S: 5_000, at: at(5), ag: 'A1' });
        r.disconnect();
      },
    );
    expect(queue(s, 'q1').waiting).toBe(0);
    expect(queue(s, 'q1').windows['60m']).toMatchObject({ abandoned: 1, abandonedAfterThreshold: 1, maxWaitSeconds: 30, ahtSeconds: 60 });
  });

  it("C: a wrap counts for the queue of the agent's answer before it, though the next answer arrives before its end", async () => {
    // A1 answers c1 (q1) at 10, ends it at 70 and wraps until 100; answers c2 (q2) at 105 and ends it at 165, no wrap.
    // c2's answer arrives before the wrap's end (idle at 100) and its talking state. Handle time: q1 = talk 60 + wrap 30 = 90 s,
    // q2 = talk 60 s. (The bug gave the wrap to q2, the last answer when the wrap's end was applied: 60 and 90.)
    const s = await run([
      [login(0), call(0, 'queued', 'c1', { queueId: 'q1' }), ...answer(10, 'c1', 'q1')],
      hangUp(70, 'c1', 'wrap'),
      [call(90, 'queued', 'c2', { queueId: 'q2' }), call(105, 'answered', 'c2', { queueId: 'q2', agentId: 'A1' })],
      [state(100, 'idle'), state(105, 'talking')],
      hangUp(165, 'c2', 'idle'),
      [tick(300)],
    ]);
    expect(queue(s, 'q1').windows['60m']).toMatchObject({ answered: 1, asaSeconds: 10, ahtSeconds: 90 });
    expect(queue(s, 'q2').windows['60m']).toMatchObject({ answered: 1, asaSeconds: 15, ahtSeconds: 60 });
    // logged in 0..300; talking 10..70 and 105..165
    expect(agent(s, 'A1').windows['60m']).toMatchObject({ loggedInSeconds: 300, talkSeconds: 120, callsAnswered: 2, callsHandled: 2 });
  });

  it('C: a wrap applied before the answer it follows counts for that answer once it arrives', async () => {
    // Everything about c1 arrives before its answer: the end (80), the wrap (80..105). When the answer (50, q1)
    // comes, the wrap goes to q1: handle time talk 30 + wrap 25 = 55 s. (The bug: the wrap counted for no queue, 30.)
    const s = await run([
      [login(0), call(40, 'queued', 'c1', { queueId: 'q1' }), state(50, 'talking'), ...hangUp(80, 'c1', 'wrap'), state(105, 'idle')],
      [call(50, 'answered', 'c1', { queueId: 'q1', agentId: 'A1' })],
      [tick(300)],
    ]);
    expect(queue(s, 'q1').windows['60m']).toMatchObject({ answered: 1, asaSeconds: 10, ahtSeconds: 55 });
  });

  it("C: with long queue ids (the agent's recent answers stored over several fields), each wrap finds its answer", async () => {
    // As the first C case, with c2 followed by a wrap 165..200 too. The wrap at 165 is applied after both answers, so
    // it reads them all back (each with a 64-character queue id: more than one 64-byte field): it counts for c2's
    // queue. Handle time: first queue 60 + 30 = 90 s, second queue 60 + 35 = 95 s.
    const qa = `queue-${'a'.repeat(58)}`;
    const qb = `queue-${'b'.repeat(58)}`;
    const s = await run([
      [login(0), call(0, 'queued', 'c1', { queueId: qa }), ...answer(10, 'c1', qa)],
      hangUp(70, 'c1', 'wrap'),
      [call(90, 'queued', 'c2', { queueId: qb }), call(105, 'answered', 'c2', { queueId: qb, agentId: 'A1' })],
      [state(100, 'idle'), state(105, 'talking')],
      hangUp(165, 'c2', 'wrap'),
      [state(200, 'idle')],
      [tick(300)],
    ]);
    expect(queue(s, qa).windows['60m']).toMatchObject({ answered: 1, ahtSeconds: 90 });
    expect(queue(s, qb).windows['60m']).toMatchObject({ answered: 1, ahtSeconds: 95 });
  });

  it('D: a login applied before an earlier logout logs the agent in again', async () => {
    // A1: login 0, break 30, login 100 (while logged in: changes nothing when applied), then the logout at 80 arrives.
    // In ts order: idle 0..30, break 30..80, out 80..100, the login at 100 makes A1 idle until now (300).
    // Logged in 80 + 200 = 280 s, break 50 s. (The bug left A1 logged out from 80.)
    const s = await run([[login(0), state(30, 'not_ready', 'break')], [login(100)], [logout(80)], [tick(300)]]);
    const a = agent(s, 'A1');
    expect(a).toMatchObject({ loggedIn: true, state: 'idle', since: iso(100) });
    expect(a.windows['60m']).toMatchObject({ loggedInSeconds: 280, breakSeconds: 50 });
  });

  it('D: a state that logs the agent in, applied after a later login, makes that login change nothing', async () => {
    // A1: login 0, logout 60, login 120 (applied: idle from 120), then a break from 100 arrives, which logs A1 in.
    // In ts order: idle 0..60, out 60..100, break 100..now (the login at 120 changes nothing).
    // Logged in 60 + 200 = 260 s, break 200 s. (The bug: break 100..120 and idle from 120.)
    const s = await run([[login(0), logout(60)], [login(120)], [state(100, 'not_ready', 'break')], [tick(300)]]);
    const a = agent(s, 'A1');
    expect(a).toMatchObject({ loggedIn: true, state: 'not_ready', reasonCategory: 'break', since: iso(100) });
    expect(a.windows['60m']).toMatchObject({ loggedInSeconds: 260, breakSeconds: 200 });
  });

  it('E: a wrap ended by a late state counts in the minute it really ended', async () => {
    // A1 answers c1 (q1) at 0, ends it at 60 (09:01:00) and wraps. Training at 130 (09:02:10) arrives first, then the
    // idle at 100 (09:01:40) that really ended the wrap: wrap 60..100, 40 s, counted in minute 09:01.
    // A2 answers c2 (q1) at 120 and ends it at 180 (09:03:00), no wrap. Now 09:17:30: the 15-minute window starts at
    // 09:02:00, so it holds c2's end and not the wrap: AHT 60 s. The 60-minute window holds both ends and the wrap:
    // (60 + 40 + 60) / 2 = 80 s. (The bug counted the wrap in minute 09:02, the training's: 15-minute AHT 100.)
    const s = await run([
      [login(0), login(0, 'A2'), call(0, 'queued', 'c1', { queueId: 'q1' }), ...answer(0, 'c1', 'q1')],
      hangUp(60, 'c1', 'wrap'),
      [state(130, 'not_ready', 'training')],
      [state(100, 'idle')],
      [call(120, 'queued', 'c2', { queueId: 'q1' }), ...answer(120, 'c2', 'q1', 'A2')],
      hangUp(180, 'c2', 'idle', 'A2'),
      [tick(17 * 60 + 30)],
    ]);
    expect(s.windows['15m'].from).toBe(iso(120));
    expect(queue(s, 'q1').windows['15m']).toMatchObject({ answered: 1, ahtSeconds: 60 });
    expect(queue(s, 'q1').windows['60m']).toMatchObject({ answered: 2, ahtSeconds: 80 });
    expect(agent(s, 'A1')).toMatchObject({ state: 'not_ready', reasonCategory: 'training', since: iso(130) });
  });
});
