// The interval series, the sparklines and the AHT special-cause alert, from scripted calls on a pinned clock, with
// every expected figure worked out by hand in the comments.
import { afterEach, describe, expect, it } from 'vitest';
import type { AcdEventInput } from '../../shared/events.js';
import type { Series, Sparklines } from '../../shared/series.js';
import { ManualClock, startTestFloorwatch } from '../support/floorwatch.js';

const T0 = Date.parse('2026-05-04T06:00:00Z'); // the site is in UTC; 06:00 starts a 15-, 30- and 60-minute interval
const MIN = 60_000;
/** An event without id and time (the floor stamps them); distributes over the union of event types. */
type Body = AcdEventInput extends infer E ? (E extends unknown ? Omit<E, 'id' | 'ts'> : never) : never;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * One agent A of team t1 on queue q takes one call in each 15-minute interval k: queued at +60 s, answered at +70 s
 * (wait 10 s), talk `talkSeconds[k]`, ended, back to idle. Team and queue AHT of interval k are talkSeconds[k].
 */
async function floorWithCalls(talkSeconds: number[]) {
  const clock = new ManualClock(T0);
  const fw = await startTestFloorwatch(
    { teams: [{ id: 't1', name: 'Team One' }], queues: [{ id: 'q', name: 'Sales' }], alerts: { ahtSpecialCause: { minCalls: 1 } }, push: { intervalMs: 3_600_000 } },
    {},
    { clock },
  );
  cleanups.push(() => fw.close());
  let n = 0;
  const send = async (ms: number, events: Body[]) => {
    clock.set(ms);
    const res = await fw.post(events.map((e) => ({ ...e, id: `e${++n}`, ts: ms }) as AcdEventInput));
    expect(res.body.accepted).toBe(events.length);
  };
  await send(T0, [{ type: 'agent.login', agentId: 'A', teamId: 't1', name: 'Agent A', queues: ['q'] }]);
  const call = async (k: number, talk: number) => {
    const start = T0 + k * 15 * MIN;
    await send(start + 60_000, [{ type: 'call.queued', callId: `c${k}`, queueId: 'q' }]);
    await send(start + 70_000, [
      { type: 'agent.state', agentId: 'A', state: 'talking' },
      { type: 'call.answered', callId: `c${k}`, queueId: 'q', agentId: 'A' },
    ]);
    await send(start + 70_000 + talk * 1000, [
      { type: 'call.ended', callId: `c${k}`, agentId: 'A' },
      { type: 'agent.state', agentId: 'A', state: 'idle' },
    ]);
  };
  for (const [k, talk] of talkSeconds.entries()) await call(k, talk);
  return { fw, clock, call };
}

describe('interval series', () => {
  it('adds 15-minute buckets into 30-minute intervals with the window formulas', async () => {
    const { fw, clock } = await floorWithCalls([60, 90, 120, 150]);
    clock.set(T0 + 60 * MIN + 30_000); // 07:00:30
    const s = await fw.get<Series>('/api/series?kind=team&id=t1&interval=30&hours=2');
    // 2 hours back from 07:00:30 is 05:00:30 -> intervals 05:00, 05:30, 06:00, 06:30, 07:00 (still running)
    expect(s.points.map((p) => p.from.slice(11, 16))).toEqual(['05:00', '05:30', '06:00', '06:30', '07:00']);
    expect(s.points.map((p) => p.complete)).toEqual([true, true, true, true, false]);
    const p0600 = s.points[2]!.team!;
    // 06:00-06:30: calls of 60 and 90 s; A logged in all 1,800 s -> utilisation 150 / 1800, AHT 75 s, idle 1,650 s
    expect(p0600.callsHandled).toBe(2);
    expect(p0600.ahtSeconds).toBe(75);
    expect(p0600.loggedInSeconds).toBe(1800);
    expect(p0600.utilisation!).toBeCloseTo(150 / 1800, 12);
    expect(p0600.idleRate!).toBeCloseTo(1650 / 1800, 12);
    expect(p0600.breakRate).toBe(0);
    expect(s.points[0]!.team!.loggedInSeconds).toBe(0);
    expect(s.points[0]!.team!.utilisation).toBeNull();

    const q = await fw.get<Series>('/api/series?kind=queue&id=q&interval=60&hours=1');
    // 1 hour back from 07:00:30 -> 06:00 and 07:00; 06:00-07:00 has 4 calls, each waited 10 s (all within 20 s)
    const hour = q.points[0]!.queue!;
    expect(q.points[0]!.from).toBe('2026-05-04T06:00:00.000Z');
    expect([hour.entered, hour.answered, hour.serviceLevel, hour.asaSeconds, hour.ahtSeconds]).toEqual([4, 4, 1, 10, (60 + 90 + 120 + 150) / 4]);

    const floor = await fw.get<Series>('/api/series?kind=floor&interval=60&hours=1');
    expect(floor.points[0]!.queue!.answered).toBe(4);
    expect(floor.points[0]!.team!.callsHandled).toBe(4);
  });

  it('answers 400 to a bad query', async () => {
    const { fw } = await floorWithCalls([]);
    await expect(fw.get('/api/series?kind=team')).rejects.toThrow(/400/);
    await expect(fw.get('/api/series?kind=queue&id=q&interval=20')).rejects.toThrow(/400/);
    await expect(fw.get('/api/series?kind=agent&id=A')).rejects.toThrow(/400/);
  });

  it('gives per-minute sparklines of each queue for the last hour', async () => {
    const { fw, clock } = await floorWithCalls([60, 90]);
    clock.set(T0 + 30 * MIN); // 06:30
    const sp = await fw.get<Sparklines>('/api/sparklines');
    const q = sp.queues.find((x) => x.queueId === 'q')!;
    expect(q.points).toHaveLength(60);
    expect(q.points[59]!.from).toBe('2026-05-04T06:30:00.000Z');
    // c0 queued 06:01:00 (1 waiting), answered 06:01:10; c1 queued 06:16:00
    const at = (hhmm: string) => q.points.find((p) => p.from.slice(11, 16) === hhmm)!;
    expect(at('06:01')).toEqual({ from: '2026-05-04T06:01:00.000Z', entered: 1, answered: 1, abandoned: 0, peakWaiting: 1 });
    expect(at('06:16')).toMatchObject({ entered: 1, answered: 1, peakWaiting: 1 });
    expect(at('06:02')).toMatchObject({ entered: 0, answered: 0, peakWaiting: null });
  });
});

describe('AHT special cause', () => {
  it('raises when 6 complete intervals rise in a row, for the team (its lead) and the queue, and clears when the run breaks', async () => {
    const { fw, clock, call } = await floorWithCalls([60, 90, 120, 150, 180]);
    clock.set(T0 + 75 * MIN + 1000); // 5 complete intervals: no run yet
    let s = await fw.snapshots.compute();
    expect(s.alerts.filter((a) => a.rule === 'aht_special_cause')).toEqual([]);

    await call(5, 210); // the 6th rising interval (06:15 .. 07:30)
    clock.set(T0 + 90 * MIN + 1000);
    s = await fw.snapshots.compute();
    const raised = s.alerts.filter((a) => a.rule === 'aht_special_cause' && a.clearedAt === null);
    expect(raised.map((a) => a.subject).sort((x, y) => x.kind.localeCompare(y.kind))).toEqual([
      { kind: 'queue', id: 'q' },
      { kind: 'team', id: 't1', teamId: 't1' },
    ]);
    expect(raised[0]!.value).toBe(6);
    expect(s.teams.find((t) => t.teamId === 't1')!.ahtRun).toMatchObject({ rule: 'trend', direction: 'up', length: 6, from: '2026-05-04T06:00:00.000Z', to: '2026-05-04T07:30:00.000Z', current: true });

    await call(6, 100); // lower: the run no longer reaches the latest interval
    clock.set(T0 + 105 * MIN + 1000);
    s = await fw.snapshots.compute();
    expect(s.alerts.filter((a) => a.rule === 'aht_special_cause' && a.clearedAt === null)).toEqual([]);
    expect(s.alerts.filter((a) => a.rule === 'aht_special_cause').every((a) => a.clearedAt !== null)).toBe(true);
    expect(s.teams[0]!.ahtRun).toBeNull();
  });
});
