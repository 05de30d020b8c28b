// The simulated site: queues, teams, agents and their habits, and when callers ring.
// Plain data plus a few pure functions of time, so a site can be built, inspected and replaced in tests.
import { hashToUnit } from './random.js';

export const SECOND_MS = 1_000;
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
const DAY_MINUTES = 24 * 60;

export interface QueueProfile {
  id: string;
  name: string;
  /** Calls per hour at the busiest time of day, before any surge. */
  peakCallsPerHour: number;
  /** Median talk time; talk times are log-normal around it. */
  medianHandleSeconds: number;
  /** Mean caller patience (exponential): callers not answered by then hang up. */
  meanPatienceSeconds: number;
  /** Queue that takes calls from this one when it is deep (demo mode). */
  overflowTo?: string;
}

/** How an agent takes breaks (reason 'break'): one break every `everyMinutes`, lasting `share` of that. */
export interface BreakHabit {
  /** Share of logged-in time spent on reason 'break', e.g. 0.085 for 8.5%. */
  share: number;
  everyMinutes: number;
  /** Spread of each break's length as a fraction, e.g. 0.03 for +-3%. */
  lengthJitter: number;
}

export interface AgentProfile {
  id: string;
  name: string;
  breakHabit: BreakHabit;
}

export interface TeamProfile {
  id: string;
  name: string;
  /** Queues this team's agents answer. */
  queues: string[];
  /**
   * True: the team keeps a break rota, the agents' breaks spread evenly over the break period. False: each agent
   * picks a random time, which is what a team without a supervisor looks like.
   */
  breakRota: boolean;
  agents: AgentProfile[];
}

/** Periodic surges that push queues up so the wallboard and alerts have something to show. */
export interface SurgeProfile {
  /** One surge per cycle of this length; its start is jittered within the cycle. */
  everyMinutes: number;
  lengthMinutes: number;
  /** Arrival rate multiplier at the height of the surge. */
  multiplier: number;
  /** Time to ramp up to (and down from) the full multiplier. */
  rampMinutes: number;
}

/** Demo-mode call handling. Ranges are [min, max], drawn uniformly. */
export interface HandlingProfile {
  /** Sd of log talk time (0.5 gives a realistic long tail). */
  talkSigma: number;
  holdProbability: number;
  holdSeconds: [number, number];
  wrapSeconds: [number, number];
  ringSeconds: [number, number];
  /** Callers still waiting at this point are offered a callback... */
  callbackOfferAfterSeconds: number;
  /** ...and this share of them take it. */
  callbackAcceptShare: number;
  /** A call waiting this long in a queue at least `overflowMinWaiting` deep moves to the queue's overflowTo. */
  overflowAfterSeconds: number;
  overflowMinWaiting: number;
  /** Rate of meals, training, meetings and short log-outs per agent per logged-in hour. */
  activitiesPerAgentHour: number;
  /**
   * Rota teams: minutes before a planned break that the agent stops taking new calls, so breaks start on time.
   * Without it a call that overruns makes the break late, and late breaks swing hourly break rates by +-50%.
   */
  breakReserveMinutes: number;
}

export interface SiteModel {
  name: string;
  /** Site local time = UTC + this; drives the time-of-day arrival shape. */
  utcOffsetMinutes: number;
  /** Arrival intensity per local hour as a share of each queue's peak; value h applies at h:30, interpolated. */
  hourlyShape: readonly number[];
  surge: SurgeProfile;
  handling: HandlingProfile;
  queues: QueueProfile[];
  teams: TeamProfile[];
}

// Quiet at night, a morning peak around 10:00, a lunch dip and an afternoon peak around 15:00.
const OFFICE_DAY_SHAPE = [
  0.06, 0.05, 0.05, 0.05, 0.05, 0.07, 0.12, 0.3, 0.6, 0.88, 1.0, 0.92, 0.66, 0.72, 0.94, 1.0, 0.86, 0.62, 0.42, 0.3,
  0.24, 0.17, 0.11, 0.08,
] as const;

/** Local minute of the day (0..1439.99) at `atMs`. */
export function minuteOfDay(site: SiteModel, atMs: number): number {
  const minutes = atMs / MINUTE_MS + site.utcOffsetMinutes;
  return ((minutes % DAY_MINUTES) + DAY_MINUTES) % DAY_MINUTES;
}

/** Share (0..1) of the peak arrival rate at this local minute of the day. */
export function dayShapeAt(site: SiteModel, minute: number): number {
  const shape = site.hourlyShape;
  // Value h sits at minute 60h + 30; interpolate between the two neighbours, wrapping round midnight.
  const position = (minute - 30 + DAY_MINUTES) % DAY_MINUTES / 60;
  const lower = Math.floor(position);
  const fraction = position - lower;
  const a = shape[lower % shape.length] ?? 0;
  const b = shape[(lower + 1) % shape.length] ?? 0;
  return a + (b - a) * fraction;
}

/** Calls per hour offered to `queue` at `atMs`, before surges. */
export function callsPerHourAt(site: SiteModel, queue: QueueProfile, atMs: number): number {
  return queue.peakCallsPerHour * dayShapeAt(site, minuteOfDay(site, atMs));
}

/**
 * Arrival multiplier from surges at `atMs` (1 outside a surge). Surge k starts somewhere in cycle k (cycles counted
 * from the simulation start); where is a pure function of (seed, k), so the rate is a function of time alone.
 */
export function surgeMultiplierAt(site: SiteModel, seed: number, startMs: number, atMs: number): number {
  const { everyMinutes, lengthMinutes, multiplier, rampMinutes } = site.surge;
  if (multiplier === 1 || lengthMinutes <= 0 || atMs < startMs) return 1;
  const cycleMs = everyMinutes * MINUTE_MS;
  const lengthMs = lengthMinutes * MINUTE_MS;
  const rampMs = Math.min(rampMinutes * MINUTE_MS, lengthMs / 2);
  const cycle = Math.floor((atMs - startMs) / cycleMs);
  // A surge may spill into the next cycle only if the cycle is shorter than the surge; check this one and the last.
  let best = 1;
  for (const k of [cycle - 1, cycle]) {
    if (k < 0) continue;
    const slack = Math.max(0, cycleMs - lengthMs);
    const surgeStart = startMs + k * cycleMs + Math.floor(hashToUnit(seed, k, 0x5e) * slack);
    const into = atMs - surgeStart;
    if (into < 0 || into >= lengthMs) continue;
    const ramp = rampMs > 0 ? Math.min(1, into / rampMs, (lengthMs - into) / rampMs) : 1;
    best = Math.max(best, 1 + (multiplier - 1) * ramp);
  }
  return best;
}

/** The highest rate `queue` can reach (its peak times a full surge): the ceiling for thinning arrivals. */
export function maxCallsPerHour(site: SiteModel, queue: QueueProfile): number {
  return queue.peakCallsPerHour * Math.max(...site.hourlyShape) * Math.max(1, site.surge.multiplier);
}

// Realistic names for a Chinese-English site: pinyin family name first, English given name first.
const DEMO_NAMES = [
  'Wang Fang', 'Emma Clarke', 'Li Wei', 'Daniel Hughes', 'Zhang Min', 'Chloe Evans', 'Liu Yang', 'Ryan Cooper',
  'Chen Jing', 'Hannah Price', 'Yang Lei', 'Jack Morgan', 'Zhao Xin', 'Olivia Reed', 'Huang Qiang', 'Liam Foster',
  'Zhou Jie', 'Mia Collins', 'Wu Xiuying', 'Noah Ward', 'Xu Ming', 'Ella Brooks', 'Sun Hui', 'Lucas Gray',
  'Ma Lin', 'Amelia Shaw', 'Zhu Hong', 'Ethan Ross', 'Hu Jun', 'Isla Bennett', 'Guo Ping', 'Samuel Hayes',
  'He Yan', 'Ava Palmer', 'Lin Tao', 'James Whitaker', 'Gao Xiang', 'Zoe Mitchell', 'Luo Qing', 'Henry Lawson',
  'Zheng Yu', 'Grace Miller', 'Liang Chen', 'Oscar Doyle', 'Song Jia', 'Ruby Fletcher', 'Xie Na', 'Harry Walsh',
  'Tang Li', 'Lily Barnes', 'Han Bing', 'Thomas Kerr', 'Feng Rui', 'Sophie Grant', 'Deng Hao', 'Leo Marsh',
  'Cao Yun', 'Freya Holt', 'Peng Bo', 'Alfie Dunn',
] as const;

interface TeamPlan {
  id: string;
  name: string;
  queues: string[];
  size: number;
  firstAgentNumber: number;
}

/**
 * A disciplined team: each agent's break share within +-`spread` of the team's, evenly spread (fixed, not drawn,
 * so the team's break-rate CV is about spread / sqrt(3) for every seed).
 */
function disciplinedHabits(size: number, teamShare: number, spread: number): BreakHabit[] {
  return Array.from({ length: size }, (_, i) => {
    const offset = size === 1 ? 0 : (2 * i) / (size - 1) - 1;
    // One break an hour: any 60-minute window then holds exactly one break's worth, so hourly rates stay steady.
    return { share: teamShare * (1 + spread * offset), everyMinutes: 60, lengthJitter: 0.03 };
  });
}

/**
 * The out-of-control team: a few agents take long breaks often, a middle group is normal-ish and the rest take
 * almost none. The mix is fixed (not drawn) so the team is clearly out of control for every seed.
 */
function unrulyHabits(size: number): BreakHabit[] {
  const heavy = Math.max(2, Math.round(size * 0.23));
  const light = Math.max(2, Math.round(size * 0.38));
  return Array.from({ length: size }, (_, i) => {
    // Long breaks (8.5-11 min) every 50 minutes: 17-22% of their time.
    if (i < heavy) return { share: 0.17 + (0.05 * i) / Math.max(1, heavy - 1), everyMinutes: 50, lengthJitter: 0.15 };
    // A 3-4 minute break every 100 minutes: 3-4%.
    if (i >= size - light) return { share: 0.03 + 0.004 * ((i - (size - light)) % 3), everyMinutes: 100, lengthJitter: 0.15 };
    // The rest roughly normal, but irregular: 7-10% in 5-7 minute breaks.
    return { share: 0.07 + 0.01 * ((i - heavy) % 4), everyMinutes: 75, lengthJitter: 0.15 };
  });
}

export interface DemoSiteOptions {
  /** Local time zone of the site; default UTC+8. Use -new Date().getTimezoneOffset() to follow the viewer's clock. */
  utcOffsetMinutes?: number;
}

/**
 * The default demo site: 4 queues, 4 teams (58 agents). Teams aurora, harbour and summit keep their break rates
 * around 8-9% with little spread; team delta is the out-of-control one.
 */
export function createDemoSite(options: DemoSiteOptions = {}): SiteModel {
  const queues: QueueProfile[] = [
    { id: 'support', name: 'Technical Support', peakCallsPerHour: 185, medianHandleSeconds: 240, meanPatienceSeconds: 120, overflowTo: 'billing' },
    { id: 'sales', name: 'Sales', peakCallsPerHour: 110, medianHandleSeconds: 270, meanPatienceSeconds: 100, overflowTo: 'support' },
    { id: 'billing', name: 'Billing', peakCallsPerHour: 95, medianHandleSeconds: 210, meanPatienceSeconds: 150, overflowTo: 'support' },
    { id: 'vip', name: 'VIP Line', peakCallsPerHour: 45, medianHandleSeconds: 300, meanPatienceSeconds: 180 },
  ];
  const plans: TeamPlan[] = [
    { id: 'team-aurora', name: 'Aurora', queues: ['support', 'billing'], size: 16, firstAgentNumber: 101 },
    { id: 'team-harbour', name: 'Harbour', queues: ['sales', 'support'], size: 15, firstAgentNumber: 201 },
    { id: 'team-summit', name: 'Summit', queues: ['billing', 'vip', 'sales'], size: 14, firstAgentNumber: 301 },
    { id: 'team-delta', name: 'Delta', queues: ['support', 'sales', 'vip'], size: 13, firstAgentNumber: 401 },
  ];
  // Break share and spread of the disciplined teams: hourly break-rate CVs of about 0.065, 0.08 and 0.10.
  const disciplined = [
    { share: 0.085, spread: 0.1 },
    { share: 0.08, spread: 0.13 },
    { share: 0.09, spread: 0.16 },
  ];
  let nameIndex = 0;
  const teams: TeamProfile[] = plans.map((plan, teamIndex) => {
    const unruly = teamIndex === plans.length - 1;
    const { share, spread } = disciplined[teamIndex] ?? { share: 0.085, spread: 0.1 };
    const habits = unruly ? unrulyHabits(plan.size) : disciplinedHabits(plan.size, share, spread);
    const agents = habits.map((breakHabit, i) => ({
      id: `agent-${plan.firstAgentNumber + i}`,
      name: DEMO_NAMES[nameIndex++ % DEMO_NAMES.length] as string,
      breakHabit,
    }));
    return { id: plan.id, name: plan.name, queues: plan.queues, breakRota: !unruly, agents };
  });
  return {
    name: 'Floorwatch demo site',
    utcOffsetMinutes: options.utcOffsetMinutes ?? 8 * 60,
    hourlyShape: OFFICE_DAY_SHAPE,
    surge: { everyMinutes: 30, lengthMinutes: 10, multiplier: 1.9, rampMinutes: 1 },
    handling: {
      talkSigma: 0.5,
      holdProbability: 0.2,
      holdSeconds: [20, 90],
      wrapSeconds: [10, 60],
      ringSeconds: [2, 6],
      callbackOfferAfterSeconds: 60,
      callbackAcceptShare: 0.05,
      overflowAfterSeconds: 45,
      overflowMinWaiting: 6,
      activitiesPerAgentHour: 0.08,
      breakReserveMinutes: 3,
    },
    queues,
    teams,
  };
}
