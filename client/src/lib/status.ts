// Status levels and the client's default thresholds, in one place so they can later come from the server config.
// Every level is shown with colour AND shape (● normal, ▲ warning, ■ critical) and, where there is room, a word.

export type Level = 'normal' | 'warning' | 'critical';
/** What a shape can show: a status level, or an alert's severity (info is a circle too, in the accent colour). */
export type Mark = Level | 'info';

export const SYMBOL: Record<Mark, string> = {
  normal: '●',
  info: '●',
  warning: '▲',
  critical: '■',
};

/** "Higher is worse" thresholds: warning above `warning`, critical above `critical`. */
export interface UpperLimits {
  warning: number;
  critical: number;
}

/** "Lower is worse" thresholds: warning below `warning`, critical below `critical`. */
export interface LowerLimits {
  warning: number;
  critical: number;
}

export interface StatusThresholds {
  /** Service level (fraction): warning < 80%, critical < 60%. */
  serviceLevel: LowerLimits;
  /** Abandon rate (fraction): warning > 5%, critical > 10%. */
  abandonRate: UpperLimits;
  /** Calls waiting (count): warning > 5, critical > 15. */
  waiting: UpperLimits;
  /** Longest wait now (seconds): warning > 60 s, critical > 180 s. */
  longestWaitSeconds: UpperLimits;
  /** One agent's current break (minutes): warning > 10, critical > 15 (target is ~5 min per hour). */
  breakMinutes: UpperLimits;
}

export const DEFAULT_THRESHOLDS: StatusThresholds = {
  serviceLevel: { warning: 0.8, critical: 0.6 },
  abandonRate: { warning: 0.05, critical: 0.1 },
  waiting: { warning: 5, critical: 15 },
  longestWaitSeconds: { warning: 60, critical: 180 },
  breakMinutes: { warning: 10, critical: 15 },
};

type Maybe = number | null | undefined;

function valid(v: Maybe): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Level for a value where higher is worse; null when there is no value. */
export function upper(value: Maybe, limits: UpperLimits): Level | null {
  if (!valid(value)) return null;
  if (value > limits.critical) return 'critical';
  if (value > limits.warning) return 'warning';
  return 'normal';
}

/** Level for a value where lower is worse; null when there is no value. */
export function lower(value: Maybe, limits: LowerLimits): Level | null {
  if (!valid(value)) return null;
  if (value < limits.critical) return 'critical';
  if (value < limits.warning) return 'warning';
  return 'normal';
}

export const serviceLevelStatus = (v: Maybe, t = DEFAULT_THRESHOLDS): Level | null => lower(v, t.serviceLevel);
export const abandonRateStatus = (v: Maybe, t = DEFAULT_THRESHOLDS): Level | null => upper(v, t.abandonRate);
export const waitingStatus = (v: Maybe, t = DEFAULT_THRESHOLDS): Level | null => upper(v, t.waiting);
export const longestWaitStatus = (v: Maybe, t = DEFAULT_THRESHOLDS): Level | null => upper(v, t.longestWaitSeconds);
export const breakMinutesStatus = (v: Maybe, t = DEFAULT_THRESHOLDS): Level | null => upper(v, t.breakMinutes);

/** Floor share on break now: critical from the server's limit (1/6 by default), else normal. */
export function breakShareStatus(share: Maybe, limit: number): Level | null {
  if (!valid(share)) return null;
  return share >= limit ? 'critical' : 'normal';
}

/** A team's break-rate dispersion: in control (CV below the limit) is normal, out of control is critical. */
export function cvStatus(cv: Maybe, inControl: boolean | null | undefined, limit: number): Level | null {
  if (!valid(cv)) return null;
  const ok = typeof inControl === 'boolean' ? inControl : cv < limit;
  return ok ? 'normal' : 'critical';
}

/** The worst of several levels (null when none is set). */
export function worst(...levels: (Level | null | undefined)[]): Level | null {
  if (levels.includes('critical')) return 'critical';
  if (levels.includes('warning')) return 'warning';
  if (levels.includes('normal')) return 'normal';
  return null;
}

/** Where a value sits against a band: under it, in it (edges included) or over it; null when there is no value. */
export type BandPosition = 'below' | 'within' | 'above';

export function bandPosition(value: Maybe, band: readonly [number, number]): BandPosition | null {
  if (!valid(value)) return null;
  if (value < band[0]) return 'below';
  if (value > band[1]) return 'above';
  return 'within';
}

/**
 * A break rate against the 8-9% target: above the target is a warning (more breaks than planned), and from twice the
 * target's top it is critical. Under the target is normal: fewer breaks are not a control problem.
 */
export function breakRateStatus(rate: Maybe, target: readonly [number, number]): Level | null {
  if (!valid(rate)) return null;
  if (rate > target[1] * 2) return 'critical';
  if (rate > target[1]) return 'warning';
  return 'normal';
}

/** Talk utilisation against the healthy 69-74% band: outside it (either side) is a warning. */
export function utilisationStatus(value: Maybe, band: readonly [number, number]): Level | null {
  const pos = bandPosition(value, band);
  if (pos === null) return null;
  return pos === 'within' ? 'normal' : 'warning';
}

export interface QueueLevels {
  waiting: Level | null;
  wait: Level | null;
  sl: Level | null;
  abandon: Level | null;
}

/** A queue's (or the floor's) four levels: calls waiting, longest wait now, and a window's service level and abandon rate. */
export function queueLevels(waiting: number, longestWaitSeconds: number | null, w: { serviceLevel: number | null; abandonRate: number | null }): QueueLevels {
  return {
    waiting: waitingStatus(waiting),
    wait: longestWaitStatus(longestWaitSeconds),
    sl: serviceLevelStatus(w.serviceLevel),
    abandon: abandonRateStatus(w.abandonRate),
  };
}
