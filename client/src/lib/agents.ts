// Agent states and not-ready categories as the screens name, order and colour them.
import type { AgentSnapshot } from '../../../shared/snapshot.js';
// Types only: shared/events.ts builds zod schemas at load time, which the browser bundle does not need.
import type { NotReadyCategory } from '../../../shared/events.js';
import type { I18n, MessageKey } from './i18n.js';

export type ShownState = AgentSnapshot['state'];

const STATE_WORD: Record<ShownState, MessageKey> = {
  idle: 'stateIdle',
  ringing: 'stateRinging',
  talking: 'stateTalking',
  hold: 'stateHold',
  wrap: 'stateWrap',
  outbound: 'stateOutbound',
  not_ready: 'stateNotReady',
  logged_out: 'stateLoggedOut',
};

const CATEGORY_WORD: Record<NotReadyCategory, MessageKey> = {
  break: 'catBreak',
  meal: 'catMeal',
  training: 'catTraining',
  meeting: 'catMeeting',
  other: 'catOther',
};

/** Every state and category, in display order (the Records above are exhaustive, so a new one is a type error). */
export const SHOWN_STATES = Object.keys(STATE_WORD) as ShownState[];
export const CATEGORIES = Object.keys(CATEGORY_WORD) as NotReadyCategory[];

export const stateWord = (i18n: I18n, state: ShownState): string => i18n.t(STATE_WORD[state]);
export const categoryWord = (i18n: I18n, c: NotReadyCategory): string => i18n.t(CATEGORY_WORD[c]);

/** The colour family of a state: ready, on a call, wrap, on break, other not-ready, logged out. */
export type StateTone = 'ready' | 'call' | 'wrap' | 'break' | 'away' | 'out';

export function stateTone(a: Pick<AgentSnapshot, 'state' | 'reasonCategory'>): StateTone {
  switch (a.state) {
    case 'idle':
      return 'ready';
    case 'wrap':
      return 'wrap';
    case 'not_ready':
      return a.reasonCategory === 'break' ? 'break' : 'away';
    case 'logged_out':
      return 'out';
    default:
      return 'call';
  }
}

const TONE_ORDER: Record<StateTone, number> = { break: 0, away: 1, call: 2, wrap: 3, ready: 4, out: 5 };
const STATE_ORDER: Record<ShownState, number> = {
  not_ready: 0,
  hold: 1,
  talking: 2,
  ringing: 3,
  outbound: 4,
  wrap: 5,
  idle: 6,
  logged_out: 7,
};

/** Sort rank for the state column: on break first (what a lead acts on), then other not-ready, calls, wrap, ready. */
export function stateRank(a: Pick<AgentSnapshot, 'state' | 'reasonCategory'>): number {
  return TONE_ORDER[stateTone(a)] * 10 + STATE_ORDER[a.state];
}

/** "Break · coffee", "Training", or "" when the agent is not in a not-ready state. */
export function reasonText(i18n: I18n, a: Pick<AgentSnapshot, 'reason' | 'reasonCategory'>): string {
  const cat = a.reasonCategory ? categoryWord(i18n, a.reasonCategory) : '';
  const reason = a.reason?.trim() ?? '';
  if (cat && reason && reason.toLowerCase() !== cat.toLowerCase() && reason.toLowerCase() !== a.reasonCategory) return `${cat} · ${reason}`;
  return cat || reason;
}
