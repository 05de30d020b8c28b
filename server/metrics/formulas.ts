// Metric formulas (docs/metrics.md): pure functions of bucket totals. No I/O, no clock.
import type { AgentRate, QueueWindow, TeamWindow } from '../../shared/snapshot.js';

export type Totals = Record<string, number>;

/** The fields of an agent's totals in a window, in the order the store hands them over (FloorState.agentSums):
 * logged-in, break and talk ms, calls answered and calls ended. */
export const AGENT_SUM_FIELDS = ['li', 'brk', 'talk', 'ans', 'end'] as const;

/** a / b, or null when there is nothing to divide by. */
export function ratio(a: number, b: number): number | null {
  return b > 0 ? a / b : null;
}

/** Counter fields that are maxima (the longest wait of a call that left, the most calls waiting at once), not sums. */
export const MAXIMA: ReadonlySet<string> = new Set(['mw', 'mq']);

export function addInto(target: Totals, source: Totals): Totals {
  for (const k in source) target[k] = MAXIMA.has(k) ? Math.max(target[k] ?? 0, source[k]!) : (target[k] ?? 0) + source[k]!;
  return target;
}

const get = (t: Totals, f: string) => t[f] ?? 0;

/** Queue figures from summed queue buckets (fields in server/store/keys.ts; durations in ms). */
export function queueWindow(t: Totals, excludeShortAbandons: boolean): QueueWindow {
  const answered = get(t, 'ans');
  const short = get(t, 'abS');
  const abandoned = excludeShortAbandons ? get(t, 'ab') : get(t, 'ab') + short;
  const offered = answered + get(t, 'ab') + short + get(t, 'cb') + get(t, 'ovo');
  const withinT = get(t, 'ansT');
  const abandonedAfterT = get(t, 'abT');
  const ended = get(t, 'end');
  return {
    entered: get(t, 'en'),
    offered,
    answered,
    abandoned,
    shortAbandoned: short,
    callbacks: get(t, 'cb'),
    callbacksCompleted: get(t, 'cbd'),
    overflowedOut: get(t, 'ovo'),
    overflowedIn: get(t, 'ovi'),
    answeredWithinThreshold: withinT,
    abandonedAfterThreshold: abandonedAfterT,
    answerRate: ratio(answered, offered),
    abandonRate: ratio(abandoned, answered + abandoned),
    // Calls whose queue entry was never seen have no known wait: they are left out of SL and ASA.
    serviceLevel: ratio(withinT, get(t, 'ansK') + abandonedAfterT),
    asaSeconds: nullableSeconds(ratio(get(t, 'wait'), get(t, 'ansK'))),
    ahtSeconds: nullableSeconds(ratio(get(t, 'hand') + get(t, 'wrap'), ended)),
    maxWaitSeconds: t.mw === undefined ? null : t.mw / 1000,
  };
}

function nullableSeconds(ms: number | null): number | null {
  return ms === null ? null : ms / 1000;
}

/**
 * Team fields hold one field per state interval: s:<state>, or c:<category> for not-ready time. Logged-in time (li)
 * is the sum of them all, and s:not_ready the sum of the categories.
 */
export function withDerived(t: Totals): Totals {
  let li = 0, notReady = 0;
  for (const k in t) {
    if (k.startsWith('c:')) notReady += t[k]!;
    if (k.startsWith('s:') || k.startsWith('c:')) li += t[k]!;
  }
  t.li = li;
  t['s:not_ready'] = notReady;
  return t;
}

/** The fields a queue's (queueWindow) and a team's (teamFigures) AHT and calls answered / handled are made of: all
 * that the AHT run rules read. */
export const AHT_FIELDS = { queue: ['ans', 'end', 'hand', 'wrap'], team: ['end', 's:talking', 's:hold', 's:wrap'] } as const;

export type TeamFigures = Omit<TeamWindow, keyof BreakDispersion>;

/** A team's figures from its summed fields (after withDerived). */
export function teamFigures(t: Totals): TeamFigures {
  const li = get(t, 'li');
  const idle = get(t, 's:idle');
  // on the phone (ringing, talking, hold, wrap, outbound): every logged-in state but idle and not ready
  const busy = li - idle - get(t, 's:not_ready');
  const offPhone = idle + get(t, 'c:break') + get(t, 'c:training') + get(t, 'c:meeting');
  const handling = get(t, 's:talking') + get(t, 's:hold') + get(t, 's:wrap');
  return {
    loggedInSeconds: li / 1000,
    breakSeconds: get(t, 'c:break') / 1000,
    talkSeconds: get(t, 's:talking') / 1000,
    breakRate: ratio(get(t, 'c:break'), li),
    utilisation: ratio(get(t, 's:talking'), li),
    occupancy: ratio(busy, busy + idle),
    idleRate: ratio(idle, li),
    offPhoneShare: ratio(offPhone, li),
    callsAnswered: get(t, 'ans'),
    callsHandled: get(t, 'end'),
    ahtSeconds: nullableSeconds(ratio(handling, get(t, 'end'))),
  };
}

export interface BreakDispersion {
  agentBreakRates: AgentRate[];
  agentsCounted: number;
  agentsExcluded: number;
  meanAgentBreakRate: number | null;
  breakRateSd: number | null;
  breakRateCv: number | null;
  inControl: boolean | null;
}

/** A team's agents' logged-in and break ms in one window: agent k of agentIds (and names). */
export interface AgentTimes {
  readonly agentIds: readonly string[];
  readonly names: readonly string[];
  loggedInMs(k: number): number;
  breakMs(k: number): number;
}

/** AgentTimes held in arrays. */
export class AgentTimesList implements AgentTimes {
  constructor(
    readonly agentIds: readonly string[],
    readonly names: readonly string[],
    private readonly loggedIn: readonly number[],
    private readonly breaks: readonly number[],
  ) {}
  loggedInMs(k: number): number {
    return this.loggedIn[k]!;
  }
  breakMs(k: number): number {
    return this.breaks[k]!;
  }
}

/**
 * The dispersion of a team's agents' break rates: agents logged in for less than minLoggedInMs are left out (and
 * counted); the team is in control while the CV (population standard deviation / mean) is under the limit. The
 * figures are worked out from `times` where they are, and the list of rates (agentBreakRates) is made only when read: a snapshot has one rate per agent and window (40,000 at 10,000 agents), most of them never read in the
 * process (the board's message leaves out all but one window; the alert rules read only the counts and the CV), and
 * making them up front, as objects or arrays, was garbage-collection work for nothing.
 */
export class BreakRates {
  private readonly counted: number;
  private readonly excluded: number;
  /** Mean and population standard deviation of the counted agents' rates (null when none counts). */
  private readonly mean: number | null = null;
  private readonly sd: number | null = null;
  constructor(
    private readonly minLoggedInMs: number,
    private readonly times: AgentTimes,
  ) {
    // plain loops over `times`, no closure in between: a rate handed through a call that is not inlined becomes a heap
    // object of its own, 80,000 of them a snapshot at 10,000 agents
    const n = times.agentIds.length;
    let counted = 0, excluded = 0, sum = 0;
    for (let k = 0; k < n; k++) {
      const li = times.loggedInMs(k);
      if (li <= 0) continue;
      if (li < minLoggedInMs) excluded++;
      else {
        counted++;
        sum += times.breakMs(k) / li;
      }
    }
    this.counted = counted;
    this.excluded = excluded;
    if (counted === 0) return;
    const mean = sum / counted;
    let squares = 0;
    for (let k = 0; k < n; k++) if (this.counts(k)) squares += (times.breakMs(k) / times.loggedInMs(k) - mean) ** 2;
    this.mean = mean;
    this.sd = Math.sqrt(squares / counted);
  }

  /** Whether agent k counts: logged in for at least the minimum (and at all). */
  private counts(k: number): boolean {
    const li = this.times.loggedInMs(k);
    return li > 0 && li >= this.minLoggedInMs;
  }

  /** The counted agents' rates (a new list each time). */
  list(): AgentRate[] {
    const out: AgentRate[] = [];
    const t = this.times;
    for (let k = 0; k < t.agentIds.length; k++) {
      if (!this.counts(k)) continue;
      const li = t.loggedInMs(k);
      out.push({ agentId: t.agentIds[k]!, name: t.names[k]!, breakRate: t.breakMs(k) / li, loggedInSeconds: li / 1000 });
    }
    return out;
  }

  /** The dispersion's figures without the list. */
  summary(cvLimit: number): Omit<BreakDispersion, 'agentBreakRates'> {
    const { mean, sd } = this;
    const cv = mean !== null && sd !== null && mean > 0 ? sd / mean : null;
    return {
      agentsCounted: this.counted,
      agentsExcluded: this.excluded,
      meanAgentBreakRate: mean,
      breakRateSd: sd,
      breakRateCv: cv,
      inControl: cv === null ? null : cv < cvLimit,
    };
  }
}

/** (The fields TeamWindowFigures' constructor assigns.) */
export interface TeamWindowFigures extends TeamFigures, Omit<BreakDispersion, 'agentBreakRates'> {}
/**
 * A team's figures in a window with the dispersion of its agents' break rates. agentBreakRates is made when read (see
 * BreakRates) and sent by toJSON; its own fields are the rest (a copy by Object.keys or spread leaves the list out).
 */
export class TeamWindowFigures implements TeamWindow {
  readonly #rates: BreakRates;
  constructor(figures: TeamFigures, rates: BreakRates, cvLimit: number) {
    Object.assign(this, figures, rates.summary(cvLimit));
    this.#rates = rates;
  }
  get agentBreakRates(): AgentRate[] {
    return this.#rates.list();
  }
  toJSON(): TeamWindow {
    return { ...this, agentBreakRates: this.agentBreakRates };
  }
}
