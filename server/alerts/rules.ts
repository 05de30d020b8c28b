// Alert rules: pure functions from a snapshot, the thresholds and "now" to conditions. A condition says, for one rule
// and one subject, whether the enter level is passed and whether the exit level is reached; the lifecycle (minimum
// durations, raise once, clear) is kept in Redis by server/store/alerts-store.ts. No I/O here.
import type { RunFlag } from '../../shared/series.js';
import type { AlertRule, AlertSeverity, AlertSubject, CallbackModeState } from '../../shared/snapshot.js';
import { localParts } from '../../shared/time.js';
import type { MetricsSnapshot } from '../metrics/snapshot.js';
import type { AlertThresholds } from './thresholds.js';

export interface Condition {
  /** rule + subject: the identity of an alert (a new one each time it is raised again after clearing). */
  key: string;
  rule: AlertRule;
  subject: AlertSubject;
  subjectName: string;
  severity: AlertSeverity;
  /** The enter level is passed now. */
  enter: boolean;
  /** The exit level is reached now (between the two: no change). */
  exit: boolean;
  forMs: number;
  clearForMs: number;
  value: number | null;
  threshold: number | null;
}

const ms = (s: number) => s * 1000;

function cond(rule: AlertRule, subject: AlertSubject, subjectName: string, c: Omit<Condition, 'key' | 'rule' | 'subject' | 'subjectName'>): Condition {
  return { key: `${rule}:${subject.kind}:${subject.id}`, rule, subject, subjectName, ...c };
}

/** Expected wait of a new caller: the callers ahead of them divided by the answer rate of the last 15 minutes. */
export function expectedWaitSeconds(waiting: number, answeredLast15: number, windowSeconds: number): number {
  if (waiting === 0) return 0;
  if (answeredLast15 === 0) return Infinity;
  return waiting / (answeredLast15 / windowSeconds);
}

function inPeak(now: number, timeZone: string, peaks: [string, string][]): boolean {
  const p = localParts(now, timeZone);
  const hhmm = `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
  return peaks.some(([from, to]) => hhmm >= from && hhmm < to);
}

/**
 * AHT special cause: a run (docs/metrics.md) reaching the latest complete interval. The run rules already ask for 6 or
 * 9 intervals in a row, so the alert has no hold time of its own; it clears when an interval breaks the run.
 */
function ahtRun(out: Condition[], subject: AlertSubject, name: string, run: RunFlag | null): void {
  out.push(
    cond('aht_special_cause', subject, name, {
      severity: 'warning',
      enter: run !== null,
      exit: run === null,
      forMs: 0,
      clearForMs: 0,
      value: run?.length ?? null,
      threshold: null,
    }),
  );
}

export function evaluateRules(s: MetricsSnapshot, t: AlertThresholds, callbackModes: CallbackModeState[], now: number): Condition[] {
  const out: Condition[] = [];
  const callbackOn = (queueId: string) => callbackModes.some((m) => m.scope === 'queue' && m.id === queueId && m.on);

  for (const q of s.queues) {
    const subject: AlertSubject = { kind: 'queue', id: q.queueId };
    const w15 = q.windows['15m'];
    const longest = q.longestWaitSeconds ?? 0;
    const slCounts = w15.answered + w15.abandonedAfterThreshold >= t.overflow.minCalls;
    const sl = slCounts ? w15.serviceLevel : null;

    // Callback mode: recommend entering while it is off, leaving while it is on.
    const ce = t.callbackEnter;
    if (!callbackOn(q.queueId)) {
      const atPeak = q.waiting >= ce.waiting || longest >= ce.longestWaitSeconds || (sl !== null && sl < ce.serviceLevelBelow);
      const calm = q.waiting <= ce.waiting / 2 && longest < ce.longestWaitSeconds / 2 && (sl === null || sl >= ce.serviceLevelBelow + 0.05);
      out.push(cond('callback_enter', subject, q.name, { severity: 'warning', enter: atPeak, exit: calm, forMs: ms(ce.forSeconds), clearForMs: ms(ce.clearForSeconds), value: q.waiting, threshold: ce.waiting }));
    } else {
      const cl = t.callbackLeave;
      const over = q.waiting <= cl.waitingAtMost && q.availableAgents >= cl.readyAgentsAtLeast && q.callbacksPending > 0;
      out.push(cond('callback_leave', subject, q.name, { severity: 'info', enter: over, exit: !over, forMs: ms(cl.forSeconds), clearForMs: 0, value: q.callbacksPending, threshold: null }));
    }

    // Overflow / standby staff: before service collapses.
    const o = t.overflow;
    const perAgent = q.waiting / Math.max(q.availableAgents, 1);
    const expected = expectedWaitSeconds(q.waiting, w15.answered, 15 * 60);
    const overflowing = q.waiting > 0 && (perAgent >= o.waitingPerReadyAgent || expected >= o.expectedWaitSeconds || (sl !== null && sl < o.serviceLevelBelow));
    const settled = perAgent < o.waitingPerReadyAgent / 2 && expected < o.expectedWaitSeconds / 2 && (sl === null || sl >= o.serviceLevelBelow);
    out.push(
      cond('overflow', subject, q.name, {
        severity: 'critical',
        enter: overflowing,
        exit: settled,
        forMs: ms(o.forSeconds),
        clearForMs: ms(o.clearForSeconds),
        value: Number.isFinite(expected) ? Math.round(expected) : null,
        threshold: o.expectedWaitSeconds,
      }),
    );

    const a = t.abandonRate;
    const aw = q.windows[a.window];
    const enough = aw.answered + aw.abandoned >= a.minCalls;
    const rate = aw.abandonRate;
    ahtRun(out, subject, q.name, q.ahtRun);
    out.push(cond('abandon_rate', subject, q.name, { severity: 'warning', enter: enough && rate !== null && rate > a.above, exit: !enough || rate === null || rate < a.clearBelow, forMs: ms(a.forSeconds), clearForMs: ms(a.clearForSeconds), value: rate, threshold: a.above }));
  }

  const peak = inPeak(now, s.site.timeZone, t.breakControl.peakHours);
  for (const team of s.teams) {
    const subject: AlertSubject = { kind: 'team', id: team.teamId, teamId: team.teamId };
    const b = t.breakControl;
    const bw = team.windows[b.window];
    const counted = bw.agentsCounted >= b.minAgents;
    const cv = bw.breakRateCv;
    out.push(
      cond('break_out_of_control', subject, team.name, {
        // In the peak ("golden") hours a team out of control is critical; outside them a warning.
        severity: peak ? 'critical' : 'warning',
        enter: counted && cv !== null && cv >= b.cvLimit,
        exit: !counted || cv === null || cv < b.clearBelow,
        forMs: ms(b.forSeconds),
        clearForMs: ms(b.clearForSeconds),
        value: cv,
        threshold: b.cvLimit,
      }),
    );

    const bs = t.breakShare;
    const share = team.onBreakShare;
    const big = team.loggedIn >= bs.minLoggedIn;
    out.push(cond('too_many_on_break', subject, team.name, { severity: 'warning', enter: big && share !== null && share >= bs.limit, exit: !big || share === null || share < bs.clearBelow, forMs: ms(bs.forSeconds), clearForMs: ms(bs.clearForSeconds), value: share, threshold: bs.limit }));

    const u = t.utilisation;
    const util = team.windows[u.window].utilisation;
    const staffed = team.loggedIn >= u.minLoggedIn;
    out.push(cond('utilisation_high', subject, team.name, { severity: 'warning', enter: staffed && util !== null && util > u.high, exit: !staffed || util === null || util <= u.high - u.margin, forMs: ms(u.forSeconds), clearForMs: ms(u.clearForSeconds), value: util, threshold: u.high }));
    out.push(cond('utilisation_low', subject, team.name, { severity: 'info', enter: staffed && util !== null && util < u.low, exit: !staffed || util === null || util >= u.low + u.margin, forMs: ms(u.forSeconds), clearForMs: ms(u.clearForSeconds), value: util, threshold: u.low }));

    ahtRun(out, subject, team.name, team.ahtRun);

    // Long breaks: one condition per agent on break; an agent back from break has no condition, which clears it.
    const limitMs = t.longBreak.minutes * 60_000;
    for (const agent of team.onBreakAgents) {
      const onBreakMs = now - Date.parse(agent.since);
      if (onBreakMs < limitMs) continue;
      out.push(cond('long_break', { kind: 'agent', id: agent.agentId, teamId: team.teamId }, agent.name, { severity: 'warning', enter: true, exit: false, forMs: 0, clearForMs: 0, value: Math.floor(onBreakMs / 60_000), threshold: t.longBreak.minutes }));
    }
  }

  const f = s.floor;
  const bs = t.breakShare;
  out.push(cond('too_many_on_break', { kind: 'floor', id: 'floor' }, 'floor', { severity: 'critical', enter: f.loggedIn >= bs.minLoggedIn && f.onBreakShare !== null && f.onBreakShare >= bs.limit, exit: f.onBreakShare === null || f.onBreakShare < bs.clearBelow, forMs: ms(bs.forSeconds), clearForMs: ms(bs.clearForSeconds), value: f.onBreakShare, threshold: bs.limit }));
  out.push(cond('feed_stale', { kind: 'floor', id: 'feed' }, 'ACD feed', { severity: 'critical', enter: s.feed.stale && s.feed.lastEventAt !== null, exit: !s.feed.stale, forMs: 0, clearForMs: 0, value: null, threshold: s.feed.staleAfterSeconds }));
  return out;
}
