// Alerts end to end: scripted event streams, a pinned clock, the real engine and Redis. Each rule raises only after
// its hold time, holds between its levels, and clears with hysteresis; alerts are raised once across processes.
import { afterEach, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import type { AcdEventInput } from '../../shared/events.js';
import type { Alert, AlertRule, Snapshot } from '../../shared/snapshot.js';
import type { ActionReply, ClientToServerEvents, ServerToClientEvents } from '../../shared/socket.js';
import type { ConfigFile } from '../../server/config.js';
import { addUser, createToken } from '../../server/auth/manage.js';
import { ManualClock, TEST_TOKENS, startTestFloorwatch } from '../support/floorwatch.js';

const T0 = Date.parse('2026-05-04T10:00:00Z'); // in the default peak hours
/** An event without id and time (the floor stamps them); distributes over the union of event types. */
type Body = AcdEventInput extends infer E ? (E extends unknown ? Omit<E, 'id' | 'ts'> : never) : never;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * A floor on a pinned clock: `at(s)` moves to T0 + s seconds, `send` stamps events with that time, `alerts` evaluates.
 * The background push is slowed to once an hour so that only the test decides when rules are evaluated.
 */
async function floor(config: ConfigFile = {}, options: { push?: boolean } = {}) {
  const clock = new ManualClock(T0);
  const fw = await startTestFloorwatch(options.push ? config : { push: { intervalMs: 3_600_000 }, ...config }, {}, { clock });
  cleanups.push(() => fw.close());
  let n = 0;
  return {
    fw,
    clock,
    at: (seconds: number) => clock.set(T0 + seconds * 1000),
    async send(events: Body[]) {
      const res = await fw.post(events.map((e) => ({ ...e, id: `e${++n}`, ts: clock.now() })));
      expect(res.body.accepted).toBe(events.length);
    },
    /** Evaluates the rules now (as every snapshot does) and returns the alerts of a rule. */
    async alerts(rule: AlertRule): Promise<Alert[]> {
      return (await fw.snapshots.compute()).alerts.filter((a) => a.rule === rule);
    },
  };
}
type Floor = Awaited<ReturnType<typeof floor>>;
const active = (as: Alert[]) => as.filter((a) => a.clearedAt === null);
const login = (team: string, ids: string[], queues: string[] = ['q']) => ids.map((agentId) => ({ type: 'agent.login', agentId, teamId: team, name: `Agent ${agentId}`, queues }) as const);
const state = (agentId: string, s: string, reason?: string) => ({ type: 'agent.state', agentId, state: s, ...(reason ? { reason } : {}) }) as Body;

describe('each rule raises after its hold time and clears with hysteresis', () => {
  it('too many on break (team): 2 of 6 on break for 60 s raises; 1 of 6 (17% > 14%) holds; none clears after 120 s', async () => {
    const f: Floor = await floor();
    f.at(0);
    await f.send(login('t1', ['a', 'b', 'c', 'd', 'e', 'g']));
    await f.send([state('a', 'not_ready', 'break'), state('b', 'not_ready', 'break')]);
    expect(active(await f.alerts('too_many_on_break')).filter((a) => a.subject.kind === 'team')).toHaveLength(0);
    f.at(59);
    expect(active(await f.alerts('too_many_on_break')).filter((a) => a.subject.kind === 'team')).toHaveLength(0);
    f.at(61);
    const raised = active(await f.alerts('too_many_on_break')).find((a) => a.subject.kind === 'team')!;
    expect(raised.subject).toEqual({ kind: 'team', id: 't1', teamId: 't1' });
    expect(raised.value!).toBeCloseTo(2 / 6, 9);
    expect(raised.threshold!).toBeCloseTo(1 / 6, 9);
    f.at(70);
    await f.send([state('a', 'idle')]); // 1/6 = 16.7%: under the limit but above the 14% exit level
    f.at(400);
    expect(active(await f.alerts('too_many_on_break')).map((a) => a.id)).toContain(raised.id);
    await f.send([state('b', 'idle')]); // nobody on break: the exit level, from t = 400
    expect(active(await f.alerts('too_many_on_break')).map((a) => a.id)).toContain(raised.id);
    f.at(519);
    expect(active(await f.alerts('too_many_on_break')).map((a) => a.id)).toContain(raised.id); // clearing, not yet 120 s
    f.at(521);
    const after = await f.alerts('too_many_on_break');
    expect(after.find((a) => a.id === raised.id)!.clearedAt).toBe(new Date(T0 + 521_000).toISOString());
  });

  it('a condition that ends before its hold time raises nothing (no flapping on the TV)', async () => {
    const f = await floor();
    f.at(0);
    await f.send(login('t1', ['a', 'b', 'c', 'd', 'e', 'g']));
    await f.send([state('a', 'not_ready', 'break'), state('b', 'not_ready', 'break')]);
    await f.alerts('too_many_on_break');
    f.at(30);
    await f.send([state('a', 'idle'), state('b', 'idle')]);
    await f.alerts('too_many_on_break');
    f.at(90);
    expect(await f.alerts('too_many_on_break')).toHaveLength(0);
  });

  it('long break: after 15 minutes on break, to the team; cleared when the agent is back; again later is a new alert', async () => {
    const f = await floor();
    f.at(0);
    await f.send(login('t1', ['a', 'b']));
    await f.send([state('a', 'not_ready', 'break')]);
    f.at(14 * 60);
    expect(await f.alerts('long_break')).toHaveLength(0);
    f.at(15 * 60 + 1);
    const first = active(await f.alerts('long_break'));
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ subject: { kind: 'agent', id: 'a', teamId: 't1' }, subjectName: 'Agent a', value: 15 });
    f.at(16 * 60);
    await f.send([state('a', 'idle')]);
    expect(active(await f.alerts('long_break'))).toHaveLength(0);
    f.at(17 * 60);
    await f.send([state('a', 'not_ready', 'break')]);
    f.at(33 * 60);
    const second = active(await f.alerts('long_break'));
    expect(second).toHaveLength(1);
    expect(second[0]!.id).not.toBe(first[0]!.id);
  });

  it('break out of control: CV >= 0.16 held 60 s raises; evening the breaks out clears', async () => {
    // Shorter windows and holds for the test (a site can set these in the config file).
    const f = await floor({ alerts: { breakControl: { window: '15m', forSeconds: 60, clearForSeconds: 60, minAgents: 3 } } });
    f.at(0);
    await f.send(login('t1', ['a', 'b', 'c', 'd']));
    f.at(60);
    await f.send([state('a', 'not_ready', 'break')]); // only a takes breaks: CV far above 0.16
    f.at(11 * 60); // everyone has 11 min logged in, so all four count
    expect(active(await f.alerts('break_out_of_control'))).toHaveLength(0);
    f.at(12 * 60 + 1);
    const raised = active(await f.alerts('break_out_of_control'));
    expect(raised).toHaveLength(1);
    expect(raised[0]!.value!).toBeGreaterThan(0.16);
    expect(raised[0]!.severity).toBe('critical');
    // Everyone takes the same break from now on: a's share falls and the others' rise until the CV is under 0.14.
    await f.send([state('a', 'idle')]);
    let cleared: Alert | undefined;
    for (let minute = 13; minute <= 60 && !cleared; minute++) {
      f.at(minute * 60);
      await f.send(['a', 'b', 'c', 'd'].map((x) => state(x, minute % 2 ? 'not_ready' : 'idle', 'break')));
      cleared = (await f.alerts('break_out_of_control')).find((a) => a.id === raised[0]!.id && a.clearedAt !== null);
    }
    expect(cleared).toBeDefined();
  });

  it('callback mode: 10 waiting held 10 s recommends entering; answered within 20 s and calm for 30 s clears', async () => {
    // Short holds for the test; waits stay under T = 20 s so the 15-minute service level is good again.
    const f = await floor({ alerts: { callbackEnter: { forSeconds: 10, clearForSeconds: 30 } } });
    f.at(0);
    await f.send(login('t1', Array.from({ length: 10 }, (_, i) => `a${i}`)));
    await f.send(Array.from({ length: 10 }, (_, i) => ({ type: 'call.queued', callId: `c${i}`, queueId: 'q' }) as const));
    await f.alerts('callback_enter');
    f.at(9);
    expect(await f.alerts('callback_enter')).toHaveLength(0);
    f.at(10);
    expect(active(await f.alerts('callback_enter'))).toMatchObject([{ subject: { kind: 'queue', id: 'q' }, value: 10 }]);
    f.at(15);
    await f.send(Array.from({ length: 10 }, (_, i) => ({ type: 'call.answered', callId: `c${i}`, queueId: 'q', agentId: `a${i}` }) as const));
    expect(active(await f.alerts('callback_enter'))).toHaveLength(1); // calm from t = 15
    f.at(44);
    expect(active(await f.alerts('callback_enter'))).toHaveLength(1);
    f.at(46);
    expect(active(await f.alerts('callback_enter'))).toHaveLength(0);
  });

  it('callback mode on: with callbacks pending, few waiting and agents ready for 120 s, recommends calling back', async () => {
    const f = await floor();
    f.at(0);
    await f.send(login('t1', ['a', 'b']));
    await f.send([{ type: 'call.queued', callId: 'x', queueId: 'q' }, { type: 'call.callback_requested', callId: 'x', queueId: 'q' }]);
    await f.fw.alerts.setCallbackMode('queue', 'q', true, 'test', f.clock.now());
    await f.alerts('callback_leave');
    f.at(121);
    expect(active(await f.alerts('callback_leave'))).toMatchObject([{ subject: { id: 'q' }, value: 1 }]);
    await f.send([{ type: 'call.callback_completed', callId: 'x', queueId: 'q', agentId: 'a' }]);
    expect(active(await f.alerts('callback_leave'))).toHaveLength(0); // nothing pending: done
  });

  it('overflow: 6 waiting for 1 ready agent for 30 s raises', async () => {
    const f = await floor();
    f.at(0);
    await f.send(login('t1', ['a']));
    await f.send(Array.from({ length: 6 }, (_, i) => ({ type: 'call.queued', callId: `c${i}`, queueId: 'q' }) as const));
    await f.alerts('overflow');
    f.at(29);
    expect(await f.alerts('overflow')).toHaveLength(0);
    f.at(31);
    expect(active(await f.alerts('overflow'))).toMatchObject([{ severity: 'critical', subject: { id: 'q' } }]);
  });

  it('abandon rate: 3 of 12 abandoned after 10 s (25%) for 60 s raises', async () => {
    const f = await floor();
    f.at(0);
    await f.send(login('t1', ['a']));
    const calls: Body[] = Array.from({ length: 12 }, (_, i) => ({ type: 'call.queued', callId: `c${i}`, queueId: 'q' }) as const);
    await f.send(calls);
    f.at(10);
    await f.send(Array.from({ length: 12 }, (_, i): Body => (i < 3 ? { type: 'call.abandoned', callId: `c${i}`, queueId: 'q' } : { type: 'call.answered', callId: `c${i}`, queueId: 'q', agentId: 'a' })));
    await f.alerts('abandon_rate');
    f.at(71);
    expect(active(await f.alerts('abandon_rate'))).toMatchObject([{ value: 0.25, threshold: 0.1 }]);
  });

  it('utilisation high and low: a team all on calls, a team all idle, for 10 minutes', async () => {
    const f = await floor();
    f.at(0);
    await f.send([...login('busy', ['a', 'b', 'c']), ...login('quiet', ['x', 'y', 'z'])]);
    await f.send(['a', 'b', 'c'].map((x) => state(x, 'talking')));
    f.at(9 * 60);
    await f.alerts('utilisation_high');
    f.at(19 * 60 + 1);
    const snap = await f.fw.snapshots.compute();
    expect(active(snap.alerts.filter((a) => a.rule === 'utilisation_high')).map((a) => a.subject.id)).toEqual(['busy']);
    expect(active(snap.alerts.filter((a) => a.rule === 'utilisation_low')).map((a) => a.subject.id)).toEqual(['quiet']);
  });

  it('feed stale: no event for 60 s raises at once; the next event clears it', async () => {
    // The feed's staleness is measured on the wall clock the service is given (here the pinned one).
    const f = await floor();
    f.at(0);
    await f.send(login('t1', ['a']));
    f.at(61);
    expect(active(await f.alerts('feed_stale'))).toHaveLength(1);
    await f.send([state('a', 'talking')]);
    expect(active(await f.alerts('feed_stale'))).toHaveLength(0);
  });
});

describe('lifecycle across processes, acknowledgement and controls', () => {
  it('two server processes on one Redis raise one alert and write one duty-log entry; both see it', async () => {
    const clock = new ManualClock(T0);
    const one = await startTestFloorwatch({}, {}, { clock });
    const two = await startTestFloorwatch({}, {}, { clock, prefix: one.prefix, usersFile: one.usersFile });
    cleanups.push(() => one.close(), () => two.stop());
    await one.post(login('t1', ['a', 'b']).map((e, i) => ({ ...e, id: `l${i}`, ts: T0 })));
    await one.post([{ id: 's1', ts: T0, type: 'agent.state', agentId: 'a', state: 'not_ready', reason: 'break' }]);
    clock.set(T0 + 16 * 60_000);
    // Both evaluate the same moment, many times over.
    const snaps = await Promise.all([...Array(5)].flatMap(() => [one.snapshots.compute(), two.snapshots.compute()]));
    const ids = new Set(snaps.flatMap((s) => s.alerts.filter((a) => a.rule === 'long_break').map((a) => a.id)));
    expect(ids.size).toBe(1);
    const raisedEntries = (await one.dutyLog.latest(100)).filter((e) => e.kind === 'alert.raised' && e.detail.rule === 'long_break');
    expect(raisedEntries).toHaveLength(1);
    // Each process's own socket clients see it.
    for (const fw of [one, two]) {
      const c = io(fw.url, { transports: ['websocket'], auth: { token: TEST_TOKENS.supervisor } });
      cleanups.push(() => c.close());
      const s = await new Promise<Snapshot>((resolve) => c.emit('snapshot:get', resolve));
      expect(s.alerts.filter((a) => a.rule === 'long_break').map((a) => a.id)).toEqual([...ids]);
    }
  });

  it('a lead acknowledges their own team\'s alert (the supervisor sees who and the note); not another team\'s; a TV nothing', async () => {
    const f = await floor();
    await addUser(f.fw.usersFile, { username: 'lead1', password: 'lead-one-pass', roles: ['lead'], teams: ['t1'] });
    const display = createToken(f.fw.usersFile, { name: 'TV', role: 'display' }).secret;
    f.at(0);
    await f.send([...login('t1', ['a']), ...login('t2', ['b'])]);
    await f.send([state('a', 'not_ready', 'break'), state('b', 'not_ready', 'break')]);
    f.at(16 * 60);
    const alerts = active(await f.alerts('long_break'));
    const mine = alerts.find((a) => a.subject.teamId === 't1')!;
    const theirs = alerts.find((a) => a.subject.teamId === 't2')!;

    const login1 = await fetch(`${f.fw.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'lead1', password: 'lead-one-pass' }) });
    const cookie = login1.headers.get('set-cookie')!.split(';')[0]!;
    const lead = io(f.fw.url, { transports: ['websocket'], extraHeaders: { cookie } }) as Socket<ServerToClientEvents, ClientToServerEvents>;
    const tv = io(f.fw.url, { transports: ['websocket'], auth: { token: display } }) as Socket<ServerToClientEvents, ClientToServerEvents>;
    cleanups.push(() => lead.close(), () => tv.close());
    const leadSnap = await new Promise<Snapshot>((resolve) => lead.emit('snapshot:get', resolve));
    expect(leadSnap.alerts.map((a) => a.id)).toEqual([mine.id]); // only their team's
    const ack = (s: typeof lead, id: string, note?: string) => new Promise<ActionReply>((resolve) => s.emit('alert:ack', { id, note }, resolve));
    expect(await ack(tv, mine.id)).toEqual({ ok: false, error: 'your role may not do this' });
    expect(await ack(lead, theirs.id)).toEqual({ ok: false, error: 'your role may not do this' });
    expect(await ack(lead, mine.id, 'spoke to her')).toEqual({ ok: true });
    expect(await ack(lead, mine.id)).toEqual({ ok: false, error: 'already acknowledged' });
    const supervisorView = (await f.fw.snapshot()).alerts.find((a) => a.id === mine.id)!;
    expect(supervisorView.ack).toMatchObject({ by: 'lead1', note: 'spoke to her' });
    const log = await f.fw.dutyLog.latest(50);
    expect(log.some((e) => e.kind === 'alert.acknowledged' && e.actor === 'lead1')).toBe(true);
    expect(log.filter((e) => e.kind === 'auth.denied').length).toBeGreaterThanOrEqual(2);
  });

  it('callback mode, broadcast and thresholds: the supervisor may, a TV may not; all in the duty log and on the board', async () => {
    const f = await floor({}, { push: true });
    const display = createToken(f.fw.usersFile, { name: 'TV', role: 'display' }).secret;
    const sup = io(f.fw.url, { transports: ['websocket'], auth: { token: TEST_TOKENS.supervisor } }) as Socket<ServerToClientEvents, ClientToServerEvents>;
    const tv = io(f.fw.url, { transports: ['websocket'], auth: { token: display } }) as Socket<ServerToClientEvents, ClientToServerEvents>;
    cleanups.push(() => sup.close(), () => tv.close());
    const emit = <E extends 'callback:set' | 'broadcast:set' | 'thresholds:set'>(s: typeof sup, e: E, req: Parameters<ClientToServerEvents[E]>[0]) =>
      new Promise<ActionReply>((resolve) => (s.emit as (e: string, r: unknown, cb: (r: ActionReply) => void) => void)(e, req, resolve));

    expect(await emit(tv, 'callback:set', { scope: 'queue', id: 'q', on: true })).toMatchObject({ ok: false });
    expect(await emit(tv, 'broadcast:set', { text: 'hi', audience: 'all', minutes: 5 })).toMatchObject({ ok: false });
    expect(await emit(sup, 'callback:set', { scope: 'queue', id: 'q', on: true })).toEqual({ ok: true });
    expect(await emit(sup, 'broadcast:set', { text: 'Use the paper form until 22:30', audience: 'all', minutes: 30 })).toEqual({ ok: true });
    expect(await emit(sup, 'thresholds:set', { longBreak: { minutes: 'ten' } })).toMatchObject({ ok: false, error: expect.stringMatching(/longBreak\.minutes/) });
    expect(await emit(sup, 'thresholds:set', { longBreak: { minutes: 10 } })).toEqual({ ok: true });
    expect((await f.fw.snapshots.thresholds()).longBreak.minutes).toBe(10);
    expect((await f.fw.get<{ thresholds: { longBreak: { minutes: number } } }>('/api/thresholds')).thresholds.longBreak.minutes).toBe(10);

    const board = await new Promise<Snapshot>((resolve) => tv.on('snapshot', (s) => s.broadcast !== null && s.callbackModes.length > 0 && resolve(s)));
    expect(board.callbackModes).toMatchObject([{ scope: 'queue', id: 'q', on: true }]);
    expect(board.broadcast).toMatchObject({ text: 'Use the paper form until 22:30', audience: 'all' });
    const kinds = (await f.fw.dutyLog.latest(50)).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['callback.on', 'broadcast.set', 'thresholds.changed', 'auth.denied']));
  });
});

describe('duty log export', () => {
  it('exports the duty log as CSV for a supervisor, with notes, quoting and no formula injection', async () => {
    const f = await floor();
    const sup = io(f.fw.url, { transports: ['websocket'], auth: { token: TEST_TOKENS.supervisor } }) as Socket<ServerToClientEvents, ClientToServerEvents>;
    cleanups.push(() => sup.close());
    const note = (text: string) => new Promise<ActionReply>((resolve) => sup.emit('note:add', { text }, resolve));
    expect(await note('Handover: queue "vip" slow, see ticket, 2 staff on standby')).toEqual({ ok: true });
    expect(await note('=HYPERLINK("http://x")')).toEqual({ ok: true });
    expect(await note('   ')).toMatchObject({ ok: false });
    const res = await fetch(`${f.fw.url}/api/duty-log.csv`, { headers: { authorization: `Bearer ${TEST_TOKENS.supervisor}` } });
    expect(res.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await res.text()).trim().split('\r\n');
    expect(lines[0]).toBe('time (UTC),time (UTC),kind,actor,detail');
    const notes = lines.filter((l) => l.includes(',note,'));
    expect(notes).toHaveLength(2);
    expect(notes[0]).toContain('"{""text"":""Handover: queue \\""vip\\"" slow, see ticket, 2 staff on standby""}"');
    expect((await fetch(`${f.fw.url}/api/duty-log.csv`)).status).toBe(401);
  });
});
