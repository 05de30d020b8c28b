import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseEvent, type AcdEventInput, type AgentState } from '../../shared/events.js';
import {
  AcdSimulator,
  ERLANG_QUEUE_ID,
  Random,
  callsPerHourAt,
  createDemoSite,
  startSimulator,
  surgeMultiplierAt,
  type ErlangParameters,
} from '../../server/ingest/simulator/index.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
/** 09:00 site time (UTC+8): the morning peak, when surges really build queues. */
const MORNING = Date.parse('2026-03-10T09:00:00+08:00');
const NIGHT = Date.parse('2026-03-10T02:00:00+08:00');

type Event = AcdEventInput & { ts: number };

/** Demo runs are shared between tests: each 2-hour run is simulated once. */
const demoRuns = new Map<string, Event[]>();
function demo(seed: number, hours = 2, startMs = MORNING): Event[] {
  const key = `${seed}/${hours}/${startMs}`;
  let events = demoRuns.get(key);
  if (!events) {
    events = new AcdSimulator({ seed, startMs }).advanceTo(startMs + hours * HOUR) as Event[];
    demoRuns.set(key, events);
  }
  return events;
}

function erlang(seed: number, params: ErlangParameters, hours: number): Event[] {
  return new AcdSimulator({ seed, startMs: MORNING, mode: 'erlang', erlang: params }).advanceTo(MORNING + hours * HOUR) as Event[];
}

// ---- helpers that read the event stream the way a consumer would ------------------------------------------------

/** Every rule the stream must keep; returns the broken ones (empty when consistent). */
function consistencyProblems(events: Event[], queueIds: string[]): string[] {
  const problems: string[] = [];
  const fail = (e: Event, why: string) => problems.length < 20 && problems.push(`${e.id} ${e.type} @${e.ts}: ${why}`);
  type CallPhase = 'waiting' | 'talking' | 'ended' | 'left';
  const calls = new Map<string, { phase: CallPhase; queueId: string; agentId?: string }>();
  type AgentPhase = 'logged_out' | 'just_logged_in' | AgentState;
  const agents = new Map<string, { phase: AgentPhase; call: string | null; callJustEnded: boolean }>();
  const agentOf = (id: string) => {
    let agent = agents.get(id);
    if (!agent) agents.set(id, (agent = { phase: 'logged_out', call: null, callJustEnded: false }));
    return agent;
  };
  // Which agent states may follow which (a new call is only taken from idle).
  const legalNext: Record<AgentPhase, readonly string[]> = {
    logged_out: [],
    just_logged_in: ['idle'],
    idle: ['ringing', 'talking', 'not_ready'],
    ringing: ['talking'],
    talking: ['hold', 'wrap', 'idle'],
    hold: ['talking'],
    wrap: ['idle', 'not_ready'],
    not_ready: ['idle', 'not_ready'],
    outbound: [], // the simulator makes no outbound calls
  };

  for (const e of events) {
    switch (e.type) {
      case 'agent.login': {
        const agent = agentOf(e.agentId);
        if (agent.phase !== 'logged_out') fail(e, `login while ${agent.phase}`);
        agent.phase = 'just_logged_in';
        break;
      }
      case 'agent.logout': {
        const agent = agentOf(e.agentId);
        if (!['idle', 'wrap', 'not_ready'].includes(agent.phase) || agent.call) fail(e, `logout while ${agent.phase}`);
        agent.phase = 'logged_out';
        break;
      }
      case 'agent.state': {
        const agent = agentOf(e.agentId);
        if (!legalNext[agent.phase].includes(e.state)) fail(e, `${agent.phase} -> ${e.state}`);
        if (e.state === 'ringing' && agent.phase !== 'idle') fail(e, 'offered a call while not idle');
        if (e.state === 'talking' && !agent.call) fail(e, 'talking without an answered call');
        if (e.state === 'hold' && !agent.call) fail(e, 'hold without a call');
        if ((e.state === 'wrap' || (e.state === 'idle' && agent.phase === 'talking')) && !agent.callJustEnded) fail(e, `${e.state} before call.ended`);
        if (['idle', 'not_ready', 'wrap'].includes(e.state) && agent.call) fail(e, `${e.state} during call ${agent.call}`);
        if (e.state === 'not_ready' && !e.reason) fail(e, 'not_ready without a reason');
        agent.phase = e.state;
        agent.callJustEnded = false;
        break;
      }
      case 'call.queued':
        if (calls.has(e.callId)) fail(e, 'call queued twice');
        if (!queueIds.includes(e.queueId)) fail(e, `unknown queue ${e.queueId}`);
        calls.set(e.callId, { phase: 'waiting', queueId: e.queueId });
        break;
      case 'call.answered': {
        const call = calls.get(e.callId);
        const agent = agentOf(e.agentId);
        if (!call || call.phase !== 'waiting') fail(e, `answered a call that is ${call?.phase ?? 'unknown'}`);
        else if (call.queueId !== e.queueId) fail(e, 'answered on the wrong queue');
        if (agent.phase !== 'idle' && agent.phase !== 'ringing') fail(e, `agent given a call while ${agent.phase}`);
        if (call) Object.assign(call, { phase: 'talking', agentId: e.agentId });
        agent.call = e.callId;
        break;
      }
      case 'call.ended': {
        const call = calls.get(e.callId);
        if (!call || call.phase !== 'talking') fail(e, `ended a call that is ${call?.phase ?? 'unknown'}`);
        else if (call.agentId !== e.agentId) fail(e, 'ended by another agent');
        if (call) call.phase = 'ended';
        const agent = agentOf(e.agentId ?? '');
        if (agent.call !== e.callId) fail(e, 'agent was not on this call');
        if (agent.phase !== 'talking') fail(e, `call ended while agent ${agent.phase}`);
        agent.call = null;
        agent.callJustEnded = true;
        break;
      }
      case 'call.abandoned':
      case 'call.callback_requested':
      case 'call.overflowed': {
        const call = calls.get(e.callId);
        if (!call || call.phase !== 'waiting') fail(e, `left a queue it is not waiting in (${call?.phase ?? 'unknown'})`);
        else if (call.queueId !== e.queueId) fail(e, 'left the wrong queue');
        if (e.type === 'call.overflowed' && (!queueIds.includes(e.toQueueId) || e.toQueueId === e.queueId)) fail(e, `bad overflow target ${e.toQueueId}`);
        if (call) call.phase = 'left';
        break;
      }
    }
  }
  // Every answered call has ended, or is still in progress with its agent at the end of the run.
  for (const [callId, call] of calls) {
    if (call.phase !== 'talking') continue;
    const agent = agents.get(call.agentId ?? '');
    if (agent?.call !== callId || !['talking', 'hold'].includes(agent.phase)) problems.push(`${callId} answered but never ended`);
  }
  return problems;
}

/** Each agent's break rate over [from, to): time in not_ready with reason 'break' / logged-in time. */
function breakRates(events: Event[], from: number, to: number): Map<string, { teamId: string; rate: number }> {
  const teamOf = new Map<string, string>();
  const loggedIn = new Map<string, number>();
  const onBreak = new Map<string, number>();
  const current = new Map<string, { loggedIn: boolean; onBreak: boolean; since: number }>();
  const addOverlap = (totals: Map<string, number>, id: string, start: number, end: number) => {
    const overlap = Math.min(end, to) - Math.max(start, from);
    if (overlap > 0) totals.set(id, (totals.get(id) ?? 0) + overlap);
  };
  const close = (id: string, at: number) => {
    const spell = current.get(id);
    if (spell?.loggedIn) addOverlap(loggedIn, id, spell.since, at);
    if (spell?.onBreak) addOverlap(onBreak, id, spell.since, at);
  };
  for (const e of events) {
    if (e.type !== 'agent.login' && e.type !== 'agent.logout' && e.type !== 'agent.state') continue;
    close(e.agentId, e.ts);
    if (e.type === 'agent.login') teamOf.set(e.agentId, e.teamId);
    const breakSpell = e.type === 'agent.state' && e.state === 'not_ready' && e.reason === 'break';
    current.set(e.agentId, { loggedIn: e.type !== 'agent.logout', onBreak: breakSpell, since: e.ts });
  }
  for (const id of current.keys()) close(id, to);
  const rates = new Map<string, { teamId: string; rate: number }>();
  for (const [id, teamId] of teamOf) rates.set(id, { teamId, rate: (onBreak.get(id) ?? 0) / (loggedIn.get(id) ?? Number.NaN) });
  return rates;
}

/** Coefficient of variation with the population sd, as the snapshot defines breakRateCv. */
function coefficientOfVariation(values: number[]): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return Math.sqrt(variance) / mean;
}

/** Most calls waiting at once (all queues together). */
function maxWaiting(events: Event[]): number {
  let waiting = 0;
  let most = 0;
  for (const e of events) {
    if (e.type === 'call.queued') most = Math.max(most, ++waiting);
    else if (e.type === 'call.answered' || e.type === 'call.abandoned' || e.type === 'call.callback_requested' || e.type === 'call.overflowed') waiting--;
  }
  return most;
}

const demoQueueIds = createDemoSite().queues.map((q) => q.id);

// ---- the tests ----------------------------------------------------------------------------------------------------

describe('AcdSimulator: the event stream', () => {
  it('emits only valid events with unique ids and non-decreasing epoch-ms timestamps', () => {
    for (const events of [demo(1), erlang(1, { agents: 8, arrivalsPerHour: 200, meanHandleSeconds: 120, meanPatienceSeconds: 90 }, 2)]) {
      expect(events.length).toBeGreaterThan(1000);
      const invalid = events.map((e) => parseEvent(e)).filter((r) => !r.ok);
      expect(invalid).toEqual([]);
      expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
      for (let i = 1; i < events.length; i++) expect(events[i]!.ts).toBeGreaterThanOrEqual(events[i - 1]!.ts);
      expect(events.every((e) => Number.isInteger(e.ts) && e.ts >= MORNING && e.ts <= MORNING + 2 * HOUR)).toBe(true);
    }
  });

  it('gives the same stream for the same seed and a different one for another seed', () => {
    const run = (seed: number) => new AcdSimulator({ seed, startMs: MORNING }).advanceTo(MORNING + 30 * MINUTE);
    const first = run(7);
    expect(run(7)).toEqual(first);
    const other = run(8);
    const sameTimes = other.length === first.length && other.every((e, i) => e.ts === first[i]!.ts);
    expect(sameTimes).toBe(false);
  });

  it('gives the same stream advanced in small irregular steps as in one call', () => {
    const end = MORNING + 45 * MINUTE;
    const whole = new AcdSimulator({ seed: 3, startMs: MORNING }).advanceTo(end);
    const stepped = new AcdSimulator({ seed: 3, startMs: MORNING });
    const steps = new Random(99);
    const pieces: AcdEventInput[] = [...stepped.advanceTo(MORNING - 1)];
    let now = MORNING;
    while (now < end) {
      pieces.push(...stepped.advanceTo(now));
      pieces.push(...stepped.advanceTo(now - 5_000)); // going back in time yields nothing
      pieces.push(...stepped.advanceTo(now)); // nor does repeating a time
      now = Math.min(end, now + steps.int(0, 20_000));
    }
    pieces.push(...stepped.advanceTo(end));
    expect(pieces).toEqual(whole);
  });

  it('logs every agent in and makes them idle at startMs, with their team, name and queues', () => {
    const site = createDemoSite();
    const atStart = demo(1).filter((e) => e.ts === MORNING);
    for (const team of site.teams) {
      for (const agent of team.agents) {
        const mine = atStart.filter((e) => 'agentId' in e && e.agentId === agent.id);
        expect(mine[0]).toMatchObject({ type: 'agent.login', teamId: team.id, name: agent.name, queues: team.queues });
        expect(mine[1]).toMatchObject({ type: 'agent.state', state: 'idle' });
      }
    }
  });

  it('keeps calls and agents consistent (demo and erlang)', () => {
    for (const seed of [1, 2, 3]) expect(consistencyProblems(demo(seed), demoQueueIds)).toEqual([]);
    const overloaded = erlang(4, { agents: 5, arrivalsPerHour: 240, meanHandleSeconds: 90, meanPatienceSeconds: 60 }, 4);
    expect(consistencyProblems(overloaded, [ERLANG_QUEUE_ID])).toEqual([]);
  });

  it('advances a demo site by one hour well under a second', () => {
    const started = performance.now();
    new AcdSimulator({ seed: 11, startMs: MORNING }).advanceTo(MORNING + HOUR);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('AcdSimulator: the demo site', () => {
  it('has 4 queues and 3-4 teams of 10-20 agents with distinct pinyin and English names', () => {
    const site = createDemoSite();
    expect(site.queues.map((q) => q.id).sort()).toEqual(['billing', 'sales', 'support', 'vip']);
    expect(site.teams.length).toBeGreaterThanOrEqual(3);
    expect(site.teams.length).toBeLessThanOrEqual(4);
    for (const team of site.teams) {
      expect(team.agents.length).toBeGreaterThanOrEqual(10);
      expect(team.agents.length).toBeLessThanOrEqual(20);
    }
    const names = site.teams.flatMap((t) => t.agents.map((a) => a.name));
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('Wang Fang');
    expect(names.some((n) => /^[A-Z][a-z]+ [A-Z][a-z]+$/.test(n) && !/^(Wang|Li|Zhang|Liu|Chen)\b/.test(n))).toBe(true);
  });

  // Over 2 simulated hours from 09:00, for five seeds: the figures the wallboard and the alerts rely on.
  const seeds = [1, 2, 3, 4, 5];

  it('has abandons, queues that build at surges, and some callbacks and overflows', () => {
    let callbacks = 0;
    let overflows = 0;
    for (const seed of seeds) {
      const events = demo(seed);
      const queued = events.filter((e) => e.type === 'call.queued').length;
      const abandoned = events.filter((e) => e.type === 'call.abandoned').length;
      expect(abandoned).toBeGreaterThan(0);
      // Abandons are a visible minority, not a collapse: 1-25% of calls.
      expect(abandoned / queued).toBeGreaterThan(0.01);
      expect(abandoned / queued).toBeLessThan(0.25);
      // A surge pushes a morning floor of ~45 available agents well past capacity: a queue you can see.
      expect(maxWaiting(events)).toBeGreaterThanOrEqual(10);
      callbacks += events.filter((e) => e.type === 'call.callback_requested').length;
      overflows += events.filter((e) => e.type === 'call.overflowed').length;
    }
    expect(callbacks).toBeGreaterThan(0);
    expect(overflows).toBeGreaterThan(0);
  });

  it('keeps the normal teams in control (break-rate CV < 0.16) and one team clearly out of control (CV > 0.3)', () => {
    const site = createDemoSite();
    const unruly = site.teams.at(-1)!;
    const normal = site.teams.slice(0, -1);
    const windowEnd = MORNING + 2 * HOUR;
    for (const seed of seeds) {
      const rates = breakRates(demo(seed), windowEnd - HOUR, windowEnd);
      const teamRates = (teamId: string) => [...rates.values()].filter((r) => r.teamId === teamId).map((r) => r.rate);
      for (const team of normal) {
        const values = teamRates(team.id);
        expect(values).toHaveLength(team.agents.length);
        const mean = values.reduce((a, b) => a + b, 0) / values.length;
        // "Around 8-9%" with a little tolerance.
        expect(mean, `${team.id} seed ${seed} mean`).toBeGreaterThan(0.07);
        expect(mean, `${team.id} seed ${seed} mean`).toBeLessThan(0.1);
        expect(coefficientOfVariation(values), `${team.id} seed ${seed} CV`).toBeLessThan(0.16);
      }
      expect(coefficientOfVariation(teamRates(unruly.id)), `${unruly.id} seed ${seed} CV`).toBeGreaterThan(0.3);
    }
  });

  it('rings at the rate of the time-of-day profile and its surges, quiet at night', () => {
    const site = createDemoSite();
    // Expected arrivals: the declared rate integrated over the run (1-second steps), summed over queues.
    const expectedArrivals = (seed: number, startMs: number, hours: number) => {
      let total = 0;
      for (let t = startMs; t < startMs + hours * HOUR; t += 1_000) {
        const surge = surgeMultiplierAt(site, seed, startMs, t + 500);
        for (const queue of site.queues) total += (callsPerHourAt(site, queue, t + 500) * surge) / 3_600;
      }
      return total;
    };
    for (const [seed, startMs] of [[1, MORNING], [2, MORNING], [1, NIGHT]] as const) {
      // Overflowed calls re-enter as "<id>-o": those are not new arrivals.
      const arrivals = demo(seed, 2, startMs).filter((e) => e.type === 'call.queued' && !e.callId.endsWith('-o')).length;
      const expected = expectedArrivals(seed, startMs, 2);
      // Arrivals are Poisson: within 4 standard deviations (sqrt of the mean) of the expectation.
      expect(Math.abs(arrivals - expected)).toBeLessThan(4 * Math.sqrt(expected));
    }
    const night = demo(1, 2, NIGHT).filter((e) => e.type === 'call.queued').length;
    const morning = demo(1).filter((e) => e.type === 'call.queued').length;
    expect(night).toBeLessThan(morning / 5);
  });

  it('only gives breaks the reasons the board knows, mostly "break"', () => {
    const reasons = new Map<string, number>();
    for (const seed of seeds) {
      for (const e of demo(seed)) {
        if (e.type === 'agent.state' && e.state === 'not_ready') reasons.set(e.reason ?? '', (reasons.get(e.reason ?? '') ?? 0) + 1);
      }
    }
    expect([...reasons.keys()].every((r) => ['break', 'meal', 'training', 'meeting'].includes(r))).toBe(true);
    const total = [...reasons.values()].reduce((a, b) => a + b, 0);
    expect((reasons.get('break') ?? 0) / total).toBeGreaterThan(0.8);
  });
});

describe('AcdSimulator: erlang mode', () => {
  // 10 agents, 300 calls/h, 100 s mean handle: offered load A = 300 * 100 / 3600 = 8.33 erlangs, occupancy 83%.
  const params: ErlangParameters = { agents: 10, arrivalsPerHour: 300, meanHandleSeconds: 100, meanPatienceSeconds: null };
  const hours = 61; // one hour of warm-up from an empty floor, then 60 one-hour batches for the Erlang C check
  const events = erlang(5, params, hours);

  it('has one queue, no ringing, hold, wrap or breaks, and nobody hangs up without a patience', () => {
    const states = new Set(events.flatMap((e) => (e.type === 'agent.state' ? [e.state] : [])));
    expect([...states].sort()).toEqual(['idle', 'talking']);
    expect(events.some((e) => e.type === 'call.abandoned' || e.type === 'call.callback_requested' || e.type === 'call.overflowed')).toBe(false);
    expect(events.filter((e) => e.type === 'agent.login')).toHaveLength(params.agents);
    expect(events.every((e) => !('queueId' in e) || e.queueId === ERLANG_QUEUE_ID)).toBe(true);
  });

  it('matches the arrival rate and mean handle time it was given', () => {
    const arrivals = events.filter((e) => e.type === 'call.queued').length;
    const expected = params.arrivalsPerHour * hours;
    // Poisson count: sd = sqrt(mean) (0.7% of 18,300 here); 4 sd fails by chance about once in 16,000 seeds.
    expect(Math.abs(arrivals - expected)).toBeLessThan(4 * Math.sqrt(expected));

    const answeredAt = new Map<string, number>();
    const handles: number[] = [];
    for (const e of events) {
      if (e.type === 'call.answered') answeredAt.set(e.callId, e.ts);
      if (e.type === 'call.ended') handles.push((e.ts - answeredAt.get(e.callId)!) / 1_000);
    }
    const mean = handles.reduce((a, b) => a + b, 0) / handles.length;
    // Exponential handle: sd = mean, so the standard error of the sample mean is mean / sqrt(n) (0.7% here).
    // 4 standard errors; the ~8 calls still running at the end bias it by far less than that.
    expect(Math.abs(mean - params.meanHandleSeconds)).toBeLessThan((4 * params.meanHandleSeconds) / Math.sqrt(handles.length));
  });

  it('makes the share of callers who wait agree with Erlang C', () => {
    // Erlang C: P(wait > 0) for N agents and offered load A (M/M/N, callers never hang up).
    const n = params.agents;
    const load = (params.arrivalsPerHour * params.meanHandleSeconds) / 3_600;
    let term = 1;
    let sumBelowN = 0;
    for (let k = 0; k < n; k++) {
      sumBelowN += term;
      term *= load / (k + 1);
    }
    const top = (term * n) / (n - load); // A^N / N! * N / (N - A)
    const erlangC = top / (sumBelowN + top);

    // Batch means over 1-hour batches (after a 1-hour warm-up from an empty floor): successive calls' waits are
    // correlated, so a plain binomial error would be too small; hourly batches are close to independent.
    const queuedAt = new Map<string, number>();
    const batches: { waited: number; calls: number }[] = [];
    for (const e of events) {
      if (e.type === 'call.queued') queuedAt.set(e.callId, e.ts);
      if (e.type !== 'call.answered') continue;
      const arrived = queuedAt.get(e.callId)!;
      const batch = Math.floor((arrived - MORNING) / HOUR) - 1;
      if (batch < 0 || batch >= hours - 1) continue;
      batches[batch] ??= { waited: 0, calls: 0 };
      batches[batch].calls++;
      if (e.ts > arrived) batches[batch].waited++;
    }
    const shares = batches.map((b) => b.waited / b.calls);
    const mean = shares.reduce((a, b) => a + b, 0) / shares.length;
    const sd = Math.sqrt(shares.reduce((a, b) => a + (b - mean) ** 2, 0) / (shares.length - 1));
    expect(erlangC).toBeGreaterThan(0.3); // sanity: a load where queueing matters (0.488 here)
    expect(Math.abs(mean - erlangC)).toBeLessThan(4 * (sd / Math.sqrt(shares.length)));
  });

  it('has callers hang up when they have a patience and the floor is overloaded', () => {
    const overloaded = erlang(6, { agents: 5, arrivalsPerHour: 300, meanHandleSeconds: 100, meanPatienceSeconds: 60 }, 3);
    const queued = overloaded.filter((e) => e.type === 'call.queued').length;
    const abandoned = overloaded.filter((e) => e.type === 'call.abandoned').length;
    // 8.3 erlangs offered to 5 agents: at least a third of the callers cannot be served.
    expect(abandoned / queued).toBeGreaterThan(0.3);
  });

  it('rejects missing or impossible parameters', () => {
    expect(() => new AcdSimulator({ seed: 1, startMs: MORNING, mode: 'erlang' })).toThrow();
    expect(() => new AcdSimulator({ seed: 1, startMs: MORNING, mode: 'erlang', erlang: { ...params, agents: 0 } })).toThrow();
  });
});

describe('startSimulator', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A stand-in simulator that records the times it was advanced to and returns one event per call. */
  function fakeSimulator(batchFor: (now: number) => AcdEventInput[]) {
    const calls: number[] = [];
    const simulator = {
      advanceTo(now: number) {
        calls.push(now);
        return batchFor(now);
      },
    } as unknown as AcdSimulator;
    return { simulator, calls };
  }
  const event = (n: number): AcdEventInput => ({ id: `e${n}`, ts: n, type: 'agent.logout', agentId: 'a' });

  it('advances to now() every tick and passes only non-empty batches to the sink', async () => {
    vi.useFakeTimers();
    let now = 1_000;
    const { simulator, calls } = fakeSimulator((t) => (t % 2000 === 0 ? [event(t)] : []));
    const batches: AcdEventInput[][] = [];
    const runner = startSimulator({ simulator, now: () => (now += 500), sink: async (b) => void batches.push(b), tickMs: 500 });
    await vi.advanceTimersByTimeAsync(2_100);
    runner.stop();
    expect(calls).toEqual([1_500, 2_000, 2_500, 3_000, 3_500]);
    expect(batches).toEqual([[event(2_000)]]);
  });

  it('waits for the sink before the next tick, reports errors and carries on, and stops', async () => {
    vi.useFakeTimers();
    const { simulator, calls } = fakeSimulator((t) => [event(t)]);
    const errors: unknown[] = [];
    let release: () => void = () => {};
    let sinkCalls = 0;
    const sink = (): Promise<void> => {
      sinkCalls++;
      if (sinkCalls === 1) return new Promise<void>((resolve) => (release = resolve));
      if (sinkCalls === 2) return Promise.reject(new Error('store down'));
      return Promise.resolve();
    };
    let now = 0;
    const runner = startSimulator({ simulator, now: () => ++now, sink, tickMs: 100, onError: (err) => errors.push(err) });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toHaveLength(1); // the first sink call has not finished: no second tick
    release();
    await vi.advanceTimersByTimeAsync(250);
    expect(calls.length).toBeGreaterThanOrEqual(3); // carried on after the failing sink
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('store down');
    runner.stop();
    const stoppedAt = calls.length;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toHaveLength(stoppedAt);
  });
});
