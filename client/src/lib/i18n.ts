// Screen labels in English and Simplified Chinese, chosen by URL (?lang=zh-CN; default en).
// The English dictionary defines the keys; every other dictionary is typed Messages, so a missing key is a
// type error, and missingKeys() checks the same at run time (for tests).
import { clockTime, decimal, duration, integer, percent } from './format.js';

const en = {
  appName: 'Floorwatch',
  connecting: 'Connecting…',
  live: 'LIVE',
  stale: 'STALE',
  replay: 'REPLAY',
  staleBanner: 'STALE - last update {time} ({ago})',
  staleNever: 'STALE - no update received yet',
  staleReasonConnection: 'connection lost, reconnecting',
  staleReasonFeed: 'ACD feed silent',
  staleReasonServer: 'server not answering',
  agoSeconds: '{n} s ago',
  agoMinutes: '{n} min ago',
  agoHours: '{n} h ago',
  callbackMode: 'Callback mode',

  callsWaiting: 'Calls waiting',
  longestWait: 'Longest wait',
  serviceLevel: 'Service level',
  abandoned: 'Abandoned',
  agents: 'Agents',
  ready: 'ready',
  onCall: 'on call',
  wrap: 'wrap',
  onBreak: 'break',
  loggedIn: '{n} logged in',
  otherNotReady: '{n} other not ready',
  queuesCount: '{n} queues',
  noCallsWaiting: 'no calls waiting',
  slCaption: 'SL {s} s · {w}',
  window30m: '30 min',
  window60m: '60 min',

  queues: 'Queues',
  colQueue: 'Queue',
  colWaiting: 'Waiting',
  colLongest: 'Longest',
  colSl: 'SL 30m',
  colAbandon: 'Aband. 30m',
  noQueues: 'No queues',

  onBreakNow: 'On break now',
  minutes: '{n} min',
  nobodyOnBreak: 'Nobody on break',
  overLimit: 'OVER LIMIT',
  limit: 'limit {p}',

  breakControl: 'Break control',
  breakControlSub: 'break rate per agent · {w}',
  target: 'target {a}–{b}',
  teamMean: 'mean',
  cvHeader: 'CV · limit {n}',
  inControl: 'in control',
  outOfControl: 'OUT OF CONTROL',
  agentsCounted: '{n} agents',
  noTeams: 'No teams logged in',

  statusNormal: 'normal',
  statusWarning: 'warning',
  statusCritical: 'critical',
} as const satisfies Record<string, string>;

export type MessageKey = keyof typeof en;
export type Messages = Record<MessageKey, string>;

const zhCN: Messages = {
  appName: 'Floorwatch',
  connecting: '正在连接…',
  live: '实时',
  stale: '数据过期',
  replay: '回放',
  staleBanner: '数据过期 - 最后更新 {time}（{ago}）',
  staleNever: '数据过期 - 尚未收到数据',
  staleReasonConnection: '连接中断，正在重连',
  staleReasonFeed: '话务数据中断',
  staleReasonServer: '服务器无响应',
  agoSeconds: '{n} 秒前',
  agoMinutes: '{n} 分钟前',
  agoHours: '{n} 小时前',
  callbackMode: '回呼模式',

  callsWaiting: '排队等待',
  longestWait: '最长等待',
  serviceLevel: '服务水平',
  abandoned: '放弃率',
  agents: '坐席',
  ready: '空闲',
  onCall: '通话中',
  wrap: '话后',
  onBreak: '小休',
  loggedIn: '在线 {n} 人',
  otherNotReady: '其他示忙 {n} 人',
  queuesCount: '{n} 个队列',
  noCallsWaiting: '无排队来电',
  slCaption: '{s} 秒 · {w}',
  window30m: '30 分钟',
  window60m: '60 分钟',

  queues: '队列',
  colQueue: '队列',
  colWaiting: '排队',
  colLongest: '最长等待',
  colSl: '服务水平',
  colAbandon: '放弃率',
  noQueues: '暂无队列',

  onBreakNow: '小休中',
  minutes: '{n} 分钟',
  nobodyOnBreak: '当前无人小休',
  overLimit: '超过上限',
  limit: '上限 {p}',

  breakControl: '小休控制',
  breakControlSub: '每位坐席小休率 · {w}',
  target: '目标 {a}–{b}',
  teamMean: '均值',
  cvHeader: '小休率离散系数 · 上限 {n}',
  inControl: '受控',
  outOfControl: '失控',
  agentsCounted: '{n} 名坐席',
  noTeams: '暂无在线团队',

  statusNormal: '正常',
  statusWarning: '警告',
  statusCritical: '严重',
};

export const LANGS = ['en', 'zh-CN'] as const;
export type Lang = (typeof LANGS)[number];

export const DICTIONARIES: Record<Lang, Messages> = { en, 'zh-CN': zhCN };

/** Keys defined in English but missing (or empty) in another language; [] when complete. */
export function missingKeys(lang: Lang = 'zh-CN'): MessageKey[] {
  const dict: Partial<Record<string, unknown>> = DICTIONARIES[lang];
  return (Object.keys(en) as MessageKey[]).filter((k) => typeof dict[k] !== 'string' || dict[k] === '');
}

/** The language from a query string ("?lang=zh-CN", also "zh", "zh-cn", "zh_CN"); default en. */
export function langFromSearch(search: string): Lang {
  const raw = new URLSearchParams(search).get('lang')?.trim().toLowerCase().replace('_', '-') ?? '';
  if (raw === 'zh' || raw.startsWith('zh-cn') || raw === 'zh-hans' || raw === 'zh-hans-cn') return 'zh-CN';
  return 'en';
}

export type Params = Record<string, string | number>;

export interface I18n {
  lang: Lang;
  /** BCP 47 locale for Intl. */
  locale: string;
  t: (key: MessageKey, params?: Params) => string;
  percent: (rate: number | null | undefined, digits?: number) => string;
  integer: (n: number | null | undefined) => string;
  decimal: (n: number | null | undefined, digits?: number) => string;
  duration: (seconds: number | null | undefined) => string;
  clock: (time: string | number | null | undefined, timeZone: string | undefined, withSeconds?: boolean) => string;
  /** "2 min ago" / "2 分钟前" for a span in seconds. */
  ago: (seconds: number) => string;
}

export function createI18n(lang: Lang): I18n {
  const dict = DICTIONARIES[lang];
  const locale = lang;
  const t = (key: MessageKey, params?: Params): string => {
    const text = dict[key] || en[key];
    if (!params) return text;
    return text.replace(/\{(\w+)\}/g, (m, name: string) => {
      const v = params[name];
      return v === undefined ? m : String(v);
    });
  };
  return {
    lang,
    locale,
    t,
    percent: (rate, digits = 0) => percent(rate, locale, digits),
    integer: (n) => integer(n, locale),
    decimal: (n, digits = 2) => decimal(n, locale, digits),
    duration,
    clock: (time, timeZone, withSeconds = true) => clockTime(time, timeZone, locale, withSeconds),
    ago: (seconds) => {
      const s = Math.max(0, Math.floor(seconds));
      if (s < 60) return t('agoSeconds', { n: integer(s, locale) });
      if (s < 3600) return t('agoMinutes', { n: integer(Math.floor(s / 60), locale) });
      return t('agoHours', { n: integer(Math.floor(s / 3600), locale) });
    },
  };
}
