// The snapshot: what GET /api/snapshot returns and what socket.io pushes. Documented field by field in docs/api.md.
// Rates are fractions 0..1, or null when there is nothing to divide (never 0% or 100% by default).
import type { AgentState, NotReadyCategory } from './events.js';
import type { RunFlag } from './series.js';

export const WINDOW_NAMES = ['15m', '30m', '60m', 'today'] as const;
export type WindowName = (typeof WINDOW_NAMES)[number];
export type PerWindow<T> = Record<WindowName, T>;

/** The window the TV wallboard's break-dispersion chart shows. The board's snapshot carries each agent's break rate
 * for this window only (the other windows' team figures stay), which keeps the message that every TV gets small. */
export const BOARD_DISPERSION_WINDOW: WindowName = '60m';

/** The span a window covered when the snapshot was made. */
export interface WindowSpan {
  /** ISO time the window starts (rolling windows start on a whole minute: they cover W to W+1 minutes). */
  from: string;
  seconds: number;
}

export interface QueueWindow {
  /** Calls that entered the queue in the window (呼入量). */
  entered: number;
  /** Calls that left the queue in the window: answered + abandoned (incl. short) + callback requested + overflowed out. */
  offered: number;
  answered: number;
  abandoned: number;
  shortAbandoned: number;
  callbacks: number;
  /** Callbacks made (call.callback_completed) in the window. */
  callbacksCompleted: number;
  overflowedOut: number;
  overflowedIn: number;
  answeredWithinThreshold: number;
  abandonedAfterThreshold: number;
  /** answered / offered (接通率). */
  answerRate: number | null;
  /** abandoned / (answered + abandoned), short abandons left out of both. */
  abandonRate: number | null;
  /** answered within T / (answered + abandoned after T). */
  serviceLevel: number | null;
  /** Mean wait of answered calls, seconds. */
  asaSeconds: number | null;
  /** Mean (talk + hold + wrap) of calls that ended, seconds. */
  ahtSeconds: number | null;
  /** Longest time a call waited before leaving the queue in the window, seconds. */
  maxWaitSeconds: number | null;
}

export interface QueueSnapshot {
  queueId: string;
  name: string;
  /** Calls in queue now. */
  waiting: number;
  /** ISO time the longest-waiting call entered the queue; the screen ticks the longest wait from it. */
  oldestQueuedAt: string | null;
  longestWaitSeconds: number | null;
  serviceLevelSeconds: number;
  serviceLevelTarget: number;
  shortAbandonSeconds: number;
  /** Callbacks requested today and not yet made. */
  callbacksPending: number;
  /** Agents logged in to a team that serves this queue and ready now (idle). */
  availableAgents: number;
  /** The AHT special cause going on now (run rules on the interval series), or null. */
  ahtRun: RunFlag | null;
  windows: PerWindow<QueueWindow>;
}

export type StateCounts = Record<AgentState, number>;
export type CategoryCounts = Record<NotReadyCategory, number>;

export interface OnBreakAgent {
  agentId: string;
  name: string;
  teamId: string;
  /** ISO time the break started. */
  since: string;
}

export interface AgentRate {
  agentId: string;
  name: string;
  breakRate: number;
  loggedInSeconds: number;
}

export interface TeamWindow {
  loggedInSeconds: number;
  breakSeconds: number;
  talkSeconds: number;
  /** Break-category not-ready time / logged-in time, pooled over the team. */
  breakRate: number | null;
  /** Talk time / logged-in time (通话利用率). */
  utilisation: number | null;
  /** (talk + hold + wrap + ringing + outbound) / (that + idle). */
  occupancy: number | null;
  /** Idle-wait rate (候机等待): ready with no call / logged-in time. */
  idleRate: number | null;
  /** (idle + break + training + meeting) / logged-in time: about 25% on a healthy floor. */
  offPhoneShare: number | null;
  /** Calls answered and calls ended by the team's agents in the window. */
  callsAnswered: number;
  callsHandled: number;
  /** (talk + hold + wrap time) / calls ended, seconds; from the agents' state time. */
  ahtSeconds: number | null;
  /** Each counted agent's own break rate (agents with under the minimum logged-in time are left out). */
  agentBreakRates: AgentRate[];
  /** Agents counted in the dispersion (the length of agentBreakRates, also where the board leaves those out). */
  agentsCounted: number;
  agentsExcluded: number;
  meanAgentBreakRate: number | null;
  /** Population standard deviation of the agents' break rates. */
  breakRateSd: number | null;
  /** Coefficient of variation (离散系数) = sd / mean of the agents' break rates; null when the mean is 0 or no agent counts. */
  breakRateCv: number | null;
  /** breakRateCv < the control limit (0.16); null when the CV is null. */
  inControl: boolean | null;
}

export interface TeamSnapshot {
  teamId: string;
  name: string;
  loggedIn: number;
  byState: StateCounts;
  byCategory: CategoryCounts;
  /** Agents in the break category now. */
  onBreak: number;
  onBreakAgents: OnBreakAgent[];
  /** onBreak / loggedIn; the floor is out of control at peak from 1/6. */
  onBreakShare: number | null;
  /** The AHT special cause going on now (run rules on the interval series), or null. */
  ahtRun: RunFlag | null;
  windows: PerWindow<TeamWindow>;
}

export interface AgentWindow {
  loggedInSeconds: number;
  breakSeconds: number;
  talkSeconds: number;
  breakRate: number | null;
  utilisation: number | null;
  callsAnswered: number;
  /** Calls the agent ended in the window. */
  callsHandled: number;
}

export interface AgentSnapshot {
  agentId: string;
  name: string;
  teamId: string;
  loggedIn: boolean;
  state: AgentState | 'logged_out';
  reason: string | null;
  reasonCategory: NotReadyCategory | null;
  /** ISO time the agent entered this state. */
  since: string;
  windows: PerWindow<AgentWindow>;
}

export interface FloorSnapshot {
  waiting: number;
  oldestQueuedAt: string | null;
  loggedIn: number;
  byState: StateCounts;
  byCategory: CategoryCounts;
  onBreak: number;
  onBreakShare: number | null;
  /** Queue figures summed over every queue. */
  windows: PerWindow<QueueWindow>;
}

export interface FeedStatus {
  /** ISO wall time the service last received an ACD event. */
  lastEventAt: string | null;
  /** True when no event arrived for longer than staleAfterSeconds. */
  stale: boolean;
  staleAfterSeconds: number;
}

export interface IngestCounters {
  accepted: number;
  duplicates: number;
  rejected: number;
  late: number;
  /** Calls dropped from "waiting" after ingest.maxWaitMinutes: their outcome never came (an ACD or connector gap). */
  lostCalls: number;
}

/** What the screens need to state each figure's formula and window (per-queue T, S and target are on the queue). */
export interface Thresholds {
  breakCvLimit: number;
  breakShareLimit: number;
  breakRateTarget: [number, number];
  utilisationBand: [number, number];
  minLoggedInSecondsForCv: number;
  /** Short abandons are left out of the abandon rate and service level (the site's choice, on by default). */
  excludeShortAbandons: boolean;
  /** The window each alert rule watches, for the alert's explanation. */
  alertWindows: { breakControl: WindowName; utilisation: WindowName; abandonRate: WindowName; ahtIntervalMinutes: number };
  /** The AHT run rules in force (docs/metrics.md): run lengths, the centre line's baseline, calls an interval needs. */
  ahtRunRules: { trendLength: number; shiftLength: number; baseline: number; minCalls: number };
}

export const ALERT_RULES = [
  'callback_enter',
  'callback_leave',
  'overflow',
  'break_out_of_control',
  'too_many_on_break',
  'long_break',
  'utilisation_high',
  'utilisation_low',
  'abandon_rate',
  'aht_special_cause',
  'feed_stale',
] as const;
export type AlertRule = (typeof ALERT_RULES)[number];
export type AlertSeverity = 'info' | 'warning' | 'critical';

export interface AlertSubject {
  kind: 'floor' | 'queue' | 'team' | 'agent';
  id: string;
  /** The team it concerns (a team, or an agent's team): its leads get it. */
  teamId?: string;
}

export interface Alert {
  id: string;
  rule: AlertRule;
  severity: AlertSeverity;
  subject: AlertSubject;
  /** Display name of the subject (queue, team or agent name). */
  subjectName: string;
  /** The figure that raised it and the threshold, e.g. { value: 0.41, threshold: 0.16 }. */
  value: number | null;
  threshold: number | null;
  raisedAt: string;
  /** Set when the condition ended (with hysteresis); cleared alerts stay listed for a while. */
  clearedAt: string | null;
  ack: { by: string; at: string; note: string } | null;
}

export interface CallbackModeState {
  scope: 'queue' | 'team';
  id: string;
  on: boolean;
  since: string;
  by: string;
}

export interface Broadcast {
  text: string;
  /** 'all', or the team ids whose screens show it. */
  audience: 'all' | string[];
  expiresAt: string;
  by: string;
  at: string;
}

export interface Snapshot {
  /** ISO time the snapshot was computed for ("now" of the service clock). */
  generatedAt: string;
  clock: 'wall' | 'replay';
  site: { name: string; timeZone: string };
  windows: PerWindow<WindowSpan>;
  thresholds: Thresholds;
  feed: FeedStatus;
  ingest: IngestCounters;
  floor: FloorSnapshot;
  queues: QueueSnapshot[];
  teams: TeamSnapshot[];
  agents: AgentSnapshot[];
  /** Active alerts and those cleared in the last 30 minutes, newest first (cut to what the viewer may see). */
  alerts: Alert[];
  /** Callback mode switched on by a supervisor, per queue or team. */
  callbackModes: CallbackModeState[];
  broadcast: Broadcast | null;
}
