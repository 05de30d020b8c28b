// Display formatting for the screens. Every function is pure and returns "–" for a missing value
// (null, undefined, NaN): a rate with nothing to divide is "–", never 0% or 100%.

export const DASH = '–';

type Maybe<T> = T | null | undefined;

const numberFormats = new Map<string, Intl.NumberFormat>();
const timeFormats = new Map<string, Intl.DateTimeFormat>();

function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = locale + JSON.stringify(options);
  let f = numberFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, options);
    numberFormats.set(key, f);
  }
  return f;
}

function isNum(n: Maybe<number>): n is number {
  return typeof n === 'number' && Number.isFinite(n);
}

/** A rate 0..1 as a percentage: 0.712 -> "71%" (or "71.2%" with digits = 1); null -> "–". */
export function percent(rate: Maybe<number>, locale = 'en', digits = 0): string {
  if (!isNum(rate)) return DASH;
  return numberFormat(locale, {
    style: 'percent',
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(rate);
}

/** A whole number with the locale's grouping: 1234 -> "1,234"; null -> "–". */
export function integer(n: Maybe<number>, locale = 'en'): string {
  if (!isNum(n)) return DASH;
  return numberFormat(locale, { maximumFractionDigits: 0 }).format(n);
}

/** A plain decimal with fixed digits: 0.123 -> "0.12". */
export function decimal(n: Maybe<number>, locale = 'en', digits = 2): string {
  if (!isNum(n)) return DASH;
  return numberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Seconds as "mm:ss" under an hour, "h:mm:ss" from an hour. Negative values clamp to 0; null -> "–". */
export function duration(seconds: Maybe<number>): string {
  if (!isNum(seconds)) return DASH;
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${pad2(m)}:${pad2(s)}` : `${pad2(m)}:${pad2(s)}`;
}

/** Whole minutes in a span of seconds (rounded down, never negative); null -> null. */
export function wholeMinutes(seconds: Maybe<number>): number | null {
  if (!isNum(seconds)) return null;
  return Math.max(0, Math.floor(seconds / 60));
}

/** Seconds elapsed from an ISO time (or epoch ms) to `now` (epoch ms); null when the start is missing or invalid. */
export function secondsSince(start: Maybe<string | number>, now: number): number | null {
  if (start === null || start === undefined) return null;
  const t = typeof start === 'number' ? start : Date.parse(start);
  if (!Number.isFinite(t)) return null;
  return Math.max(0, (now - t) / 1000);
}

function timeFormat(locale: string, timeZone: string | undefined, seconds: boolean, date = false): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone ?? ''}|${seconds}|${date}`;
  let f = timeFormats.get(key);
  if (!f) {
    const options: Intl.DateTimeFormatOptions = {
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      ...(seconds ? { second: '2-digit' } : {}),
      ...(date ? { month: 'short', day: 'numeric' } : {}),
    };
    try {
      f = new Intl.DateTimeFormat(locale, { ...options, timeZone });
    } catch {
      // An unknown time zone from the config: fall back to the browser's zone rather than break the board.
      f = new Intl.DateTimeFormat(locale, options);
    }
    timeFormats.set(key, f);
  }
  return f;
}

/** A wall-clock time "09:38:52" in the site's time zone (24-hour). ISO string or epoch ms; invalid -> "–". */
export function clockTime(
  time: Maybe<string | number>,
  timeZone: string | undefined,
  locale = 'en',
  withSeconds = true,
): string {
  if (time === null || time === undefined) return DASH;
  const t = typeof time === 'number' ? time : Date.parse(time);
  if (!Number.isFinite(t)) return DASH;
  return timeFormat(locale, timeZone, withSeconds).format(t);
}

/** A date and time "23 Nov, 09:38:52" in the site's time zone (24-hour), for logs. ISO string or epoch ms; invalid -> "–". */
export function dateTime(time: Maybe<string | number>, timeZone: string | undefined, locale = 'en'): string {
  if (time === null || time === undefined) return DASH;
  const t = typeof time === 'number' ? time : Date.parse(time);
  if (!Number.isFinite(t)) return DASH;
  return timeFormat(locale, timeZone, true, true).format(t);
}
