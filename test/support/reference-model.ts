// A reference model of Floorwatch, written from the documents (docs/events.md, docs/metrics.md, docs/api.md) and not
// from the engine: events in, the snapshot's figures out, by the plainest means (lists and loops, no buckets, no
// incremental bookkeeping). The property tests compare the real engine with it.
//
// Two steps, as the documents describe them:
//   1. deliver(): which events are applied. Each POST is one batch, applied in ts order (stable); an event whose id
//      was applied already is a duplicate; one further than the lateness behind the service clock (the latest applied
//      ts: replay clock) is late. Neither is applied.
//   2. referenceSnapshot(): the figures at now = the latest applied ts, computed from the applied events sorted by ts
//      (stable, so events with the same ts keep their arrival order) as if they had come in that order.
//
// Site assumptions: time zone UTC with the day reset at 00:00 ("today" starts at the UTC midnight at or before now).
//
// Where the documents leave a case open, the model throws ("outside the model") instead of guessing; the generator
// in the property test never produces such input (a call queued after its own outcome, an answer by an agent never
// seen). A call's legs are its stays in each queue (docs/events.md): an outcome counts for the leg in the queue it names.
import type { AcdEvent, AgentState, NotReadyCategory } from '../../shared/events.js';
import { AGENT_STATES, NOT_READY_CATEGORIES } from '../../shared/events.js';
import type { AgentRate, AgentSnapshot, AgentWindow, QueueWindow, TeamWindow, WindowName } from '../../shared/snapshot.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

export interface RefConfig {
  latenessSeconds: number;
  /** Configured queues, with T (service level) and S (short abandon) in seconds. */
  queues: { id: string; serviceLevelSeconds: number; shortAbandonSeconds: number }[];
  queueDefaults: { serviceLevelSeconds: number; shortAbandonSeconds: number };
  /** Configured team ids. */
  teams: string[];
  reasonCategories: Record<string, NotReadyCategory>;
  excludeShortAbandons: boolean;
  minLoggedInMinutesForCv: number;
  breakCvLimit: number;
}

// ------------------------------------------------------------------------------------------------ 1. delivery

export interface Delivery {
  /** Applied events in the order they were applied. */
  applied: AcdEvent[];
  /** Per batch: what POST /api/events answers. */
  batches: { accepted: number; duplicates: number; late: number }[];
}

const byTs = <T extends { ts: number }>(events: readonly T[]): T[] => [...events].sort((a, b) => a.ts - b.ts); // stable

export function deliver(batches: readonly (readonly AcdEvent[])[], latenessSeconds: number): Delivery {
  const seen = new Set<string>();
  const applied: AcdEvent[] = [];
  let clock = -Infinity; // the replay clock: the latest applied ts
  const answers = batches.map((batch) => {
    const answer = { accepted: 0, duplicates: 0, late: 0 };
    for (const e of byTs(batch)) {
      if (seen.has(e.id)) answer.duplicates++;
      else if (e.ts < clock - latenessSeconds * 1000) answer.late++;
      else {
        seen.add(e.id);
        applied.push(e);
        clock = Math.max(clock, e.ts);
        answer.accepted++;
      }
    }
    return answer;
  });
  return { applied, batches: answers };
}

// ------------------------------------------------------------------------------------------------ 2. figures

/** The same figures as the engine's (the model computes them on its own; the shape is the contract). */
export type RefQueueWindow = QueueWindow;
export type RefAgentWindow = AgentWindow;
/** The team's figures; the per-agent rates carry no name (the model does not track display names there). */
export type RefTeamWindow = Omit<TeamWindow, 'agentBreakRates'> & { agentBreakRates: Omit<AgentRate, 'name'>[] };
type Counts<K extends string> = Record<K, number>;
interface NowCounts {
  loggedIn: number;
  byState: Counts<AgentState>;
  byCategory: Counts<NotReadyCategory>;
  onBreak: number;
  onBreakShare: number | null;
}
export interface RefSnapshot {
  generatedAt: string;
  windows: Record<WindowName, { from: string; seconds: number }>;
  floor: NowCounts & { waiting: number; oldestQueuedAt: string | null; windows: Record<WindowName, RefQueueWindow> };
  queues: {
    queueId: string;
    waiting: number;
    oldestQueuedAt: string | null;
    longestWaitSeconds: number | null;
    serviceLevelSeconds: number;
    shortAbandonSeconds: number;
    callbacksPending: number;
    availableAgents: number;
    windows: Record<WindowName, RefQueueWindow>;
  }[];
  teams: (NowCounts & { teamId: string; onBreakAgents: { agentId: string; since: string }[]; windows: Record<WindowName, RefTeamWindow> })[];
  agents: AgentSnapshot[];
}

/** A span of time an agent spent in one state (logged in), [from, to). */
interface Spell {
  agentId: string;
  teamId: string;
  state: AgentState;
  category: NotReadyCategory | null;
  from: number;
  to: number;
  /** wrap only: the queue of the agent's last answered call, whose handle time the wrap belongs to. */
  wrapQueue: string | null;
}

interface Agent {
  id: string;
  teamId: string;
  name: string;
  state: AgentState | 'out';
  reason: string;
  category: NotReadyCategory | null;
  since: number;
  lastEventTs: number;
  lastAnsweredQueue: string | null;
  wrapQueue: string | null;
  /** The queues the agent's last login named (null: none named). */
  queues: string[] | null;
}

/** One stay of a call in one queue (an overflow ends a leg; the call.queued in the queue it went to starts another). */
interface Leg {
  callId: string;
  queueId: string;
  /** When it entered the queue; null when its call.queued was never applied (wait unknown). */
  queuedAt: number | null;
  outcome: 'answered' | 'abandoned' | 'callback_requested' | 'overflowed' | null;
  leftAt: number | null;
  answeredAt: number | null;
  overflowedTo: string | null;
}

const WINDOWS: { name: WindowName; minutes: number | null }[] = [
  { name: '15m', minutes: 15 },
  { name: '30m', minutes: 30 },
  { name: '60m', minutes: 60 },
  { name: 'today', minutes: null },
];

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
const iso = (ms: number) => new Date(ms).toISOString();

export function categoryOf(cfg: RefConfig, reason: string | undefined): NotReadyCategory {
  if (!reason) return 'other';
  return cfg.reasonCategories[reason] ?? cfg.reasonCategories[reason.toLowerCase()] ?? 'other';
}

export function queueThresholds(cfg: RefConfig, queueId: string) {
  const q = cfg.queues.find((x) => x.id === queueId);
  return { T: q?.serviceLevelSeconds ?? cfg.queueDefaults.serviceLevelSeconds, S: q?.shortAbandonSeconds ?? cfg.queueDefaults.shortAbandonSeconds };
}

export function referenceSnapshot(appliedEvents: readonly AcdEvent[], cfg: RefConfig): RefSnapshot {
  const events = byTs(appliedEvents);
  if (events.length === 0) throw new Error('outside the model: no events');
  const now = events[events.length - 1]!.ts;

  // ---- replay the events in time order
  const agents = new Map<string, Agent>();
  const spells: Spell[] = [];
  const answers: { agentId: string; teamId: string; callId: string; ts: number }[] = [];
  /** Calls ended, credited to the agent who answered them and that agent's team at the end. */
  const handled: { agentId: string; teamId: string; ts: number }[] = [];
  const legs: Leg[] = [];
  /** The call's latest leg in each queue, by `${callId} ${queueId}`. */
  const legIn = new Map<string, Leg>();
  const endedAt = new Map<string, number>();
  const callbacksMade: { queueId: string; ts: number }[] = [];
  const queuesSeen = new Set<string>();

  const agent = (id: string, ts: number): Agent => {
    let a = agents.get(id);
    if (!a) {
      a = { id, teamId: 'unassigned', name: id, state: 'out', reason: '', category: null, since: ts, lastEventTs: ts, lastAnsweredQueue: null, wrapQueue: null, queues: null };
      agents.set(id, a);
    }
    a.lastEventTs = Math.max(a.lastEventTs, ts);
    return a;
  };
  const enter = (a: Agent, ts: number, state: AgentState | 'out', reason = '') => {
    if (a.state !== 'out') spells.push({ agentId: a.id, teamId: a.teamId, state: a.state, category: a.category, from: a.since, to: ts, wrapQueue: a.wrapQueue });
    a.state = state;
    a.reason = reason;
    a.category = state === 'not_ready' ? categoryOf(cfg, reason) : null;
    a.since = ts;
    a.wrapQueue = state === 'wrap' ? a.lastAnsweredQueue : null;
  };

  for (const e of events) {
    switch (e.type) {
      case 'agent.login': {
        const a = agent(e.agentId, e.ts);
        a.teamId = e.teamId;
        if (e.name !== undefined) a.name = e.name;
        if (e.queues !== undefined) a.queues = e.queues;
        if (a.state === 'out') enter(a, e.ts, 'idle'); // a login while logged in changes team and name only
        break;
      }
      case 'agent.logout':
        enter(agent(e.agentId, e.ts), e.ts, 'out');
        break;
      case 'agent.state':
        enter(agent(e.agentId, e.ts), e.ts, e.state, e.reason ?? ''); // from logged out, this logs the agent in
        break;
      case 'call.queued': {
        const leg = legIn.get(`${e.callId} ${e.queueId}`);
        // the leg in this queue, unless the call overflowed from it earlier and comes back
        if (leg && (leg.outcome !== 'overflowed' || e.ts === leg.leftAt)) {
          if (leg.queuedAt !== null) break; // queued twice in one leg: the first counts
          // its outcome came first (same ts, delivered earlier): now its wait is known
          if (e.ts > leg.leftAt!) throw new Error(`outside the model: ${e.callId} queued after its outcome`);
          leg.queuedAt = e.ts;
          break;
        }
        // a new leg: the call's first queue, the one it overflowed to, or one it comes back to
        const fresh: Leg = { callId: e.callId, queueId: e.queueId, queuedAt: e.ts, outcome: null, leftAt: null, answeredAt: null, overflowedTo: null };
        legs.push(fresh);
        legIn.set(`${e.callId} ${e.queueId}`, fresh);
        queuesSeen.add(e.queueId);
        break;
      }
      case 'call.answered':
      case 'call.abandoned':
      case 'call.callback_requested':
      case 'call.overflowed': {
        let leg = legIn.get(`${e.callId} ${e.queueId}`);
        if (leg?.outcome) break; // a leg ends once
        if (!leg) {
          // its call.queued was never seen (or comes later at the same ts): it counts, with an unknown wait for now
          leg = { callId: e.callId, queueId: e.queueId, queuedAt: null, outcome: null, leftAt: null, answeredAt: null, overflowedTo: null };
          legs.push(leg);
          legIn.set(`${e.callId} ${e.queueId}`, leg);
        }
        leg.outcome = e.type.slice('call.'.length) as Leg['outcome'];
        leg.leftAt = e.ts;
        queuesSeen.add(e.queueId);
        if (e.type === 'call.overflowed') queuesSeen.add((leg.overflowedTo = e.toQueueId));
        if (e.type === 'call.answered') {
          if (!agents.has(e.agentId)) throw new Error(`outside the model: ${e.callId} answered by unknown agent ${e.agentId}`);
          const a = agent(e.agentId, e.ts);
          a.lastAnsweredQueue = e.queueId;
          leg.answeredAt = e.ts;
          // its end came first (same ts, delivered earlier): it counts with this answer
          const endedBefore = endedAt.get(e.callId);
          if (endedBefore !== undefined && !answers.some((x) => x.callId === e.callId)) handled.push({ agentId: a.id, teamId: a.teamId, ts: endedBefore });
          answers.push({ agentId: a.id, teamId: a.teamId, callId: e.callId, ts: e.ts });
        }
        break;
      }
      case 'call.ended':
        if (!endedAt.has(e.callId)) {
          endedAt.set(e.callId, e.ts); // counted with the call's answer (an unanswered call's end counts nowhere)
          const answer = answers.findLast((x) => x.callId === e.callId);
          if (answer) handled.push({ agentId: answer.agentId, teamId: agents.get(answer.agentId)!.teamId, ts: e.ts });
        }
        break;
      case 'call.callback_completed':
        callbacksMade.push({ queueId: e.queueId, ts: e.ts });
        queuesSeen.add(e.queueId);
        break;
    }
  }

  // ---- now
  const dayStart = Math.floor(now / DAY) * DAY;
  const windowFrom = (w: (typeof WINDOWS)[number]) => (w.minutes === null ? dayStart : Math.floor(now / MINUTE) * MINUTE - w.minutes * MINUTE);
  const perWindow = <T>(f: (from: number) => T) => Object.fromEntries(WINDOWS.map((w) => [w.name, f(windowFrom(w))])) as Record<WindowName, T>;

  // Agents listed: logged in now, or with an event in a minute that ended less than 65 minutes ago (docs/api.md).
  const listed = [...agents.values()]
    .filter((a) => a.state !== 'out' || Math.floor(a.lastEventTs / MINUTE) * MINUTE + MINUTE - 1 >= now - 65 * MINUTE)
    .sort((x, y) => (x.id < y.id ? -1 : 1));
  // Every spell up to now: the closed ones and the states agents are in now.
  const allSpells: Spell[] = [
    ...spells,
    ...[...agents.values()]
      .filter((a) => a.state !== 'out')
      .map((a) => ({ agentId: a.id, teamId: a.teamId, state: a.state as AgentState, category: a.category, from: a.since, to: now, wrapQueue: null })),
  ];
  /** ms of the spells picked, clipped to the window [from, now). */
  const time = (pick: (s: Spell) => boolean, from: number) =>
    allSpells.filter(pick).reduce((sum, s) => sum + Math.max(0, Math.min(s.to, now) - Math.max(s.from, from)), 0);

  const agentWindow = (id: string, from: number): RefAgentWindow => {
    const li = time((s) => s.agentId === id, from);
    const br = time((s) => s.agentId === id && s.category === 'break', from);
    const talk = time((s) => s.agentId === id && s.state === 'talking', from);
    return {
      loggedInSeconds: li / 1000,
      breakSeconds: br / 1000,
      talkSeconds: talk / 1000,
      breakRate: ratio(br, li),
      utilisation: ratio(talk, li),
      callsAnswered: answers.filter((x) => x.agentId === id && x.ts >= from).length,
      callsHandled: handled.filter((x) => x.agentId === id && x.ts >= from).length,
    };
  };

  const nowCounts = (members: Agent[]): NowCounts => {
    const on = members.filter((a) => a.state !== 'out');
    const byState = Object.fromEntries(AGENT_STATES.map((s) => [s, on.filter((a) => a.state === s).length])) as Counts<AgentState>;
    const byCategory = Object.fromEntries(NOT_READY_CATEGORIES.map((c) => [c, on.filter((a) => a.category === c).length])) as Counts<NotReadyCategory>;
    return { loggedIn: on.length, byState, byCategory, onBreak: byCategory.break, onBreakShare: ratio(byCategory.break, on.length) };
  };

  const teamWindow = (teamId: string, members: Agent[], from: number): RefTeamWindow => {
    const mine = (s: Spell) => s.teamId === teamId;
    const li = time(mine, from);
    const br = time((s) => mine(s) && s.category === 'break', from);
    const talk = time((s) => mine(s) && s.state === 'talking', from);
    const busy = time((s) => mine(s) && ['talking', 'hold', 'wrap', 'ringing', 'outbound'].includes(s.state), from);
    const idle = time((s) => mine(s) && s.state === 'idle', from);
    const offPhone = time((s) => mine(s) && (s.state === 'idle' || ['break', 'training', 'meeting'].includes(s.category ?? '')), from);
    const handling = time((s) => mine(s) && ['talking', 'hold', 'wrap'].includes(s.state), from);
    const callsHandled = handled.filter((x) => x.teamId === teamId && x.ts >= from).length;
    const minLi = cfg.minLoggedInMinutesForCv * MINUTE;
    const withTime = members.map((a) => ({ a, w: agentWindow(a.id, from) })).filter((x) => x.w.loggedInSeconds > 0);
    const counted = withTime.filter((x) => time((s) => s.agentId === x.a.id, from) >= minLi);
    const rates = counted.map((x) => x.w.breakRate!);
    const mean = rates.length ? rates.reduce((s, r) => s + r, 0) / rates.length : null;
    const sd = mean === null ? null : Math.sqrt(rates.reduce((s, r) => s + (r - mean) ** 2, 0) / rates.length);
    const cv = mean !== null && mean > 0 ? sd! / mean : null;
    return {
      loggedInSeconds: li / 1000,
      breakSeconds: br / 1000,
      talkSeconds: talk / 1000,
      breakRate: ratio(br, li),
      utilisation: ratio(talk, li),
      occupancy: ratio(busy, busy + idle),
      idleRate: ratio(idle, li),
      offPhoneShare: ratio(offPhone, li),
      callsAnswered: answers.filter((x) => x.teamId === teamId && x.ts >= from).length,
      callsHandled,
      ahtSeconds: callsHandled ? handling / callsHandled / 1000 : null,
      agentBreakRates: counted.map((x) => ({ agentId: x.a.id, breakRate: x.w.breakRate!, loggedInSeconds: x.w.loggedInSeconds })),
      agentsCounted: counted.length,
      agentsExcluded: withTime.length - counted.length,
      meanAgentBreakRate: mean,
      breakRateSd: sd,
      breakRateCv: cv,
      inControl: cv === null ? null : cv < cfg.breakCvLimit,
    };
  };

  const queueWindow = (queueIds: string[], from: number): RefQueueWindow => {
    const left = legs.filter((l) => queueIds.includes(l.queueId) && l.leftAt !== null && l.leftAt >= from);
    const wait = (l: Leg) => (l.queuedAt === null ? null : l.leftAt! - l.queuedAt);
    const th = (l: Leg) => queueThresholds(cfg, l.queueId);
    const answered = left.filter((l) => l.outcome === 'answered');
    const answeredKnown = answered.filter((l) => wait(l) !== null);
    const abandons = left.filter((l) => l.outcome === 'abandoned');
    const short = abandons.filter((l) => wait(l) !== null && wait(l)! < th(l).S * 1000);
    const abandoned = cfg.excludeShortAbandons ? abandons.length - short.length : abandons.length;
    const within = answeredKnown.filter((l) => wait(l)! <= th(l).T * 1000).length;
    const abandonedAfter = abandons.filter((l) => wait(l) !== null && wait(l)! > th(l).T * 1000).length;
    // Handle time: talk + hold from the answer to the end, counted when the call ends, plus each wrap spell that
    // belongs to the queue, counted when the wrap ends, i.e. if its last millisecond is in the window (a wrap still
    // going on is not counted yet).
    const ended = legs.filter((l) => queueIds.includes(l.queueId) && l.answeredAt !== null && (endedAt.get(l.callId) ?? -Infinity) >= from);
    const wraps = spells.filter((s) => s.state === 'wrap' && s.wrapQueue !== null && queueIds.includes(s.wrapQueue) && s.to > from);
    const handleMs = ended.reduce((s, l) => s + Math.max(0, endedAt.get(l.callId)! - l.answeredAt!), 0) + wraps.reduce((s, w) => s + (w.to - w.from), 0);
    const waits = left.map(wait).filter((w): w is number => w !== null);
    const offered = left.length;
    return {
      entered: legs.filter((l) => queueIds.includes(l.queueId) && l.queuedAt !== null && l.queuedAt >= from).length,
      offered,
      answered: answered.length,
      abandoned,
      shortAbandoned: short.length,
      callbacks: left.filter((l) => l.outcome === 'callback_requested').length,
      callbacksCompleted: callbacksMade.filter((c) => queueIds.includes(c.queueId) && c.ts >= from).length,
      overflowedOut: left.filter((l) => l.outcome === 'overflowed').length,
      overflowedIn: legs.filter((l) => l.outcome === 'overflowed' && queueIds.includes(l.overflowedTo!) && l.leftAt! >= from).length,
      answeredWithinThreshold: within,
      abandonedAfterThreshold: abandonedAfter,
      answerRate: ratio(answered.length, offered),
      abandonRate: ratio(abandoned, answered.length + abandoned),
      serviceLevel: ratio(within, answeredKnown.length + abandonedAfter),
      asaSeconds: answeredKnown.length ? answeredKnown.reduce((s, l) => s + wait(l)!, 0) / answeredKnown.length / 1000 : null,
      ahtSeconds: ended.length ? handleMs / ended.length / 1000 : null,
      maxWaitSeconds: waits.length ? Math.max(...waits) / 1000 : null,
    };
  };

  const waitingIn = (queueId: string) => [...legIn.values()].filter((l) => l.queueId === queueId && l.outcome === null && l.queuedAt !== null);
  const oldest = (ls: Leg[]) => (ls.length ? Math.min(...ls.map((l) => l.queuedAt!)) : null);

  const queueIds = [...new Set([...cfg.queues.map((q) => q.id), ...queuesSeen])].sort();
  const teamIds = [...new Set([...cfg.teams, ...listed.map((a) => a.teamId)])].sort();
  const allWaiting = queueIds.flatMap(waitingIn);
  const allOldest = oldest(allWaiting);

  return {
    generatedAt: iso(now),
    windows: perWindow((from) => ({ from: iso(from), seconds: Math.round((now - from) / 1000) })),
    floor: {
      waiting: allWaiting.length,
      oldestQueuedAt: allOldest === null ? null : iso(allOldest),
      ...nowCounts(listed),
      windows: perWindow((from) => queueWindow(queueIds, from)),
    },
    queues: queueIds.map((queueId) => {
      const w = waitingIn(queueId);
      const o = oldest(w);
      const { T, S } = queueThresholds(cfg, queueId);
      const today = queueWindow([queueId], dayStart);
      return {
        queueId,
        waiting: w.length,
        oldestQueuedAt: o === null ? null : iso(o),
        longestWaitSeconds: o === null ? null : (now - o) / 1000,
        serviceLevelSeconds: T,
        shortAbandonSeconds: S,
        callbacksPending: Math.max(0, today.callbacks - today.callbacksCompleted),
        // ready agents whose login named the queue; when no listed agent's login names queues, every ready agent
        availableAgents: listed.filter((a) => a.state === 'idle' && (!listed.some((x) => x.queues?.length) || a.queues?.includes(queueId))).length,
        windows: perWindow((from) => queueWindow([queueId], from)),
      };
    }),
    teams: teamIds.map((teamId) => {
      const members = listed.filter((a) => a.teamId === teamId);
      return {
        teamId,
        ...nowCounts(members),
        onBreakAgents: members
          .filter((a) => a.state === 'not_ready' && a.category === 'break')
          .sort((x, y) => x.since - y.since)
          .map((a) => ({ agentId: a.id, since: iso(a.since) })),
        windows: perWindow((from) => teamWindow(teamId, members, from)),
      };
    }),
    agents: listed.map((a) => ({
      agentId: a.id,
      name: a.name,
      teamId: a.teamId,
      loggedIn: a.state !== 'out',
      state: a.state === 'out' ? 'logged_out' : a.state,
      reason: a.state === 'not_ready' ? a.reason || null : null,
      reasonCategory: a.state === 'not_ready' ? a.category : null,
      since: iso(a.since),
      windows: perWindow((from) => agentWindow(a.id, from)),
    })),
  };
}
