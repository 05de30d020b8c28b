// Screen labels in English and Simplified Chinese, chosen by URL (?lang=zh-CN; default en).
// The English dictionary defines the keys; every other dictionary is typed Messages, so a missing key is a
// type error, and missingKeys() checks the same at run time (for tests).
import { clockTime, dateTime, decimal, duration, integer, percent } from './format.js';
import type { Level } from './status.js';

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

  // ---- laptop/phone screens: common
  loading: 'Loading…',
  signOut: 'Sign out',
  demo: 'DEMO',
  demoHint: 'Simulated calls from the built-in ACD simulator',
  languageSwitch: '中文',
  languageSwitchLabel: 'Switch to Chinese',
  roleSupervisor: 'Supervisor',
  roleLead: 'Team lead',
  roleDisplay: 'Display',
  roleAdmin: 'Admin',
  roleIngest: 'Ingest',
  forbiddenTitle: 'Not allowed',
  forbiddenText: 'This sign-in may not see live figures on this screen.',
  signInAsOther: 'Sign in as someone else',
  tableKeysHint: 'Sortable table: activate a column header to sort. Arrow keys move between cells; each figure explains its formula.',
  windowLabel: 'Window',
  window15m: '15 min',
  windowTodayLong: 'Today',

  // ---- sign-in
  loginTitle: 'Sign in',
  loginSubtitle: 'Live floor figures for supervisors and team leads',
  username: 'User name',
  password: 'Password',
  showPassword: 'Show password',
  signIn: 'Sign in',
  signingIn: 'Signing in…',
  loginWrong: 'Wrong user name or password.',
  loginRateLimited: 'Too many sign-in attempts. Try again in {wait}.',
  loginMissing: 'Enter your user name and password.',
  loginNetwork: 'Cannot reach the server. Check the connection and try again.',
  loginServer: 'The server could not sign you in ({status}). Try again in a moment.',
  alreadySignedIn: 'You are signed in as {name}.',
  continue: 'Continue',
  waitSeconds: '{n}\u00a0s',
  waitMinutes: '{n}\u00a0min',
  loginHelp: 'No account? Ask your supervisor. Wallboard TVs sign in with their kiosk link.',

  // ---- team lead
  leadTitle: 'Team lead',
  teamsScope: 'Teams: {names}',
  allTeamsShown: 'all teams',
  breakRate: 'Break rate',
  breakRateTodayShort: 'today {p}',
  onTarget: 'on target',
  belowTarget: 'below target',
  aboveTarget: 'above target',
  farAboveTarget: 'far above target',
  cvTitle: 'Break dispersion (CV)',
  meanSd: 'mean {m} · σ {s}',
  cvNoData: 'not enough agents yet',
  excludedAgents: '{n} left out (under {m} min logged in)',
  limitShare: 'limit {f} ({p})',
  withinLimit: 'within limit',
  utilisationTitle: 'Talk utilisation',
  belowBand: 'below band: spare capacity',
  withinBand: 'in band',
  aboveBand: 'above band: add staff',
  timeAtWork: 'time at work = logged-in time',
  noAgents: 'No agents to show',
  noTeamData: 'No figures for this team yet.',
  noLeadTeams: 'No teams are assigned to this sign-in. Ask a supervisor to add your teams.',
  teamAgents: '{team}: agents',
  onBreakCount: '{n} on break',

  // ---- agents table
  colAgent: 'Agent',
  colTeam: 'Team',
  colState: 'State',
  colReason: 'Reason',
  colTimeInState: 'In state',
  colBreakRate: 'Break rate',
  colUtilisation: 'Talk util.',
  colCalls: 'Answered',
  stateIdle: 'Ready',
  stateRinging: 'Ringing',
  stateTalking: 'Talking',
  stateHold: 'On hold',
  stateWrap: 'Wrap-up',
  stateOutbound: 'Outbound',
  stateNotReady: 'Not ready',
  stateLoggedOut: 'Logged out',
  catBreak: 'Break',
  catMeal: 'Meal',
  catTraining: 'Training',
  catMeeting: 'Meeting',
  catOther: 'Other',
  agentsShown: '{n} of {total} agents',
  noMatchingAgents: 'No agents match the filters.',

  // ---- supervisor
  supervisorTitle: 'Supervisor',
  tabTeams: 'Teams',
  tabDutyLog: 'Duty log',
  colServiceLevel: 'Service level',
  colAbandonRate: 'Abandon rate',
  colAnswerRate: 'Answer rate',
  colEntered: 'Inbound',
  colOffered: 'Offered',
  colAnswered: 'Answered',
  colAsa: 'ASA',
  colAht: 'AHT',
  colMaxWait: 'Max wait',
  allQueues: 'All queues',
  colLoggedIn: 'Logged in',
  colOnBreak: 'On break',
  colBreakShare: 'Break share',
  colBreakToday: 'Break today',
  colCv: 'CV',
  colMeanRate: 'Agent mean',
  colOccupancy: 'Occupancy',
  filterTeam: 'Team',
  allTeams: 'All teams',
  filterState: 'State',
  allStates: 'All states',
  filterCategory: 'Reason category',
  allCategories: 'All categories',
  noCategory: 'No reason',
  filterName: 'Search name',
  filterNamePlaceholder: 'Name or ID',
  clearFilters: 'Clear',
  colTime: 'Time',
  colKind: 'Event',
  colActor: 'By',
  colDetail: 'Detail',
  refresh: 'Refresh',
  refreshing: 'Refreshing…',
  dutyLogUpdated: 'Updated {time} · times in {tz}',
  dutyLogEmpty: 'No entries yet.',
  dutyLogError: 'Could not load the duty log ({status}).',
  dutyLogCount: '{n} newest entries',
  kindSignin: 'Signed in',
  kindSigninFailed: 'Sign-in failed',
  kindSigninBlocked: 'Sign-in blocked',
  kindSignout: 'Signed out',
  kindDenied: 'Access denied',
  kindDisplaySignin: 'Display signed in',
  kindDisplayRejected: 'Display token rejected',
  kindFirstRun: 'First-run sign-in',
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

  loading: '加载中…',
  signOut: '退出登录',
  demo: '演示',
  demoHint: '内置话务模拟器产生的模拟来电',
  languageSwitch: 'English',
  languageSwitchLabel: '切换到英文',
  roleSupervisor: '值班主管',
  roleLead: '组长',
  roleDisplay: '显示屏',
  roleAdmin: '管理员',
  roleIngest: '数据接入',
  forbiddenTitle: '无权访问',
  forbiddenText: '此账号无权在本页面查看实时数据。',
  signInAsOther: '切换账号登录',
  tableKeysHint: '可排序表格：点击列标题排序。方向键可在单元格间移动；每个数值都会说明其公式。',
  windowLabel: '时间窗',
  window15m: '15 分钟',
  windowTodayLong: '今日',

  loginTitle: '登录',
  loginSubtitle: '值班主管与组长的实时现场数据',
  username: '用户名',
  password: '密码',
  showPassword: '显示密码',
  signIn: '登录',
  signingIn: '正在登录…',
  loginWrong: '用户名或密码错误。',
  loginRateLimited: '登录尝试次数过多，请在 {wait} 后重试。',
  loginMissing: '请输入用户名和密码。',
  loginNetwork: '无法连接服务器，请检查网络后重试。',
  loginServer: '服务器暂时无法登录（{status}），请稍后重试。',
  alreadySignedIn: '您已登录为 {name}。',
  continue: '继续',
  waitSeconds: '{n} 秒',
  waitMinutes: '{n} 分钟',
  loginHelp: '没有账号？请联系值班主管。墙面大屏请使用专用链接登录。',

  leadTitle: '组长视图',
  teamsScope: '团队：{names}',
  allTeamsShown: '全部团队',
  breakRate: '小休率',
  breakRateTodayShort: '今日 {p}',
  onTarget: '达标',
  belowTarget: '低于目标',
  aboveTarget: '高于目标',
  farAboveTarget: '远高于目标',
  cvTitle: '小休率离散系数',
  meanSd: '均值 {m} · 标准差 {s}',
  cvNoData: '计入的坐席不足',
  excludedAgents: '{n} 人登录不足 {m} 分钟未计入',
  limitShare: '上限 {f}（{p}）',
  withinLimit: '未超限',
  utilisationTitle: '通话利用率',
  belowBand: '低于区间：有空闲产能',
  withinBand: '区间内',
  aboveBand: '高于区间：需增加人手',
  timeAtWork: '在岗时间按登录时长计',
  noAgents: '暂无坐席',
  noTeamData: '该团队暂无数据。',
  noLeadTeams: '此账号未分配团队，请联系值班主管添加。',
  teamAgents: '{team}：坐席',
  onBreakCount: '小休 {n} 人',

  colAgent: '坐席',
  colTeam: '团队',
  colState: '状态',
  colReason: '原因',
  colTimeInState: '状态时长',
  colBreakRate: '小休率',
  colUtilisation: '通话利用率',
  colCalls: '接听量',
  stateIdle: '空闲',
  stateRinging: '振铃',
  stateTalking: '通话中',
  stateHold: '保持',
  stateWrap: '话后处理',
  stateOutbound: '外呼',
  stateNotReady: '示忙',
  stateLoggedOut: '已登出',
  catBreak: '小休',
  catMeal: '用餐',
  catTraining: '培训',
  catMeeting: '会议',
  catOther: '其他',
  agentsShown: '共 {total} 名坐席，显示 {n} 名',
  noMatchingAgents: '没有符合筛选条件的坐席。',

  supervisorTitle: '值班主管',
  tabTeams: '团队',
  tabDutyLog: '值班日志',
  colServiceLevel: '服务水平',
  colAbandonRate: '放弃率',
  colAnswerRate: '接通率',
  colEntered: '呼入量',
  colOffered: '出队量',
  colAnswered: '接听',
  colAsa: '平均应答',
  colAht: '平均处理',
  colMaxWait: '最长排队',
  allQueues: '全部队列',
  colLoggedIn: '在线',
  colOnBreak: '小休中',
  colBreakShare: '小休占比',
  colBreakToday: '今日小休率',
  colCv: '离散系数',
  colMeanRate: '坐席均值',
  colOccupancy: '占用率',
  filterTeam: '团队',
  allTeams: '全部团队',
  filterState: '状态',
  allStates: '全部状态',
  filterCategory: '原因类别',
  allCategories: '全部类别',
  noCategory: '无原因',
  filterName: '搜索姓名',
  filterNamePlaceholder: '姓名或工号',
  clearFilters: '清除',
  colTime: '时间',
  colKind: '事件',
  colActor: '操作人',
  colDetail: '详情',
  refresh: '刷新',
  refreshing: '正在刷新…',
  dutyLogUpdated: '更新于 {time} · 时区 {tz}',
  dutyLogEmpty: '暂无记录。',
  dutyLogError: '无法加载值班日志（{status}）。',
  dutyLogCount: '最新 {n} 条',
  kindSignin: '登录',
  kindSigninFailed: '登录失败',
  kindSigninBlocked: '登录被限制',
  kindSignout: '退出登录',
  kindDenied: '拒绝访问',
  kindDisplaySignin: '显示屏登录',
  kindDisplayRejected: '显示屏令牌被拒',
  kindFirstRun: '首次运行登录',
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

const LEVEL_WORDS: Record<Level, MessageKey> = { normal: 'statusNormal', warning: 'statusWarning', critical: 'statusCritical' };

/** The same path and query with another language (?lang=zh-CN; English drops the parameter). */
export function withLang(href: string, lang: Lang): string {
  const url = new URL(href, 'http://x');
  if (lang === 'en') url.searchParams.delete('lang');
  else url.searchParams.set('lang', lang);
  return url.pathname + url.search + url.hash;
}

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
  /** "23 Nov, 09:38:52" in the given time zone. */
  dateTime: (time: string | number | null | undefined, timeZone: string | undefined) => string;
  /** The word for a status level ("warning" / "警告"); "" for none. */
  level: (level: Level | null | undefined) => string;
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
    dateTime: (time, timeZone) => dateTime(time, timeZone, locale),
    level: (level) => (level ? t(LEVEL_WORDS[level]) : ''),
    ago: (seconds) => {
      const s = Math.max(0, Math.floor(seconds));
      if (s < 60) return t('agoSeconds', { n: integer(s, locale) });
      if (s < 3600) return t('agoMinutes', { n: integer(Math.floor(s / 60), locale) });
      return t('agoHours', { n: integer(Math.floor(s / 3600), locale) });
    },
  };
}
