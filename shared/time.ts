// Time helpers shared by server and client. Pure: "now" is always passed in.

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

/** Rolling window lengths in minutes (the "today" window is computed from the site's reset time). */
export const ROLLING_WINDOW_MINUTES = { '15m': 15, '30m': 30, '60m': 60 } as const;

/** A source of "now" in epoch ms. Domain code receives one instead of reading Date.now(). */
export interface Clock {
  now(): number;
}
export const wallClock: Clock = { now: () => Date.now() };

export function floorTo(ms: number, stepMs: number): number {
  return Math.floor(ms / stepMs) * stepMs;
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock date and time in `timeZone` at instant `ms`. */
export function localParts(ms: number, timeZone: string): LocalParts {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(ms)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
  };
}

/** Offset of `timeZone` from UTC at instant `ms`, in ms (e.g. +8 h for Asia/Shanghai). */
export function zoneOffset(ms: number, timeZone: string): number {
  const p = localParts(ms, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - floorTo(ms, 1000);
}

/**
 * The instant at which the wall clock in `timeZone` shows the given local date and time. A local time that does not
 * exist (skipped by a daylight-saving jump) moves forward by the length of the gap (02:30 -> 03:30, as Temporal's
 * "compatible" option does); an ambiguous one (repeated when clocks go back) maps to its first occurrence.
 */
export function zonedTimeToUtc(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): number {
  const wanted = Date.UTC(year, month - 1, day, hour, minute);
  // Two passes settle the offset on either side of a transition; pick the earliest candidate that is not before `wanted`.
  const candidates = new Set<number>();
  for (const guessOffset of [zoneOffset(wanted - 86_400_000, timeZone), zoneOffset(wanted + 86_400_000, timeZone)]) {
    const t = wanted - guessOffset;
    if (wanted - zoneOffset(t, timeZone) === t) candidates.add(t);
  }
  if (candidates.size > 0) return Math.min(...candidates);
  // In a gap: read `wanted` with the offset in force before the jump.
  const before = zoneOffset(wanted - 86_400_000, timeZone);
  return wanted - before;
}

/** Parses "HH:MM" (24 h) into minutes after midnight, or throws a clear error. */
export function parseTimeOfDay(text: string): number {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a time of day (expected HH:MM, 24-hour)`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/**
 * Start of the "today" period that contains `ms`: the latest instant at or before `ms` when the site's wall clock showed
 * the reset time. Computed from time alone (no timer that could miss), correct across daylight-saving changes.
 */
export function dayPeriodStart(ms: number, timeZone: string, resetMinutes: number): number {
  const p = localParts(ms, timeZone);
  const h = Math.floor(resetMinutes / 60), mi = resetMinutes % 60;
  let start = zonedTimeToUtc(p.year, p.month, p.day, h, mi, timeZone);
  if (start > ms) {
    const prev = new Date(Date.UTC(p.year, p.month - 1, p.day - 1));
    start = zonedTimeToUtc(prev.getUTCFullYear(), prev.getUTCMonth() + 1, prev.getUTCDate(), h, mi, timeZone);
  }
  return start;
}

/** The day periods around `ms`: [previous start, current start, next start]. */
export function dayPeriodBounds(ms: number, timeZone: string, resetMinutes: number): [number, number, number] {
  const current = dayPeriodStart(ms, timeZone, resetMinutes);
  const previous = dayPeriodStart(current - 1, timeZone, resetMinutes);
  // A period lasts 23 to 25 hours, so 26 hours after its start lies inside the next one.
  const next = dayPeriodStart(current + 26 * HOUR_MS, timeZone, resetMinutes);
  return [previous, current, next];
}
