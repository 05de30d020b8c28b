// Builds the snapshot from what the store read: window sums, the open (still running) agent states, and the formulas.
// Pure: `now` and the wall time are passed in.
import { AGENT_STATES, NOT_READY_CATEGORIES, type AgentState, type NotReadyCategory } from '../../shared/events.js';
import type {
  AgentSnapshot,
  AgentWindow,
  CategoryCounts,
  PerWindow,
  QueueSnapshot,
  Snapshot,
  StateCounts,
  TeamSnapshot,
  TeamWindow,
  WindowName,
  WindowSpan,
} from '../../shared/snapshot.js';
import { WINDOW_NAMES } from '../../shared/snapshot.js';
import { MINUTE_MS, ROLLING_WINDOW_MINUTES, floorTo } from '../../shared/time.js';
import type { Config } from '../config.js';
import type { AgentRecord, EntityBuckets, FloorState } from '../store/store.js';
import { MINUTES_READ } from '../store/store.js';
import { addInto, dispersion, queueWindow, ratio, type Totals } from './formulas.js';

export interface SnapshotInput {
  floor: FloorState;
  /** The service clock's "now" (wall time, or the latest event time with the replay clock). */
  now: number;
  /** Wall time, for the feed's staleness. */
  wallNow: number;
  dayStart: number;
  config: Config;
}

export interface WindowRange {
  name: WindowName;
  from: number;
  /** The minutes summed, as indexes into the MINUTES_READ minutes the store reads (the last is the current one), or
   * null for "today" (the day bucket). */
  minuteIndexes: [number, number] | null;
}

export function windowRanges(now: number, dayStart: number): WindowRange[] {
  const currentMinute = floorTo(now, MINUTE_MS);
  return WINDOW_NAMES.map((name) => {
    if (name === 'today') return { name, from: dayStart, minuteIndexes: null };
    const minutes = ROLLING_WINDOW_MINUTES[name];
    // A rolling window starts on the minute: it covers the W whole minutes before the current one, plus the current one.
    return { name, from: currentMinute - minutes * MINUTE_MS, minuteIndexes: [MINUTES_READ - 1 - minutes, MINUTES_READ - 1] };
  });
}

/** A fresh copy of an entity's totals for a window (callers add to it). */
function sumWindow(b: EntityBuckets | undefined, range: WindowRange): Totals {
  if (!b) return {};
  return addInto({}, range.minuteIndexes ? (b.windows[range.name] ?? {}) : b.today);
}

/** The part of an agent's current (not yet closed) state that falls in the window, as bucket fields. */
function openState(agent: AgentRecord, from: number, now: number): Totals {
  if (agent.state === 'out') return {};
  const ms = Math.max(0, now - Math.max(agent.since, from));
  return { [agent.state === 'not_ready' ? `c:${agent.category}` : `s:${agent.state}`]: ms };
}

/**
 * The store keeps one field per state interval: s:<state>, or c:<category> for not-ready time. Logged-in time (li)
 * is the sum of them all, and s:not_ready the sum of the categories.
 */
export function withDerived(t: Totals): Totals {
  let li = 0, notReady = 0;
  for (const [k, v] of Object.entries(t)) {
    if (k.startsWith('c:')) notReady += v;
    if (k.startsWith('s:') || k.startsWith('c:')) li += v;
  }
  t.li = li;
  t['s:not_ready'] = notReady;
  return t;
}

const ON_CALL: AgentState[] = ['talking', 'hold', 'wrap', 'ringing', 'outbound'];

function agentWindow(t: Totals): AgentWindow {
  const li = t.li ?? 0;
  return {
    loggedInSeconds: li / 1000,
    breakSeconds: (t['c:break'] ?? 0) / 1000,
    talkSeconds: (t['s:talking'] ?? 0) / 1000,
    breakRate: ratio(t['c:break'] ?? 0, li),
    utilisation: ratio(t['s:talking'] ?? 0, li),
    callsAnswered: t.ans ?? 0,
  };
}

function emptyStates(): StateCounts {
  return Object.fromEntries(AGENT_STATES.map((s) => [s, 0])) as StateCounts;
}
function emptyCategories(): CategoryCounts {
  return Object.fromEntries(NOT_READY_CATEGORIES.map((c) => [c, 0])) as CategoryCounts;
}

function countStates(agents: AgentRecord[]) {
  const byState = emptyStates();
  const byCategory = emptyCategories();
  let loggedIn = 0;
  for (const a of agents) {
    if (a.state === 'out') continue;
    loggedIn++;
    byState[a.state]++;
    if (a.state === 'not_ready') byCategory[(a.category as NotReadyCategory) in byCategory ? (a.category as NotReadyCategory) : 'other']++;
  }
  return { loggedIn, byState, byCategory, onBreak: byCategory.break };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** What the metrics give; alerts, callback modes and the broadcast are added from their own store. */
export type MetricsSnapshot = Omit<Snapshot, 'alerts' | 'callbackModes' | 'broadcast'>;

export function buildSnapshot({ floor, now, wallNow, dayStart, config }: SnapshotInput): MetricsSnapshot {
  const ranges = windowRanges(now, dayStart);
  const perWindow = <T>(f: (r: WindowRange) => T) => Object.fromEntries(ranges.map((r) => [r.name, f(r)])) as PerWindow<T>;
  const minLoggedInMs = config.thresholds.minLoggedInMinutesForCv * MINUTE_MS;

  // Agents: closed time from their buckets plus the state they are in now.
  const agentTotals = new Map<string, PerWindow<Totals>>();
  const agents: AgentSnapshot[] = floor.agents.map((a) => {
    const totals = perWindow((r) => withDerived(addInto(sumWindow(floor.buckets.a.get(a.agentId), r), openState(a, r.from, now))));
    agentTotals.set(a.agentId, totals);
    return {
      agentId: a.agentId,
      name: a.name,
      teamId: a.teamId,
      loggedIn: a.state !== 'out',
      state: a.state === 'out' ? 'logged_out' : a.state,
      reason: a.state === 'not_ready' ? a.reason || null : null,
      reasonCategory: a.state === 'not_ready' ? ((a.category || 'other') as NotReadyCategory) : null,
      since: iso(a.since),
      windows: perWindow((r) => agentWindow(totals[r.name])),
    };
  });

  const teams: TeamSnapshot[] = floor.teamIds.map((teamId) => {
    const members = floor.agents.filter((a) => a.teamId === teamId);
    const counts = countStates(members);
    const onBreakAgents = members
      .filter((a) => a.state === 'not_ready' && a.category === 'break')
      .sort((x, y) => x.since - y.since)
      .map((a) => ({ agentId: a.agentId, name: a.name, teamId, since: iso(a.since) }));
    const windows = perWindow((r): TeamWindow => {
      const t = sumWindow(floor.buckets.t.get(teamId), r);
      for (const a of members) addInto(t, openState(a, r.from, now));
      withDerived(t);
      const counted = members
        .map((a) => ({ a, t: agentTotals.get(a.agentId)![r.name] }))
        .filter(({ t: at }) => (at.li ?? 0) >= minLoggedInMs && (at.li ?? 0) > 0);
      const agentBreakRates = counted.map(({ a, t: at }) => ({
        agentId: a.agentId,
        name: a.name,
        breakRate: (at['c:break'] ?? 0) / at.li!,
        loggedInSeconds: at.li! / 1000,
      }));
      const d = dispersion(agentBreakRates.map((x) => x.breakRate));
      const li = t.li ?? 0;
      const busy = ON_CALL.reduce((s, st) => s + (t[`s:${st}`] ?? 0), 0);
      return {
        loggedInSeconds: li / 1000,
        breakSeconds: (t['c:break'] ?? 0) / 1000,
        talkSeconds: (t['s:talking'] ?? 0) / 1000,
        breakRate: ratio(t['c:break'] ?? 0, li),
        utilisation: ratio(t['s:talking'] ?? 0, li),
        occupancy: ratio(busy, busy + (t['s:idle'] ?? 0)),
        agentBreakRates,
        agentsExcluded: members.filter((a) => (agentTotals.get(a.agentId)![r.name].li ?? 0) > 0).length - counted.length,
        meanAgentBreakRate: d.mean,
        breakRateSd: d.sd,
        breakRateCv: d.cv,
        inControl: d.cv === null ? null : d.cv < config.thresholds.breakCvLimit,
      };
    });
    return {
      teamId,
      name: config.teamName(teamId),
      ...counts,
      onBreakAgents,
      onBreakShare: ratio(counts.onBreak, counts.loggedIn),
      windows,
    };
  });

  // Ready agents per queue: those whose login named the queue; when no login names queues, every ready agent.
  const queuesKnown = floor.agents.some((a) => a.queues.length > 0);
  const idle = floor.agents.filter((a) => a.state === 'idle');
  const queues: QueueSnapshot[] = floor.queueIds.map((queueId) => {
    const q = config.queue(queueId);
    const w = floor.waiting.get(queueId) ?? { count: 0, oldestTs: null };
    const today = floor.buckets.q.get(queueId)?.today ?? {};
    return {
      queueId,
      name: q.name,
      waiting: w.count,
      oldestQueuedAt: w.oldestTs === null ? null : iso(w.oldestTs),
      longestWaitSeconds: w.oldestTs === null ? null : Math.max(0, now - w.oldestTs) / 1000,
      serviceLevelSeconds: q.serviceLevelSeconds,
      serviceLevelTarget: q.serviceLevelTarget,
      shortAbandonSeconds: q.shortAbandonSeconds,
      callbacksPending: Math.max(0, (today.cb ?? 0) - (today.cbd ?? 0)),
      availableAgents: queuesKnown ? idle.filter((a) => a.queues.includes(queueId)).length : idle.length,
      windows: perWindow((r) => queueWindow(sumWindow(floor.buckets.q.get(queueId), r), config.excludeShortAbandons)),
    };
  });

  const oldest = Math.min(...[...floor.waiting.values()].map((w) => w.oldestTs ?? Infinity));
  const floorCounts = countStates(floor.agents);
  const lastEventWall = floor.meta.lastEventWall;
  const staleAfterSeconds = config.ingest.feedStaleSeconds;
  return {
    generatedAt: iso(now),
    clock: config.clock,
    site: { name: config.site.name, timeZone: config.site.timeZone },
    windows: perWindow((r): WindowSpan => ({ from: iso(r.from), seconds: Math.round((now - r.from) / 1000) })),
    thresholds: {
      breakCvLimit: config.thresholds.breakCvLimit,
      breakShareLimit: config.thresholds.breakShareLimit,
      breakRateTarget: [...config.thresholds.breakRateTarget],
      utilisationBand: [...config.thresholds.utilisationBand],
      minLoggedInSecondsForCv: config.thresholds.minLoggedInMinutesForCv * 60,
    },
    feed: {
      lastEventAt: lastEventWall === null ? null : iso(lastEventWall),
      stale: lastEventWall === null || wallNow - lastEventWall > staleAfterSeconds * 1000,
      staleAfterSeconds,
    },
    ingest: { accepted: floor.meta.accepted, duplicates: floor.meta.duplicates, rejected: floor.meta.rejected, late: floor.meta.late },
    floor: {
      waiting: queues.reduce((s, q) => s + q.waiting, 0),
      oldestQueuedAt: Number.isFinite(oldest) ? iso(oldest) : null,
      ...floorCounts,
      onBreakShare: ratio(floorCounts.onBreak, floorCounts.loggedIn),
      windows: perWindow((r) => {
        const t: Totals = {};
        for (const queueId of floor.queueIds) addInto(t, sumWindow(floor.buckets.q.get(queueId), r));
        return queueWindow(t, config.excludeShortAbandons);
      }),
    },
    queues,
    teams,
    agents,
  };
}
