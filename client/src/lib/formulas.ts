// What each figure on the supervisor and lead screens means: name, formula and window, in English and Simplified
// Chinese, from docs/metrics.md. Shown on hover and keyboard focus (lib/tooltip.ts) and read by screen readers
// (aria-describedby). Both dictionaries are typed Record<MetricKey, …>, so a missing text is a type error.
// Limits are not written into the texts: {target}, {band}, {limit}, {share} and {minMinutes} come from the server's
// thresholds, so the explanation always matches the numbers on screen.
import type { Thresholds, WindowName } from '../../../shared/snapshot.js';
import { decimal, percent } from './format.js';
import type { Lang } from './i18n.js';

export const METRIC_KEYS = [
  'waiting',
  'longestWait',
  'serviceLevel',
  'abandonRate',
  'answerRate',
  'entered',
  'offered',
  'answered',
  'asa',
  'aht',
  'maxWait',
  'agentsNow',
  'loggedIn',
  'onBreak',
  'breakShare',
  'breakRate',
  'meanBreakRate',
  'cv',
  'utilisation',
  'occupancy',
  'agentBreakRate',
  'agentUtilisation',
  'callsAnswered',
  'timeInState',
  'agentState',
  'callbacksPending',
  'readyAgents',
] as const;
export type MetricKey = (typeof METRIC_KEYS)[number];

/** The span a figure covers: now, or one of the snapshot's windows. */
export type FormulaWindow = WindowName | 'now';

interface Formula {
  name: string;
  formula: string;
}

type FormulaDict = Record<MetricKey, Formula>;

const en: FormulaDict = {
  waiting: { name: 'Calls waiting', formula: 'calls in the queue now.' },
  longestWait: {
    name: 'Longest wait',
    formula: 'time in queue of the call that has waited longest right now; ticks every second.',
  },
  serviceLevel: {
    name: 'Service level',
    formula:
      'answered within T ÷ (answered + abandoned after T); T is set per queue (default 20 s), "within" includes T. ' +
      'Abandons before T are left out. No calls: –, never 100%.',
  },
  abandonRate: {
    name: 'Abandon rate',
    formula:
      'abandoned ÷ (answered + abandoned). Short abandons (caller gone within the queue’s short-abandon time, ' +
      'default 5 s) are left out of both. A callback request is not an abandon.',
  },
  answerRate: { name: 'Answer rate (接通率)', formula: 'answered ÷ offered.' },
  entered: { name: 'Inbound volume (呼入量)', formula: 'calls that entered the queue in the window.' },
  offered: {
    name: 'Offered',
    formula: 'calls that left the queue in the window = answered + abandoned (short ones included) + callback requested + overflowed out.',
  },
  answered: { name: 'Answered', formula: 'calls answered by an agent in the window (counted when they left the queue).' },
  asa: { name: 'Average speed of answer (ASA)', formula: 'mean wait of the calls answered in the window.' },
  aht: {
    name: 'Average handle time (AHT)',
    formula: '(talk + hold from answer to call end + the agent’s following wrap-up) ÷ calls ended in the window.',
  },
  maxWait: {
    name: 'Max wait',
    formula: 'the longest wait of a call that left the queue in the window (the longest wait now is about calls still waiting).',
  },
  agentsNow: {
    name: 'Agents',
    formula:
      'agents logged in now, by state: ready = idle; on call = talking + hold + ringing + outbound; wrap = after-call work; ' +
      'break = a not-ready reason of the break category.',
  },
  loggedIn: { name: 'Logged in', formula: 'agents logged in now.' },
  onBreak: {
    name: 'On break',
    formula: 'agents now in a not-ready state of the break category. Meal, training, meeting and other are not breaks.',
  },
  breakShare: {
    name: 'Break share',
    formula: 'on break now ÷ logged in now. At peak, {share} or more means the floor is out of control.',
  },
  breakRate: {
    name: 'Break rate (小休率)',
    formula: 'break-category not-ready time ÷ logged-in time, pooled over the team. Target {target}.',
  },
  meanBreakRate: {
    name: 'Agent mean break rate',
    formula: 'mean of the agents’ own break rates; agents logged in under {minMinutes} min in the window are left out.',
  },
  cv: {
    name: 'Break dispersion, coefficient of variation (离散系数)',
    formula:
      'population standard deviation ÷ mean of the agents’ own break rates (agents logged in under {minMinutes} min ' +
      'in the window left out). In control when CV < {limit}. No agent counted or mean 0: –.',
  },
  utilisation: {
    name: 'Talk utilisation (通话利用率)',
    formula: 'talk time ÷ logged-in time ("time at work" is measured as logged-in time; hold is not talk). Healthy band {band}.',
  },
  occupancy: { name: 'Occupancy', formula: '(talk + hold + wrap + ringing + outbound) ÷ (that + idle).' },
  agentBreakRate: {
    name: 'Own break rate',
    formula: 'the agent’s break-category not-ready time ÷ the agent’s logged-in time. Target {target}.',
  },
  agentUtilisation: {
    name: 'Own talk utilisation',
    formula: 'the agent’s talk time ÷ the agent’s logged-in time. Healthy band {band}.',
  },
  callsAnswered: { name: 'Calls answered', formula: 'calls the agent answered in the window.' },
  timeInState: { name: 'Time in state', formula: 'since the agent entered the current state; ticks every second.' },
  callbacksPending: {
    name: 'Callbacks pending',
    formula: 'callbacks requested today minus callbacks made (call.callback_completed).',
  },
  readyAgents: {
    name: 'Ready agents',
    formula: 'idle agents whose login named this queue (every idle agent when no login names queues).',
  },
  agentState: {
    name: 'State',
    formula: 'the agent’s state as the ACD reports it; for not-ready, the reason code and its category (break, meal, training, meeting, other).',
  },
};

const zhCN: FormulaDict = {
  waiting: { name: '排队等待', formula: '当前在队列中等待的来电数。' },
  longestWait: { name: '最长等待', formula: '当前等待最久的来电已排队的时长，每秒更新。' },
  serviceLevel: {
    name: '服务水平',
    formula: 'T 秒内接听 ÷（接听 + 超过 T 秒后放弃）；T 按队列设置（默认 20 秒），“T 秒内”含 T。T 秒内放弃不计入。无来电时为 –，不算 100%。',
  },
  abandonRate: {
    name: '放弃率',
    formula: '放弃 ÷（接听 + 放弃）。短时放弃（在队列的短时放弃时限内挂机，默认 5 秒）两边均不计入。预约回呼不算放弃。',
  },
  answerRate: { name: '接通率', formula: '接听 ÷ 出队量。' },
  entered: { name: '呼入量', formula: '时间窗内进入队列的来电数。' },
  offered: { name: '出队量', formula: '时间窗内离开队列的来电 = 接听 + 放弃（含短时放弃）+ 预约回呼 + 溢出转出。' },
  answered: { name: '接听', formula: '时间窗内由坐席接听的来电（按离开队列的时刻计）。' },
  asa: { name: '平均应答时长（ASA）', formula: '时间窗内已接听来电的平均等待时长。' },
  aht: { name: '平均处理时长（AHT）', formula: '（通话 + 保持（自接听至挂机）+ 随后的话后处理）÷ 时间窗内结束的来电数。' },
  maxWait: { name: '最长排队', formula: '时间窗内离开队列的来电中最长的等待时长（“最长等待”指仍在排队的来电）。' },
  agentsNow: {
    name: '坐席',
    formula: '当前在线坐席按状态统计：空闲 = 就绪；通话中 = 通话 + 保持 + 振铃 + 外呼；话后 = 话后处理；小休 = 小休类示忙原因。',
  },
  loggedIn: { name: '在线', formula: '当前登录的坐席数。' },
  onBreak: { name: '小休中', formula: '当前处于小休类示忙状态的坐席。用餐、培训、会议和其他不算小休。' },
  breakShare: { name: '小休占比', formula: '当前小休人数 ÷ 当前在线人数。高峰时达到 {share} 及以上即现场失控。' },
  breakRate: { name: '小休率', formula: '小休类示忙时长 ÷ 登录时长，按团队合计。目标 {target}。' },
  meanBreakRate: { name: '坐席小休率均值', formula: '各坐席本人小休率的平均值；时间窗内登录不足 {minMinutes} 分钟的坐席不计入。' },
  cv: {
    name: '小休率离散系数',
    formula: '各坐席本人小休率的总体标准差 ÷ 均值（时间窗内登录不足 {minMinutes} 分钟的坐席不计入）。离散系数 < {limit} 为受控。无坐席计入或均值为 0 时为 –。',
  },
  utilisation: {
    name: '通话利用率',
    formula: '通话时长 ÷ 登录时长（“在岗时间”按登录时长计；保持不算通话）。健康区间 {band}。',
  },
  occupancy: { name: '占用率', formula: '（通话 + 保持 + 话后 + 振铃 + 外呼）÷（前述之和 + 空闲）。' },
  agentBreakRate: { name: '本人小休率', formula: '该坐席的小休类示忙时长 ÷ 该坐席的登录时长。目标 {target}。' },
  agentUtilisation: { name: '本人通话利用率', formula: '该坐席的通话时长 ÷ 该坐席的登录时长。健康区间 {band}。' },
  callsAnswered: { name: '接听量', formula: '该坐席在时间窗内接听的来电数。' },
  timeInState: { name: '状态时长', formula: '自坐席进入当前状态起的时长，每秒更新。' },
  callbacksPending: { name: '待回拨', formula: '今日预约回呼数减去已完成的回拨数（call.callback_completed）。' },
  readyAgents: { name: '空闲坐席', formula: '登录时指定了本队列的空闲坐席（若登录均未指定队列，则为全部空闲坐席）。' },
  agentState: { name: '状态', formula: '话务系统上报的坐席状态；示忙时显示原因代码及其类别（小休、用餐、培训、会议、其他）。' },
};

const windowText: Record<Lang, Record<FormulaWindow, string>> = {
  en: {
    now: 'Now.',
    '15m': 'Window: rolling 15 min (the last 15 whole minutes plus the current one).',
    '30m': 'Window: rolling 30 min (the last 30 whole minutes plus the current one).',
    '60m': 'Window: rolling 60 min (the last 60 whole minutes plus the current one).',
    today: 'Window: today, since the site’s reset time ({tz}).',
  },
  'zh-CN': {
    now: '当前值。',
    '15m': '时间窗：滚动 15 分钟（最近 15 个整分钟加当前分钟）。',
    '30m': '时间窗：滚动 30 分钟（最近 30 个整分钟加当前分钟）。',
    '60m': '时间窗：滚动 60 分钟（最近 60 个整分钟加当前分钟）。',
    today: '时间窗：今日，自站点重置时间起（{tz}）。',
  },
};

export const FORMULAS: Record<Lang, FormulaDict> = { en, 'zh-CN': zhCN };

/** Metric keys missing (or empty) in a language; [] when complete. */
export function missingFormulas(lang: Lang): MetricKey[] {
  return METRIC_KEYS.filter((k) => !FORMULAS[lang][k]?.name || !FORMULAS[lang][k]?.formula);
}

export interface ExplainContext {
  thresholds?: Thresholds | null | undefined;
  timeZone?: string | undefined;
}

/**
 * "Name: formula\nWindow: …" for a figure, in the language, with the server's limits filled in. Used as the tooltip
 * text and as the screen-reader description.
 */
export function explain(lang: Lang, metric: MetricKey, window: FormulaWindow, ctx: ExplainContext = {}): string {
  const fill = filler(lang, ctx);
  return `${formulaLine(lang, metric, fill)}\n${fill(windowText[lang][window])}`;
}

/** The span of one point of an interval series (the trend charts), instead of a rolling window. */
const intervalText: Record<Lang, string> = {
  en: 'Each point: one {n}-min interval on the site clock ({tz}), over the last {h} h; the interval still running is drawn dashed and hollow.',
  'zh-CN': '每个点：站点时钟（{tz}）上的一个 {n} 分钟区间，共最近 {h} 小时；仍在进行的区间以虚线和空心点表示。',
};

/** "Name: formula\nEach point: one 60-min interval …" for a figure charted per interval (GET /api/series). */
export function explainInterval(lang: Lang, metric: MetricKey, intervalMinutes: number, hours: number, ctx: ExplainContext = {}): string {
  const fill = filler(lang, ctx, { n: String(intervalMinutes), h: String(hours) });
  return `${formulaLine(lang, metric, fill)}\n${fill(intervalText[lang])}`;
}

function formulaLine(lang: Lang, metric: MetricKey, fill: (s: string) => string): string {
  const f = FORMULAS[lang][metric];
  const sep = lang === 'en' ? ': ' : '：';
  return `${f.name}${sep}${fill(f.formula)}`;
}

/** Fills {target}, {band}, {limit}, {share}, {minMinutes} and {tz} (and any extra) from the server's thresholds. */
function filler(lang: Lang, ctx: ExplainContext, extra: Record<string, string> = {}): (s: string) => string {
  const th = ctx.thresholds;
  const pct = (v: number | undefined) => percent(v, lang);
  const params: Record<string, string> = {
    target: th ? `${pct(th.breakRateTarget[0])}–${pct(th.breakRateTarget[1])}` : '8%–9%',
    band: th ? `${pct(th.utilisationBand[0])}–${pct(th.utilisationBand[1])}` : '69%–74%',
    limit: th ? decimal(th.breakCvLimit, lang) : '0.16',
    share: th ? shareFraction(th.breakShareLimit, lang) : '1/6',
    minMinutes: th ? String(Math.round(th.minLoggedInSecondsForCv / 60)) : '10',
    tz: ctx.timeZone ?? '',
    ...extra,
  };
  return (s: string) => s.replace(/\{(\w+)\}/g, (m, k: string) => params[k] ?? m);
}

/** 0.1667 -> "1/6 (17%)"; a limit that is no simple fraction -> "17%". */
export function shareFraction(limit: number, lang: Lang = 'en'): string {
  for (let d = 2; d <= 12; d++) {
    const n = Math.round(limit * d);
    if (n > 0 && Math.abs(n / d - limit) < 1e-6) return `${n}/${d} (${percent(limit, lang)})`;
  }
  return percent(limit, lang);
}
