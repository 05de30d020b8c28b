// Metric formulas (docs/metrics.md): pure functions of bucket totals. No I/O, no clock.
import type { QueueWindow } from '../../shared/snapshot.js';

export type Totals = Record<string, number>;

/** a / b, or null when there is nothing to divide by. */
export function ratio(a: number, b: number): number | null {
  return b > 0 ? a / b : null;
}

export function addInto(target: Totals, source: Totals): Totals {
  for (const [k, v] of Object.entries(source)) target[k] = k === 'mw' ? Math.max(target[k] ?? 0, v) : (target[k] ?? 0) + v;
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
