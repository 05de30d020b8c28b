// Alert thresholds: defaults here, site values in the config file (`alerts`), and a supervisor's live changes
// stored in Redis on top. Every rule has an enter and an exit level plus minimum durations (hysteresis).
import { z } from 'zod';
import type { Thresholds } from '../../shared/snapshot.js';

const seconds = z.number().min(0).max(86_400);
const fraction = z.number().min(0).max(1);
const rollingWindow = z.enum(['15m', '30m', '60m']);
const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');

export const alertThresholdsSchema = z
  .object({
    /** Recommend callback mode for a queue at peak: any of these, held for forSeconds. */
    callbackEnter: z
      .object({ waiting: z.number().int().min(1).default(10), longestWaitSeconds: seconds.default(180), serviceLevelBelow: fraction.default(0.6), forSeconds: seconds.default(60), clearForSeconds: seconds.default(120) })
      .strict()
      .prefault({}),
    /** Recommend leaving callback mode (start calling back): few waiting, agents ready, callbacks pending, for forSeconds. */
    callbackLeave: z
      .object({ waitingAtMost: z.number().int().min(0).default(2), readyAgentsAtLeast: z.number().int().min(0).default(2), forSeconds: seconds.default(120) })
      .strict()
      .prefault({}),
    /** Overflow or call in standby staff: waiting per ready agent, expected wait from the recent answer rate, or service level. */
    overflow: z
      .object({ waitingPerReadyAgent: z.number().positive().default(3), expectedWaitSeconds: seconds.default(120), serviceLevelBelow: fraction.default(0.7), minCalls: z.number().int().min(0).default(5), forSeconds: seconds.default(30), clearForSeconds: seconds.default(120) })
      .strict()
      .prefault({}),
    /** A team's break-rate CV at or above the limit; below `clearBelow` ends it. Critical in peak hours, a warning otherwise. */
    breakControl: z
      .object({
        cvLimit: z.number().positive().default(0.16),
        clearBelow: z.number().positive().default(0.14),
        minAgents: z.number().int().min(2).default(5),
        window: rollingWindow.default('60m'),
        forSeconds: seconds.default(300),
        clearForSeconds: seconds.default(300),
        peakHours: z.array(z.tuple([timeOfDay, timeOfDay])).default([['09:00', '12:00'], ['14:00', '17:00']]),
      })
      .strict()
      .prefault({}),
    /** Share of logged-in agents on break now (team and floor). */
    breakShare: z.object({ limit: fraction.default(1 / 6), clearBelow: fraction.default(0.14), minLoggedIn: z.number().int().min(1).default(6), forSeconds: seconds.default(60), clearForSeconds: seconds.default(120) }).strict().prefault({}),
    /** One agent on break longer than this (to the team's lead). */
    longBreak: z.object({ minutes: z.number().positive().default(15) }).strict().prefault({}),
    /** Team talk utilisation outside the band, sustained. */
    utilisation: z
      .object({ high: fraction.default(0.74), low: fraction.default(0.69), margin: fraction.default(0.01), window: rollingWindow.default('30m'), minLoggedIn: z.number().int().min(1).default(3), forSeconds: seconds.default(600), clearForSeconds: seconds.default(300) })
      .strict()
      .prefault({}),
    /** A queue's abandon rate over `above` with at least minCalls answered or abandoned. */
    abandonRate: z
      .object({ above: fraction.default(0.1), clearBelow: fraction.default(0.07), window: rollingWindow.default('15m'), minCalls: z.number().int().min(1).default(10), forSeconds: seconds.default(60), clearForSeconds: seconds.default(180) })
      .strict()
      .prefault({}),
    /**
     * AHT special causes: the run rules on the AHT of complete intervals (docs/metrics.md). An interval counts with at
     * least minCalls calls; the centre line is the mean of up to `baseline` intervals before the run.
     */
    ahtSpecialCause: z
      .object({
        enabled: z.boolean().default(true),
        intervalMinutes: z.union([z.literal(15), z.literal(30), z.literal(60)]).default(15),
        trendLength: z.number().int().min(3).max(20).default(6),
        shiftLength: z.number().int().min(5).max(30).default(9),
        baseline: z.number().int().min(2).max(96).default(16),
        minBaseline: z.number().int().min(2).max(96).default(8),
        minCalls: z.number().int().min(1).default(5),
        teams: z.boolean().default(true),
        queues: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type AlertThresholds = z.output<typeof alertThresholdsSchema>;
export type AlertThresholdsInput = z.input<typeof alertThresholdsSchema>;

/** What the screens state about the rules in force: each rule's window and the AHT run rules. */
export function alertSettings(t: AlertThresholds): Pick<Thresholds, 'alertWindows' | 'ahtRunRules'> {
  const { trendLength, shiftLength, baseline, minCalls, intervalMinutes } = t.ahtSpecialCause;
  return {
    alertWindows: { breakControl: t.breakControl.window, utilisation: t.utilisation.window, abandonRate: t.abandonRate.window, ahtIntervalMinutes: intervalMinutes },
    ahtRunRules: { trendLength, shiftLength, baseline, minCalls },
  };
}

/** The thresholds in force: defaults, then the file's values, then the supervisor's live changes (deep merge). */
export function effectiveThresholds(fromFile: unknown, live: unknown): AlertThresholds {
  return alertThresholdsSchema.parse(deepMerge(fromFile ?? {}, live ?? {}));
}

/** Checks a supervisor's change on top of the current values; returns the merged change or the problems. */
export function validateChange(current: unknown, change: unknown): { ok: true; merged: Record<string, unknown> } | { ok: false; error: string } {
  const merged = deepMerge(current ?? {}, change ?? {}) as Record<string, unknown>;
  const result = alertThresholdsSchema.safeParse(merged);
  if (!result.success) return { ok: false, error: result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  const t = result.data;
  const problems: string[] = [];
  if (t.breakControl.clearBelow > t.breakControl.cvLimit) problems.push('breakControl.clearBelow must not exceed cvLimit');
  if (t.breakShare.clearBelow > t.breakShare.limit) problems.push('breakShare.clearBelow must not exceed limit');
  if (t.abandonRate.clearBelow > t.abandonRate.above) problems.push('abandonRate.clearBelow must not exceed above');
  if (t.utilisation.low >= t.utilisation.high) problems.push('utilisation.low must be below high');
  if (t.ahtSpecialCause.minBaseline > t.ahtSpecialCause.baseline) problems.push('ahtSpecialCause.minBaseline must not exceed baseline');
  return problems.length ? { ok: false, error: problems.join('; ') } : { ok: true, merged };
}

/** b over a, object by object (arrays and values of b replace those of a). */
export function deepMerge(a: unknown, b: unknown): unknown {
  if (!isPlainObject(a) || !isPlainObject(b)) return b === undefined ? a : b;
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = deepMerge(a[k], v);
  return out;
}
function isPlainObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}
