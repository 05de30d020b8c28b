// The interval series (GET /api/series) and the per-minute sparklines (GET /api/sparklines). Documented in docs/api.md;
// the formulas are those of the snapshot's windows (docs/metrics.md), applied to one interval at a time.
import type { QueueWindow, TeamWindow } from './snapshot.js';

export const SERIES_INTERVALS = [15, 30, 60] as const;
export type IntervalMinutes = (typeof SERIES_INTERVALS)[number];
export type SeriesKind = 'queue' | 'team' | 'floor';

/** A team's figures for one interval: the team window's, with the dispersion but without the per-agent list. */
export type TeamPoint = Omit<TeamWindow, 'agentBreakRates'>;

export interface SeriesPoint {
  /** ISO start of the interval (intervals are aligned to the site's local clock). */
  from: string;
  /** False for the interval still running (its figures will grow). */
  complete: boolean;
  /** Queue figures (queue and floor series; the floor's sum every queue). */
  queue?: QueueWindow;
  /** Team figures (team and floor series; the floor's sum every team, its CV is across every agent). */
  team?: TeamPoint;
}

/**
 * A special cause found by the run rules on a series of AHT (docs/metrics.md, "AHT run rules"):
 * - `trend`: `length` (at least 6) complete intervals in a row, each higher (up) or lower (down) than the one before;
 * - `shift`: `length` (at least 9) complete intervals in a row above (up) or below (down) the centre line, the mean of
 *   the intervals before the run.
 */
export interface RunFlag {
  rule: 'trend' | 'shift';
  direction: 'up' | 'down';
  /** ISO start of the run's first interval and end of its last. */
  from: string;
  to: string;
  length: number;
  /** The centre line (shift) in seconds; null for a trend. */
  centreSeconds: number | null;
  /** The run reaches the latest complete interval (it is still going on). */
  current: boolean;
}

export interface Series {
  kind: SeriesKind;
  id: string;
  name: string;
  intervalMinutes: IntervalMinutes;
  generatedAt: string;
  points: SeriesPoint[];
  /** Runs in the AHT of the points (the queue's for a queue, the team's for a team, the queues' for the floor). */
  ahtRuns: RunFlag[];
}

/** One minute of a queue for the wallboard's 60-minute sparklines. */
export interface SparkPoint {
  from: string;
  entered: number;
  answered: number;
  abandoned: number;
  /** The most calls waiting at once in the minute (seen when a call queued); null when no call queued. */
  peakWaiting: number | null;
}

export interface Sparklines {
  generatedAt: string;
  minutes: number;
  queues: { queueId: string; points: SparkPoint[] }[];
}
