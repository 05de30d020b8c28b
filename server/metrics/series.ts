// The interval series: 15-minute buckets added up into 15-, 30- or 60-minute intervals aligned to the site's clock,
// with the snapshot's formulas applied to each interval, and the AHT run rules. Pure: buckets and times come in.
import type { QueueWindow } from '../../shared/snapshot.js';
import type { IntervalMinutes, RunFlag, Series, SeriesKind, SeriesPoint, TeamPoint } from '../../shared/series.js';
import { MINUTE_MS, zoneOffset } from '../../shared/time.js';
import { AgentTimesList, BreakRates, addInto, queueWindow, teamFigures, withDerived, type Totals } from './formulas.js';
import { findRuns, type RunRuleOptions } from './run-rules.js';

/** The series' buckets are 15 minutes long, starting on the quarter hour (epoch-aligned, so local too). */
export const BASE_MINUTES = 15;
const BASE_MS = BASE_MINUTES * MINUTE_MS;

/** Start of the interval of `intervalMinutes` that contains the base bucket starting at `baseStart`, on the local clock. */
export function intervalStart(baseStart: number, intervalMinutes: IntervalMinutes, timeZone: string): number {
  const localMinute = Math.floor((baseStart + zoneOffset(baseStart, timeZone)) / MINUTE_MS);
  return baseStart - (((localMinute % intervalMinutes) + intervalMinutes) % intervalMinutes) * MINUTE_MS;
}

/** The base bucket starts from `from` to `to` (both included), oldest first. */
export function baseStarts(from: number, to: number): number[] {
  const out: number[] = [];
  for (let t = Math.floor(from / BASE_MS) * BASE_MS; t <= to; t += BASE_MS) out.push(t);
  return out;
}

export interface SeriesInput {
  kind: SeriesKind;
  id: string;
  name: string;
  intervalMinutes: IntervalMinutes;
  timeZone: string;
  now: number;
  /** Base bucket start -> counters, for every queue (queue and floor series) or team (team and floor series). */
  queueBuckets: Map<number, Totals>[];
  teamBuckets: Map<number, Totals>[];
  excludeShortAbandons: boolean;
  minLoggedInMs: number;
  breakCvLimit: number;
  /** An interval's AHT counts in the run rules only with at least this many calls ended. */
  runMinCalls: number;
  runRules: RunRuleOptions;
  /** Interval starts wanted, oldest first. */
  starts: number[];
}

/** The figures of one team interval: team fields plus l:<agent> / b:<agent> (logged-in and break ms per agent). */
export function teamPoint(t: Totals, minLoggedInMs: number, breakCvLimit: number): TeamPoint {
  const agents = new Map<string, { agentId: string; name: string; loggedInMs: number; breakMs: number }>();
  const fields: Totals = {};
  for (const [k, v] of Object.entries(t)) {
    const agentField = k.startsWith('l:') || k.startsWith('b:');
    if (!agentField) {
      fields[k] = v;
      continue;
    }
    const agentId = k.slice(2);
    const a = agents.get(agentId) ?? { agentId, name: agentId, loggedInMs: 0, breakMs: 0 };
    if (k[0] === 'l') a.loggedInMs += v;
    else a.breakMs += v;
    agents.set(agentId, a);
  }
  const list = [...agents.values()];
  const times = new AgentTimesList(list.map((a) => a.agentId), list.map((a) => a.name), list.map((a) => a.loggedInMs), list.map((a) => a.breakMs));
  const rates = new BreakRates(minLoggedInMs, times);
  return { ...teamFigures(withDerived(fields)), ...rates.summary(breakCvLimit) };
}

export function buildSeries(input: SeriesInput): Series {
  const { intervalMinutes, now } = input;
  const intervalMs = intervalMinutes * MINUTE_MS;
  const sum = (maps: Map<number, Totals>[], start: number) => sumInterval(maps, start, intervalMs);
  const wantQueue = input.kind !== 'team';
  const wantTeam = input.kind !== 'queue';
  const points: SeriesPoint[] = input.starts.map((start) => {
    const point: SeriesPoint = { from: new Date(start).toISOString(), complete: start + intervalMs <= now };
    if (wantQueue) point.queue = queueWindow(sum(input.queueBuckets, start), input.excludeShortAbandons);
    if (wantTeam) point.team = teamPoint(sum(input.teamBuckets, start), input.minLoggedInMs, input.breakCvLimit);
    return point;
  });
  return {
    kind: input.kind,
    id: input.id,
    name: input.name,
    intervalMinutes,
    generatedAt: new Date(now).toISOString(),
    points,
    ahtRuns: ahtRuns(
      points.map((p, i) => ({ start: input.starts[i]!, complete: p.complete, ...ahtOf(input.kind === 'team' ? p.team : p.queue) })),
      intervalMs,
      input.runMinCalls,
      input.runRules,
    ),
  };
}

/** The base buckets inside an interval, added up (an interval on the local clock is whole base buckets). */
function sumInterval(maps: readonly Map<number, Totals>[], start: number, intervalMs: number): Totals {
  const t: Totals = {};
  for (let b = start; b < start + intervalMs; b += BASE_MS) for (const m of maps) addInto(t, m.get(b) ?? {});
  return t;
}

/** What the AHT run rules read of an interval: its AHT, and the calls it comes from (answered for a queue, ended
 * for a team). */
interface AhtInterval {
  start: number;
  complete: boolean;
  calls: number;
  ahtSeconds: number | null;
}

function ahtOf(fig: Pick<QueueWindow, 'answered' | 'ahtSeconds'> | Pick<TeamPoint, 'callsHandled' | 'ahtSeconds'> | undefined): Pick<AhtInterval, 'calls' | 'ahtSeconds'> {
  if (!fig) return { calls: 0, ahtSeconds: null };
  return { calls: 'callsHandled' in fig ? fig.callsHandled : fig.answered, ahtSeconds: fig.ahtSeconds };
}

/**
 * The AHT run flags of one queue or team from its base buckets, as buildSeries gives them, working out only the AHT of
 * each interval (the alert and the screens' flags need no more; the whole series of 250 queues and teams took 60-150
 * ms).
 */
export function ahtRunsOf(kind: 'queue' | 'team', buckets: Map<number, Totals>, starts: readonly number[], intervalMinutes: IntervalMinutes, now: number, minCalls: number, rules: RunRuleOptions): RunFlag[] {
  const intervalMs = intervalMinutes * MINUTE_MS;
  const intervals = starts.map((start): AhtInterval => {
    const t = sumInterval([buckets], start, intervalMs);
    // (the AHT and the calls answered do not depend on how short abandons are counted)
    const fig = kind === 'queue' ? queueWindow(t, true) : teamFigures(withDerived(t));
    return { start, complete: start + intervalMs <= now, ...ahtOf(fig) };
  });
  return ahtRuns(intervals, intervalMs, minCalls, rules);
}

/** The AHT run flags of a series' complete intervals (an interval counts with at least minCalls calls). */
function ahtRuns(intervals: readonly AhtInterval[], intervalMs: number, minCalls: number, rules: RunRuleOptions): RunFlag[] {
  const complete = intervals.filter((p) => p.complete);
  const values = complete.map((p) => (p.calls >= minCalls ? p.ahtSeconds : null));
  const iso = (ms: number) => new Date(ms).toISOString();
  return findRuns(values, rules).map((r) => ({
    rule: r.rule,
    direction: r.direction,
    from: iso(complete[r.first]!.start),
    to: iso(complete[r.last]!.start + intervalMs),
    length: r.last - r.first + 1,
    centreSeconds: r.centre,
    current: r.last === complete.length - 1,
  }));
}
