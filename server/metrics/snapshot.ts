// Builds the snapshot from what the store read: window sums, the open (still running) agent states, and the formulas.
// Pure: `now` and the wall time are passed in.
import type { NotReadyCategory } from '../../shared/events.js';
import type {
  AgentSnapshot,
  AgentWindow,
  CategoryCounts,
  IngestCounters,
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
import type { AgentRecord, EntityBuckets, FloorState, StoreMeta, WindowSpec } from '../store/store.js';
import { AGENT_SUM_FIELDS, BreakRates, TeamWindowFigures, type AgentTimes, addInto, queueWindow, ratio, teamFigures, withDerived, type Totals } from './formulas.js';

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

/** The team field an agent's current state adds to: s:<state>, or c:<category> for not-ready time (each string made
 * once, not once per agent and snapshot). */
const stateFields = new Map<string, string>();
const categoryFields = new Map<string, string>();
function stateField(agent: AgentRecord): string {
  const notReady = agent.state === 'not_ready';
  const key = notReady ? agent.category : agent.state;
  const fields = notReady ? categoryFields : stateFields;
  let field = fields.get(key);
  if (field === undefined) fields.set(key, (field = `${notReady ? 'c' : 's'}:${key}`));
  return field;
}

/**
 * Every agent's figures in a snapshot, in one typed array: per agent and window (window index w, in WINDOW_NAMES
 * order) the whole milliseconds and counts they come from, FIGURES numbers at (agent index * windows + w) * FIGURES.
 * The rows below read them: seconds and rates are worked out when a row's windows are read or sent (toJSON). At 10,000
 * agents a snapshot has 40,000 agent windows: as objects holding fractions (each a heap object of its own in V8) they
 * were some 12 MB of young objects per snapshot, and copying them through garbage collection was most of a
 * snapshot's time. A typed array's numbers live outside the JS heap.
 */
const FIGURES = AGENT_SUM_FIELDS.length;
const [LI, BRK, TALK, ANS, END] = (['li', 'brk', 'talk', 'ans', 'end'] as const).map((f) => AGENT_SUM_FIELDS.indexOf(f)) as [number, number, number, number, number];

/** An agent's figures in a window, as the snapshot states them, from its whole ms and counts at `at`. */
function agentWindow(figures: Float64Array, at: number): AgentWindow {
  const li = figures[at + LI]!, brk = figures[at + BRK]!, talk = figures[at + TALK]!;
  return {
    loggedInSeconds: li / 1000,
    breakSeconds: brk / 1000,
    talkSeconds: talk / 1000,
    breakRate: ratio(brk, li),
    utilisation: ratio(talk, li),
    callsAnswered: figures[at + ANS]!,
    callsHandled: figures[at + END]!,
  };
}

/** The logged-in and break ms of a team's members in one window, read in place from the snapshot's figures: member k's
 * window starts at starts[k] + offset. */
class MemberTimes implements AgentTimes {
  constructor(
    readonly agentIds: readonly string[],
    readonly names: readonly string[],
    private readonly figures: Float64Array,
    private readonly starts: readonly number[],
    private readonly offset: number,
  ) {}
  loggedInMs(k: number): number {
    return this.figures[this.starts[k]! + this.offset + LI]!;
  }
  breakMs(k: number): number {
    return this.figures[this.starts[k]! + this.offset + BRK]!;
  }
}

/** An agent's row; its windows are made from the snapshot's figures when read (and sent). A class, not an object literal:
 * V8 puts the objects of a literal that keep surviving straight into the old generation ("pretenuring"); a class's
 * instances start young like any short-lived object. */
class AgentRow implements AgentSnapshot {
  constructor(
    readonly agentId: string,
    readonly name: string,
    readonly teamId: string,
    readonly loggedIn: boolean,
    readonly state: AgentSnapshot['state'],
    readonly reason: string | null,
    readonly reasonCategory: NotReadyCategory | null,
    readonly since: string,
    private readonly figures: Float64Array,
    private readonly at: number,
  ) {}
  get windows(): PerWindow<AgentWindow> {
    return windowsOf((w) => agentWindow(this.figures, this.at + w * FIGURES));
  }
  toJSON(): AgentSnapshot {
    const { agentId, name, teamId, loggedIn, state, reason, reasonCategory, since, windows } = this;
    return { agentId, name, teamId, loggedIn, state, reason, reasonCategory, since, windows };
  }
}

class Windows<T> implements PerWindow<T> {
  '15m': T;
  '30m': T;
  '60m': T;
  today: T;
  constructor(w15: T, w30: T, w60: T, today: T) {
    this['15m'] = w15;
    this['30m'] = w30;
    this['60m'] = w60;
    this.today = today;
  }
}

/** Adds the time of an agent's open state within a window to its figures at `at` (its closed totals). */
function addOpenState(agent: AgentRecord, from: number, now: number, figures: Float64Array, at: number): void {
  const open = openMs(agent, from, now);
  figures[at + LI] = figures[at + LI]! + open;
  if (agent.state === 'not_ready' && agent.category === 'break') figures[at + BRK] = figures[at + BRK]! + open;
  if (agent.state === 'talking') figures[at + TALK] = figures[at + TALK]! + open;
}

// (literals, not made from the lists: 201 of each a snapshot at 200 teams)
const emptyStates = (): StateCounts => ({ idle: 0, ringing: 0, talking: 0, hold: 0, wrap: 0, outbound: 0, not_ready: 0 });
const emptyCategories = (): CategoryCounts => ({ break: 0, meal: 0, training: 0, meeting: 0, other: 0 });

function countStates(agents: readonly AgentRecord[]) {
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

/** Window index of each window name, in WINDOW_NAMES (and windowRanges) order. */
const AT = Object.fromEntries(WINDOW_NAMES.map((name, i) => [name, i])) as Record<WindowName, number>;

/** A value per window from f(window index). */
const windowsOf = <T>(f: (w: number) => T): PerWindow<T> => new Windows(f(AT['15m']), f(AT['30m']), f(AT['60m']), f(AT.today));

/** The ingest totals the screens and /api/health show. */
export function ingestCounters(meta: StoreMeta): IngestCounters {
  return { accepted: meta.accepted, duplicates: meta.duplicates, rejected: meta.rejected, late: meta.late, lostCalls: meta.lostCalls };
}

export function buildSnapshot({ floor, now, wallNow, dayStart, config, alertSettings }: SnapshotInput): MetricsSnapshot {
  const ranges = windowRanges(now, dayStart);
  const perWindow = <T>(f: (r: WindowRange, w: number) => T) => windowsOf((w) => f(ranges[w]!, w));
  const minLoggedInMs = config.thresholds.minLoggedInMinutesForCv * MINUTE_MS;

  // Agents: their closed totals as read (the read's own copy, laid out as the figures) plus the state they are in now
  // (rows of an earlier snapshot may still be read: each snapshot has its own array).
  const W = ranges.length;
  if (floor.agentWindows.join() !== WINDOW_NAMES.join() || floor.agentSums.length !== floor.agents.length * W * FIGURES) {
    throw new Error(`agent totals laid out by ${floor.agentWindows.join()}, not ${WINDOW_NAMES.join()}`);
  }
  const figures = floor.agentSums;
  const agents: AgentSnapshot[] = floor.agents.map((a, i) => {
    for (let w = 0; w < W; w++) addOpenState(a, ranges[w]!.from, now, figures, (i * W + w) * FIGURES);
    return new AgentRow(
      a.agentId,
      a.name,
      a.teamId,
      a.state !== 'out',
      a.state === 'out' ? 'logged_out' : a.state,
      a.state === 'not_ready' ? a.reason || null : null,
      a.state === 'not_ready' ? ((a.category || 'other') as NotReadyCategory) : null,
      a.sinceIso,
      figures,
      i * W * FIGURES,
    );
  });

  const teams: TeamSnapshot[] = floor.teamIds.map((teamId) => {
    const indexes = floor.teamMembers.get(teamId) ?? [];
    const members = indexes.map((i) => floor.agents[i]!);
    const memberIds = members.map((a) => a.agentId);
    const memberNames = members.map((a) => a.name);
    const starts = indexes.map((i) => i * W * FIGURES);
    const counts = countStates(members);
    const onBreakAgents = members
      .filter((a) => a.state === 'not_ready' && a.category === 'break')
      .sort((x, y) => x.since - y.since)
      .map((a) => ({ agentId: a.agentId, name: a.name, teamId, since: a.sinceIso }));
    // The open state time of each member goes to the team field of its state: the members grouped by that field.
    const byField = new Map<string, AgentRecord[]>();
    for (const a of members) {
      if (a.state === 'out') continue;
      const field = stateField(a);
      const group = byField.get(field);
      if (group) group.push(a);
      else byField.set(field, [a]);
    }
    const buckets = floor.buckets.t.get(teamId);
    const windows = perWindow((r, w): TeamWindow => {
      const t = sumWindow(buckets, r);
      for (const [field, group] of byField) {
        let open = 0;
        for (const a of group) open += openMs(a, r.from, now);
        t[field] = (t[field] ?? 0) + open;
      }
      const rates = new BreakRates(minLoggedInMs, new MemberTimes(memberIds, memberNames, figures, starts, w * FIGURES));
      return new TeamWindowFigures(teamFigures(withDerived(t)), rates, config.thresholds.breakCvLimit);
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

  // Ready agents per queue: those whose login named the queue (once each); when no login names queues, every ready agent.
  const queuesKnown = floor.agents.some((a) => a.queues.length > 0);
  const idle = floor.agents.filter((a) => a.state === 'idle');
  const readyFor = new Map<string, number>();
  for (const a of idle) for (const q of new Set(a.queues)) readyFor.set(q, (readyFor.get(q) ?? 0) + 1);
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
      availableAgents: queuesKnown ? (readyFor.get(queueId) ?? 0) : idle.length,
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
    ingest: ingestCounters(floor.meta),
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
