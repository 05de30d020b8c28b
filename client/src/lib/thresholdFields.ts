// The threshold editor's fields: every value of GET /api/thresholds (server/alerts/thresholds.ts) with its label, its
// unit on screen and the same range the server checks, so most mistakes are caught before sending. The server still
// validates the whole (e.g. an exit level above its enter level) and its answer is shown as it is.
import type { MessageKey } from './i18n.js';

export type FieldKind = 'seconds' | 'minutes' | 'percent' | 'count' | 'decimal' | 'window' | 'peaks';

export interface FieldDef {
  key: string;
  label: MessageKey;
  kind: FieldKind;
  /** Inclusive minimum, in the unit on screen (percent: 0..100). */
  min?: number;
  /** Strictly above `min` (the server's .positive()). */
  above?: number;
  max?: number;
  /** Whole numbers only. */
  int?: boolean;
  /** The unit word shown after the field (seconds, minutes and percent have their own). */
  unit?: MessageKey;
}

export interface GroupDef {
  key: string;
  title: MessageKey;
  fields: FieldDef[];
}

const DAY = 86_400;
const forS: FieldDef = { key: 'forSeconds', label: 'thForSeconds', kind: 'seconds', min: 0, max: DAY };
const clearS: FieldDef = { key: 'clearForSeconds', label: 'thClearForSeconds', kind: 'seconds', min: 0, max: DAY };
const pct = (key: string, label: MessageKey): FieldDef => ({ key, label, kind: 'percent', min: 0, max: 100 });
const win: FieldDef = { key: 'window', label: 'thWindow', kind: 'window' };

export const THRESHOLD_GROUPS: GroupDef[] = [
  {
    key: 'callbackEnter',
    title: 'thGroupCallbackEnter',
    fields: [
      { key: 'waiting', label: 'thWaiting', kind: 'count', min: 1, int: true, unit: 'unitCalls' },
      { key: 'longestWaitSeconds', label: 'thLongestWait', kind: 'seconds', min: 0, max: DAY },
      pct('serviceLevelBelow', 'thServiceLevelBelow'),
      forS,
      clearS,
    ],
  },
  {
    key: 'callbackLeave',
    title: 'thGroupCallbackLeave',
    fields: [
      { key: 'waitingAtMost', label: 'thWaitingAtMost', kind: 'count', min: 0, int: true, unit: 'unitCalls' },
      { key: 'readyAgentsAtLeast', label: 'thReadyAgentsAtLeast', kind: 'count', min: 0, int: true, unit: 'unitAgents' },
      forS,
    ],
  },
  {
    key: 'overflow',
    title: 'thGroupOverflow',
    fields: [
      { key: 'waitingPerReadyAgent', label: 'thWaitingPerReadyAgent', kind: 'decimal', above: 0, unit: 'unitCallsPerAgent' },
      { key: 'expectedWaitSeconds', label: 'thExpectedWait', kind: 'seconds', min: 0, max: DAY },
      pct('serviceLevelBelow', 'thServiceLevelBelow'),
      { key: 'minCalls', label: 'thMinCalls', kind: 'count', min: 0, int: true, unit: 'unitCalls' },
      forS,
      clearS,
    ],
  },
  {
    key: 'breakControl',
    title: 'thGroupBreakControl',
    fields: [
      { key: 'cvLimit', label: 'thCvLimit', kind: 'decimal', above: 0, unit: 'unitCv' },
      { key: 'clearBelow', label: 'thCvClearBelow', kind: 'decimal', above: 0, unit: 'unitCv' },
      { key: 'minAgents', label: 'thMinAgents', kind: 'count', min: 2, int: true, unit: 'unitAgents' },
      win,
      forS,
      clearS,
      { key: 'peakHours', label: 'thPeakHours', kind: 'peaks' },
    ],
  },
  {
    key: 'breakShare',
    title: 'thGroupBreakShare',
    fields: [
      pct('limit', 'thShareLimit'),
      pct('clearBelow', 'thClearBelow'),
      { key: 'minLoggedIn', label: 'thMinLoggedIn', kind: 'count', min: 1, int: true, unit: 'unitAgents' },
      forS,
      clearS,
    ],
  },
  {
    key: 'longBreak',
    title: 'thGroupLongBreak',
    fields: [{ key: 'minutes', label: 'thLongBreakMinutes', kind: 'minutes', above: 0 }],
  },
  {
    key: 'utilisation',
    title: 'thGroupUtilisation',
    fields: [
      pct('high', 'thUtilHigh'),
      pct('low', 'thUtilLow'),
      pct('margin', 'thUtilMargin'),
      win,
      { key: 'minLoggedIn', label: 'thMinLoggedIn', kind: 'count', min: 1, int: true, unit: 'unitAgents' },
      forS,
      clearS,
    ],
  },
  {
    key: 'abandonRate',
    title: 'thGroupAbandonRate',
    fields: [
      pct('above', 'thAbandonAbove'),
      pct('clearBelow', 'thClearBelow'),
      win,
      { key: 'minCalls', label: 'thMinCalls', kind: 'count', min: 1, int: true, unit: 'unitCalls' },
      forS,
      clearS,
    ],
  },
];

export const ROLLING_WINDOWS = ['15m', '30m', '60m'] as const;

/** A value from the server as the text in its field (percent: 0.6 -> "60"; peak hours: "09:00-12:00, 14:00-17:00"). */
export function toField(kind: FieldKind, value: unknown): string {
  if (kind === 'peaks') return Array.isArray(value) ? value.map((p) => (Array.isArray(p) ? `${p[0]}-${p[1]}` : '')).join(', ') : '';
  if (kind === 'window') return typeof value === 'string' ? value : '';
  if (typeof value !== 'number' || !Number.isFinite(value)) return '';
  if (kind === 'percent') return String(Math.round(value * 100 * 100) / 100);
  return String(value);
}

export type Parsed = { ok: true; value: unknown } | { ok: false; problem: MessageKey; params?: Record<string, string | number> };

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

/** A field's text as the value to send, or what is wrong with it (the server's ranges, in the unit on screen). */
export function fromField(f: FieldDef, text: string): Parsed {
  const s = text.trim();
  if (f.kind === 'window') return (ROLLING_WINDOWS as readonly string[]).includes(s) ? { ok: true, value: s } : { ok: false, problem: 'thErrWindow' };
  if (f.kind === 'peaks') {
    if (s === '') return { ok: true, value: [] };
    const spans = s.split(/[,;]/).map((x) => x.trim()).filter(Boolean);
    const out: [string, string][] = [];
    for (const span of spans) {
      const [from, to, ...rest] = span.split(/\s*[-–—]\s*/);
      if (rest.length || !from || !to || !HHMM.test(from) || !HHMM.test(to) || from >= to) return { ok: false, problem: 'thErrPeaks' };
      out.push([from, to]);
    }
    return { ok: true, value: out };
  }
  if (s === '') return { ok: false, problem: 'thErrRequired' };
  const n = Number(s.replace(',', '.'));
  if (!Number.isFinite(n)) return { ok: false, problem: 'thErrNumber' };
  if (f.int && !Number.isInteger(n)) return { ok: false, problem: 'thErrWhole' };
  if (f.above !== undefined && !(n > f.above)) return { ok: false, problem: 'thErrAbove', params: { min: f.above } };
  if (f.min !== undefined && f.max !== undefined && (n < f.min || n > f.max)) return { ok: false, problem: 'thErrRange', params: { min: f.min, max: f.max } };
  if (f.min !== undefined && n < f.min) return { ok: false, problem: 'thErrMin', params: { min: f.min } };
  if (f.max !== undefined && n > f.max) return { ok: false, problem: 'thErrMax', params: { max: f.max } };
  return { ok: true, value: f.kind === 'percent' ? Math.round(n * 100) / 10_000 : n };
}
