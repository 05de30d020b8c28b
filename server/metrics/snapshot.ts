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
  Thresholds,
  WindowName,
  WindowSpan,
} from '../../shared/snapshot.js';
import { WINDOW_NAMES } from '../../shared/snapshot.js';
import { MINUTE_MS, ROLLING_WINDOW_MINUTES, floorTo } from '../../shared/time.js';
import type { Config } from '../config.js';
import type { AgentRecord, EntityBuckets, FloorState, WindowSpec } from '../store/store.js';
import { addInto, breakDispersion, queueWindow, ratio, teamFigures, withDerived, type Totals } from './formulas.js';

export interface SnapshotInput {
  floor: FloorState;
  /** The service clock's "now" (wall time, or the latest event time with the replay clock). */
  now: number;
  /** Wall time, for the feed's staleness. */
  wallNow: number;
  dayStart: number;
  config: Config;
  /** The alert rules' windows and run rules in force, stated in the snapshot for the screens' explanations. */
  alertSettings: Pick<Thresholds, 'alertWindows' | 'ahtRunRules'>;
}

export interface WindowRange {
  name: WindowName;
  from: number;
  /** Whole minutes before the current one that the window sums (plus the current one), or null for "today" (the day
   * bucket). */
  minutes: number | null;
}

export function windowRanges(now: number, dayStart: number): WindowRange[] {
  const currentMinute = floorTo(now, MINUTE_MS);
  return WINDOW_NAMES.map((name) => {
    if (name === 'today') return { name, from: dayStart, minutes: null };
    const minutes = ROLLING_WINDOW_MINUTES[name];
    // A rolling window starts on the minute: it covers the W whole minutes before the current one, plus the current one.
    return { name, from: currentMinute - minutes * MINUTE_MS, minutes };
  });
}

/** The rolling windows the store sums from its minute rings. */
export const rollingWindowSpecs = (): WindowSpec[] =>
  WINDOW_NAMES.flatMap((name) => (name === 'today' ? [] : [{ name, minutes: ROLLING_WINDOW_MINUTES[name] }]));

/** A fresh copy of an entity's totals for a window (callers add to it). */
function sumWindow(b: EntityBuckets | undefined, range: WindowRange): Totals {
  if (!b) return {};
  return addInto({}, range.minutes !== null ? (b.windows[range.name] ?? {}) : b.today);
}

/** How long the agent's current (not yet closed) state has lasted within a window starting at `from`. */
const openMs = (agent: AgentRecord, from: number, now: number) => (agent.state === 'out' ? 0 : Math.max(0, now - Math.max(agent.since, from)));

/** The team field an agent's current state adds to: s:<state>, or c:<category> for not-ready time. */
const stateField = (agent: AgentRecord) => (agent.state === 'not_ready' ? `c:${agent.category}` : `s:${agent.state}`);

/** An agent's logged-in and break ms in a window: closed time from its ring (li, brk, talk, ans, end) plus the open state. */
interface AgentTime {
  li: number;
  brk: number;
  window: AgentWindow;
}

function agentTime(closed: Totals | undefined, agent: AgentRecord, from: number, now: number): AgentTime {
  const open = openMs(agent, from, now);
  const li = (closed?.li ?? 0) + open;
  const brk = (closed?.brk ?? 0) + (agent.state === 'not_ready' && agent.category === 'break' ? open : 0);
  const talk = (closed?.talk ?? 0) + (agent.state === 'talking' ? open : 0);
  return {
    li,
    brk,
    window: {
      loggedInSeconds: li / 1000,
      breakSeconds: brk / 1000,
      talkSeconds: talk / 1000,
      breakRate: ratio(brk, li),
      utilisation: ratio(talk, li),
      callsAnswered: closed?.ans ?? 0,
      callsHandled: closed?.end ?? 0,
    },
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

export function buildSnapshot({ floor, now, wallNow, dayStart, config, alertSettings }: SnapshotInput): MetricsSnapshot {
  const ranges = windowRanges(now, dayStart);
  const perWindow = <T>(f: (r: WindowRange) => T) => Object.fromEntries(ranges.map((r) => [r.name, f(r)])) as PerWindow<T>;
  const minLoggedInMs = config.thresholds.minLoggedInMinutesForCv * MINUTE_MS;

  // Agents: closed time from their rings plus the state they are in now. Written as plain loops: at 10,000 agents
  // this is most of a snapshot's work.
  const closedOf = (b: EntityBuckets | undefined, r: WindowRange) => (b ? (r.minutes !== null ? b.windows[r.name] : b.today) : undefined);
  const agentTimes = new Map<string, AgentTime[]>();
  const agents: AgentSnapshot[] = floor.agents.map((a) => {
    const buckets = floor.buckets.a.get(a.agentId);
    const times = ranges.map((r) => agentTime(closedOf(buckets, r), a, r.from, now));
    agentTimes.set(a.agentId, times);
    const windows = {} as PerWindow<AgentWindow>;
    ranges.forEach((r, i) => (windows[r.name] = times[i]!.window));
    return {
      agentId: a.agentId,
      name: a.name,
      teamId: a.teamId,
      loggedIn: a.state !== 'out',
      state: a.state === 'out' ? 'logged_out' : a.state,
      reason: a.state === 'not_ready' ? a.reason || null : null,
      reasonCategory: a.state === 'not_ready' ? ((a.category || 'other') as NotReadyCategory) : null,
      since: iso(a.since),
      windows,
    };
  });

  const membersOf = new Map<string, AgentRecord[]>();
  for (const a of floor.agents) {
    const list = membersOf.get(a.teamId);
    if (list) list.push(a);
    else membersOf.set(a.teamId, [a]);
  }
  const teams: TeamSnapshot[] = floor.teamIds.map((teamId) => {
    const members = membersOf.get(teamId) ?? [];
    const counts = countStates(members);
    const onBreakAgents = members
      .filter((a) => a.state === 'not_ready' && a.category === 'break')
      .sort((x, y) => x.since - y.since)
      .map((a) => ({ agentId: a.agentId, name: a.name, teamId, since: iso(a.since) }));
    const fields = members.map(stateField);
    const windows = perWindow((r): TeamWindow => {
      const t = sumWindow(floor.buckets.t.get(teamId), r);
      const i = ranges.indexOf(r);
      const perAgent = members.map((a, k) => {
        if (a.state !== 'out') t[fields[k]!] = (t[fields[k]!] ?? 0) + openMs(a, r.from, now);
        const at = agentTimes.get(a.agentId)![i]!;
        return { agentId: a.agentId, name: a.name, loggedInMs: at.li, breakMs: at.brk };
      });
      return { ...teamFigures(withDerived(t)), ...breakDispersion(perAgent, minLoggedInMs, config.thresholds.breakCvLimit) };
    });
    return {
      teamId,
      name: config.teamName(teamId),
      ...counts,
      onBreakAgents,
      onBreakShare: ratio(counts.onBreak, counts.loggedIn),
      ahtRun: null,
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
      ahtRun: null,
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
      excludeShortAbandons: config.excludeShortAbandons,
      ...alertSettings,
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
