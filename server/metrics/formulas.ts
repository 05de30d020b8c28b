// Metric formulas (docs/metrics.md): pure functions of bucket totals. No I/O, no clock.
import type { AgentRate, QueueWindow, TeamWindow } from '../../shared/snapshot.js';

export type Totals = Record<string, number>;

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

export interface Dispersion {
  mean: number | null;
  sd: number | null;
  cv: number | null;
}

/** Mean, population standard deviation and coefficient of variation (sd / mean; null when the mean is 0). */
export function dispersion(values: readonly number[]): Dispersion {
  if (values.length === 0) return { mean: null, sd: null, cv: null };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, x) => a + (x - mean) ** 2, 0) / values.length);
  return { mean, sd, cv: mean > 0 ? sd / mean : null };
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

const ON_CALL = ['talking', 'hold', 'wrap', 'ringing', 'outbound'].map((st) => `s:${st}`);

/** The fields a queue's (queueWindow) and a team's (teamFigures) AHT and calls answered / handled are made of: all
 * that the AHT run rules read. */
export const AHT_FIELDS = { queue: ['ans', 'end', 'hand', 'wrap'], team: ['end', 's:talking', 's:hold', 's:wrap'] } as const;

export type TeamFigures = Omit<TeamWindow, keyof BreakDispersion>;

/** A team's figures from its summed fields (after withDerived). */
export function teamFigures(t: Totals): TeamFigures {
  const li = get(t, 'li');
  const busy = ON_CALL.reduce((s, field) => s + get(t, field), 0);
  const idle = get(t, 's:idle');
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

/**
 * The dispersion of a team's agents' break rates: agents logged in for less than minLoggedInMs are left out (and
 * counted); the team is in control while the CV is under the limit.
 */
/**
 * A team's break-rate dispersion, one agent at a time: agent k of `agentIds` (and `names`) is added with its logged-in
 * and break ms. The rates are kept in arrays and the list of them (agentBreakRates) is made only when read: a
 * snapshot has one rate per agent and window (40,000 at 10,000 agents), most of them never read in the process (the
 * board's message leaves out all but one window; the alert rules read only the counts and the CV), and making them
 * as objects up front was garbage-collection work for nothing.
 */
export class BreakRates {
  /** Positions in agentIds of the agents counted, their rates and logged-in ms. */
  private readonly counted: number[] = [];
  private readonly rates: number[] = [];
  private readonly loggedInMs: number[] = [];
  private excluded = 0;
  constructor(
    private readonly minLoggedInMs: number,
    private readonly agentIds: readonly string[],
    private readonly names: readonly string[],
  ) {}

  add(k: number, loggedInMs: number, breakMs: number): void {
    if (loggedInMs <= 0) return;
    if (loggedInMs < this.minLoggedInMs) {
      this.excluded++;
      return;
    }
    this.counted.push(k);
    this.rates.push(breakMs / loggedInMs);
    this.loggedInMs.push(loggedInMs);
  }

  /** The counted agents' rates (a new list each time). */
  list(): AgentRate[] {
    return this.counted.map((k, i) => ({ agentId: this.agentIds[k]!, name: this.names[k]!, breakRate: this.rates[i]!, loggedInSeconds: this.loggedInMs[i]! / 1000 }));
  }

  /** The dispersion's figures without the list. */
  summary(cvLimit: number): Omit<BreakDispersion, 'agentBreakRates'> {
    const d = dispersion(this.rates);
    return {
      agentsCounted: this.rates.length,
      agentsExcluded: this.excluded,
      meanAgentBreakRate: d.mean,
      breakRateSd: d.sd,
      breakRateCv: d.cv,
      inControl: d.cv === null ? null : d.cv < cvLimit,
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
