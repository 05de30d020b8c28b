// Alerts in words, for every screen: the rule, the subject, the figure against its threshold, the state, and the
// lists each screen shows. Pure functions of the snapshot's alerts (docs/alerts.md); the server decides everything.
import type { Alert, AlertRule, AlertSeverity, CallbackModeState, Snapshot } from '../../../shared/snapshot.js';
import type { I18n, MessageKey } from './i18n.js';
import { secondsSince } from './format.js';
import { ACTION_OFFLINE, ACTION_TIMEOUT } from './live.svelte.js';

export type AlertState = 'active' | 'acknowledged' | 'cleared';

/** Cleared wins (it is over, greyed), then acknowledged, else active. */
export function alertState(a: Alert): AlertState {
  if (a.clearedAt) return 'cleared';
  return a.ack ? 'acknowledged' : 'active';
}

/** Active and nobody acknowledged it yet: what still needs someone. */
export const needsAttention = (a: Alert): boolean => !a.clearedAt && !a.ack;

const SEVERITY_RANK: Record<AlertSeverity, number> = { critical: 0, warning: 1, info: 2 };
/** Within a severity, what the floor must act on first. */
const RULE_RANK: Record<AlertRule, number> = {
  feed_stale: 0,
  overflow: 1,
  too_many_on_break: 2,
  break_out_of_control: 3,
  abandon_rate: 4,
  long_break: 5,
  callback_enter: 6,
  callback_leave: 7,
  utilisation_high: 8,
  utilisation_low: 9,
  aht_special_cause: 10,
};

const time = (iso: string | null): number => {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(t) ? t : 0;
};

/** Newest first (by raise time); ties by id so the order is stable between pushes. */
export function newestFirst(alerts: readonly Alert[]): Alert[] {
  return [...alerts].sort((a, b) => time(b.raisedAt) - time(a.raisedAt) || b.id.localeCompare(a.id, 'en', { numeric: true }));
}

/** Most severe first, then by what to act on first, then newest: for the TV, where the worst must be seen first. */
export function worstFirst(alerts: readonly Alert[]): Alert[] {
  return [...alerts].sort(
    (a, b) =>
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      (RULE_RANK[a.rule] ?? 99) - (RULE_RANK[b.rule] ?? 99) ||
      time(b.raisedAt) - time(a.raisedAt) ||
      a.id.localeCompare(b.id, 'en', { numeric: true }),
  );
}

/** The worst severity among alerts (null when none). */
export function worstSeverity(alerts: readonly Alert[]): AlertSeverity | null {
  let best: AlertSeverity | null = null;
  for (const a of alerts) if (best === null || SEVERITY_RANK[a.severity] < SEVERITY_RANK[best]) best = a.severity;
  return best;
}

/**
 * What the floor's TV shows as alerts (active ones): overflow, the callback-mode recommendation, too many on break on
 * the floor, the ACD feed, a team's breaks out of control, the abandon rate. Not one agent, not a team's utilisation.
 */
export function floorAlerts(alerts: readonly Alert[]): Alert[] {
  return worstFirst(
    alerts.filter(
      (a) =>
        !a.clearedAt &&
        (a.rule === 'overflow' ||
          a.rule === 'callback_enter' ||
          a.rule === 'feed_stale' ||
          a.rule === 'abandon_rate' ||
          (a.rule === 'break_out_of_control' && a.subject.kind === 'team') ||
          (a.rule === 'too_many_on_break' && a.subject.kind === 'floor')),
    ),
  );
}

const RULE_WORD: Record<AlertRule, MessageKey> = {
  callback_enter: 'ruleCallbackEnter',
  callback_leave: 'ruleCallbackLeave',
  overflow: 'ruleOverflow',
  break_out_of_control: 'ruleBreakOutOfControl',
  too_many_on_break: 'ruleTooManyOnBreak',
  long_break: 'ruleLongBreak',
  utilisation_high: 'ruleUtilisationHigh',
  utilisation_low: 'ruleUtilisationLow',
  abandon_rate: 'ruleAbandonRate',
  aht_special_cause: 'ruleAhtSpecialCause',
  feed_stale: 'ruleFeedStale',
};

const MEASURE: Record<AlertRule, MessageKey> = {
  callback_enter: 'measureCallbackEnter',
  callback_leave: 'measureCallbackLeave',
  overflow: 'measureOverflow',
  break_out_of_control: 'measureBreakCv',
  too_many_on_break: 'measureBreakShare',
  long_break: 'measureLongBreak',
  utilisation_high: 'measureUtilisationHigh',
  utilisation_low: 'measureUtilisationLow',
  abandon_rate: 'measureAbandonRate',
  aht_special_cause: 'measureAhtRun',
  feed_stale: 'measureFeedStale',
};

const SEVERITY_WORD: Record<AlertSeverity, MessageKey> = { info: 'severityInfo', warning: 'statusWarning', critical: 'statusCritical' };

export const ruleWord = (i18n: I18n, rule: AlertRule): string => i18n.t(RULE_WORD[rule] ?? 'ruleUnknown');
export const severityWord = (i18n: I18n, s: AlertSeverity): string => i18n.t(SEVERITY_WORD[s]);

/** "Queue Support", "Team Delta", "Agent Wang Fang", "the floor", "the ACD feed". */
export function subjectText(i18n: I18n, a: Alert): string {
  if (a.rule === 'feed_stale') return i18n.t('subjectFeed');
  switch (a.subject.kind) {
    case 'queue':
      return i18n.t('subjectQueue', { name: a.subjectName });
    case 'team':
      return i18n.t('subjectTeam', { name: a.subjectName });
    case 'agent':
      return i18n.t('subjectAgent', { name: a.subjectName });
    default:
      return i18n.t('subjectFloor');
  }
}

/** The alert's figure and threshold as text, in the rule's unit. */
function figures(i18n: I18n, a: Alert): { v: string; t: string } {
  const v = a.value;
  const th = a.threshold;
  switch (a.rule) {
    case 'overflow':
      return { v: v === null ? i18n.t('unbounded') : i18n.duration(v), t: i18n.duration(th) };
    case 'abandon_rate':
      return { v: i18n.percent(v, 1), t: i18n.percent(th) };
    case 'too_many_on_break':
    case 'utilisation_high':
    case 'utilisation_low':
      return { v: i18n.percent(v), t: i18n.percent(th) };
    case 'break_out_of_control':
      return { v: i18n.decimal(v), t: i18n.decimal(th) };
    default:
      return { v: i18n.integer(v), t: i18n.integer(th) };
  }
}

/**
 * callback_enter carries the calls waiting against their limit, but a long wait or a low service level raises it too:
 * with fewer waiting than the limit, it was one of those.
 */
const byOtherCause = (a: Alert): boolean =>
  a.rule === 'callback_enter' && a.value !== null && a.threshold !== null && a.value < a.threshold;

/** The figure that raised the alert against its threshold, in the rule's unit ("CV 0.41 · limit 0.16"). */
export function measureText(i18n: I18n, a: Alert): string {
  const key = byOtherCause(a) ? 'measureCallbackEnterOther' : (MEASURE[a.rule] ?? 'measureGeneric');
  return i18n.t(key, figures(i18n, a));
}

const SHORT: Partial<Record<AlertRule, MessageKey>> = {
  callback_enter: 'shortWaiting',
  callback_leave: 'shortPending',
  overflow: 'shortExpectedWait',
  abandon_rate: 'shortAbandon',
  break_out_of_control: 'shortCv',
  too_many_on_break: 'shortOnBreak',
  feed_stale: 'shortFeed',
};

/** The figure alone, short, for the TV's alert row ("CV 0.76"); "" when it would say nothing useful. */
export function shortMeasure(i18n: I18n, a: Alert): string {
  const key = SHORT[a.rule];
  if (!key || byOtherCause(a) || (a.value === null && a.rule !== 'feed_stale' && a.rule !== 'overflow')) return '';
  return i18n.t(key, figures(i18n, a));
}

/** "45 s ago", "4 min 12 s ago", "1 h 05 min ago": the age of an alert, ticking every second. */
export function ageText(i18n: I18n, seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return i18n.t('ageSeconds', { s });
  if (s < 3600) return i18n.t('ageMinutes', { m: Math.floor(s / 60), s: String(s % 60).padStart(2, '0') });
  return i18n.t('ageHours', { h: Math.floor(s / 3600), m: String(Math.floor((s % 3600) / 60)).padStart(2, '0') });
}

/** Seconds since the alert was raised, on the service clock. */
export const ageSeconds = (a: Alert, now: number): number => secondsSince(a.raisedAt, now) ?? 0;

/** The action's error for people: our own codes in words, the server's reason as it is. */
export function actionErrorText(i18n: I18n, error: string): string {
  if (error === ACTION_OFFLINE) return i18n.t('actionOffline');
  if (error === ACTION_TIMEOUT) return i18n.t('actionTimeout');
  if (error === 'your role may not do this') return i18n.t('actionDenied');
  return error;
}

/** Callback mode switched on, and for what: the names and the callbacks pending. */
export interface CallbackSummary {
  modes: CallbackModeState[];
  names: string[];
  /** Callbacks pending in the queues in callback mode; when only teams are in it, in every queue. */
  pending: number;
  /** Queues where the server recommends starting to call back (callback_leave active). */
  callBackNow: string[];
}

export function callbackSummary(s: Snapshot): CallbackSummary | null {
  const modes = s.callbackModes.filter((m) => m.on);
  if (modes.length === 0) return null;
  const queueName = new Map(s.queues.map((q) => [q.queueId, q.name]));
  const teamName = new Map(s.teams.map((t) => [t.teamId, t.name]));
  const queueIds = new Set(modes.filter((m) => m.scope === 'queue').map((m) => m.id));
  const names = modes.map((m) => (m.scope === 'queue' ? (queueName.get(m.id) ?? m.id) : (teamName.get(m.id) ?? m.id)));
  const counted = queueIds.size > 0 ? s.queues.filter((q) => queueIds.has(q.queueId)) : s.queues;
  const pending = counted.reduce((sum, q) => sum + (q.callbacksPending || 0), 0);
  const callBackNow = s.alerts.filter((a) => a.rule === 'callback_leave' && !a.clearedAt).map((a) => a.subjectName);
  return { modes, names: [...new Set(names)], pending, callBackNow };
}

/** Whether callback mode is on for a queue or team. */
export const callbackOn = (s: Snapshot, scope: 'queue' | 'team', id: string): boolean =>
  s.callbackModes.some((m) => m.scope === scope && m.id === id && m.on);

/** The active callback recommendation for a queue (callback_enter or callback_leave), if any. */
export function callbackAdvice(s: Snapshot, queueId: string): Alert | null {
  return (
    s.alerts.find(
      (a) => (a.rule === 'callback_enter' || a.rule === 'callback_leave') && !a.clearedAt && a.subject.kind === 'queue' && a.subject.id === queueId,
    ) ?? null
  );
}

/** The broadcast, unless its time is up (the server drops it too, at its next snapshot). */
export function liveBroadcast(s: Snapshot | null, now: number): Snapshot['broadcast'] {
  const b = s?.broadcast ?? null;
  if (!b) return null;
  const until = Date.parse(b.expiresAt);
  return Number.isFinite(until) && until <= now ? null : b;
}
