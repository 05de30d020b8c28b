// The alert rules as pure functions: enter and exit levels at their edges, severity in and out of peak hours.
import { describe, expect, it } from 'vitest';
import { evaluateRules, expectedWaitSeconds, type Condition } from '../../server/alerts/rules.js';
import { effectiveThresholds, validateChange } from '../../server/alerts/thresholds.js';
import type { MetricsSnapshot } from '../../server/metrics/snapshot.js';
import type { QueueSnapshot, QueueWindow, TeamSnapshot, TeamWindow } from '../../shared/snapshot.js';

const NOW = Date.parse('2026-05-04T10:30:00Z'); // 10:30 UTC: inside the default morning peak
const t = effectiveThresholds({}, {});

const qw = (o: Partial<QueueWindow> = {}): QueueWindow => ({
  entered: 0, offered: 0, answered: 0, abandoned: 0, shortAbandoned: 0, callbacks: 0, callbacksCompleted: 0, overflowedOut: 0, overflowedIn: 0,
  answeredWithinThreshold: 0, abandonedAfterThreshold: 0, answerRate: null, abandonRate: null, serviceLevel: null, asaSeconds: null, ahtSeconds: null, maxWaitSeconds: null, ...o,
});
const queue = (o: Partial<QueueSnapshot> & { w15?: Partial<QueueWindow> } = {}): QueueSnapshot => ({
  queueId: 'q', name: 'Support', waiting: 0, oldestQueuedAt: null, longestWaitSeconds: null, serviceLevelSeconds: 20, serviceLevelTarget: 0.8, shortAbandonSeconds: 5,
  callbacksPending: 0, availableAgents: 5, ahtRun: null, ...o,
  windows: { '15m': qw(o.w15), '30m': qw(), '60m': qw(), today: qw() },
});
const tw = (o: Partial<TeamWindow> = {}): TeamWindow => ({
  loggedInSeconds: 0, breakSeconds: 0, talkSeconds: 0, breakRate: null, utilisation: null, occupancy: null, idleRate: null, offPhoneShare: null,
  callsAnswered: 0, callsHandled: 0, ahtSeconds: null, agentBreakRates: [], agentsCounted: o.agentBreakRates?.length ?? 0, agentsExcluded: 0,
  meanAgentBreakRate: null, breakRateSd: null, breakRateCv: null, inControl: null, ...o,
});
const rates = (n: number) => Array.from({ length: n }, (_, i) => ({ agentId: `a${i}`, name: `A${i}`, breakRate: 0.08, loggedInSeconds: 3600 }));
const team = (o: Partial<TeamSnapshot> & { w60?: Partial<TeamWindow>; w30?: Partial<TeamWindow> } = {}): TeamSnapshot => ({
  teamId: 't', name: 'Team T', loggedIn: 10, byState: { idle: 10, ringing: 0, talking: 0, hold: 0, wrap: 0, outbound: 0, not_ready: 0 },
  byCategory: { break: 0, meal: 0, training: 0, meeting: 0, other: 0 }, onBreak: 0, onBreakAgents: [], onBreakShare: 0, ahtRun: null, ...o,
  windows: { '15m': tw(), '30m': tw(o.w30), '60m': tw(o.w60), today: tw() },
});
const snapshot = (o: { queues?: QueueSnapshot[]; teams?: TeamSnapshot[]; stale?: boolean } = {}): MetricsSnapshot =>
  ({
    generatedAt: new Date(NOW).toISOString(),
    site: { name: 's', timeZone: 'UTC' },
    feed: { lastEventAt: new Date(NOW - 120_000).toISOString(), stale: o.stale ?? false, staleAfterSeconds: 60 },
    floor: { loggedIn: 10, onBreak: 0, onBreakShare: 0 },
    queues: o.queues ?? [],
    teams: o.teams ?? [],
  }) as unknown as MetricsSnapshot;

const find = (cs: Condition[], rule: string) => cs.find((c) => c.rule === rule)!;

describe('queue rules', () => {
  it('callback mode: enter at 10 waiting, exit at 5 or fewer; leave is recommended only while it is on', () => {
    expect(find(evaluateRules(snapshot({ queues: [queue({ waiting: 9 })] }), t, [], NOW), 'callback_enter')).toMatchObject({ enter: false, exit: false });
    expect(find(evaluateRules(snapshot({ queues: [queue({ waiting: 10 })] }), t, [], NOW), 'callback_enter')).toMatchObject({ enter: true });
    expect(find(evaluateRules(snapshot({ queues: [queue({ waiting: 5 })] }), t, [], NOW), 'callback_enter')).toMatchObject({ enter: false, exit: true });
    const on = [{ scope: 'queue' as const, id: 'q', on: true, since: '', by: '' }];
    const cs = evaluateRules(snapshot({ queues: [queue({ waiting: 1, availableAgents: 3, callbacksPending: 4 })] }), t, on, NOW);
    expect(cs.some((c) => c.rule === 'callback_enter')).toBe(false);
    expect(find(cs, 'callback_leave')).toMatchObject({ enter: true });
    expect(find(evaluateRules(snapshot({ queues: [queue({ waiting: 1, availableAgents: 3, callbacksPending: 0 })] }), t, on, NOW), 'callback_leave')).toMatchObject({ enter: false });
  });

  it('overflow: 3 waiting per ready agent, or an expected wait of 120 s from the recent answer rate', () => {
    expect(find(evaluateRules(snapshot({ queues: [queue({ waiting: 6, availableAgents: 2 })] }), t, [], NOW), 'overflow').enter).toBe(true);
    expect(find(evaluateRules(snapshot({ queues: [queue({ waiting: 5, availableAgents: 2, w15: { answered: 90 } })] }), t, [], NOW), 'overflow').enter).toBe(false);
    // 4 waiting, 30 answered in 15 min (one per 30 s): a new caller waits about 120 s.
    expect(expectedWaitSeconds(4, 30, 900)).toBe(120);
    expect(find(evaluateRules(snapshot({ queues: [queue({ waiting: 4, availableAgents: 5, w15: { answered: 30 } })] }), t, [], NOW), 'overflow')).toMatchObject({ enter: true, value: 120 });
    expect(expectedWaitSeconds(3, 0, 900)).toBe(Infinity);
  });

  it('abandon rate: over 10% with at least 10 calls; ends under 7%', () => {
    const at = (answered: number, abandoned: number, rate: number) => find(evaluateRules(snapshot({ queues: [queue({ w15: { answered, abandoned, abandonRate: rate } })] }), t, [], NOW), 'abandon_rate');
    expect(at(8, 1, 1 / 9)).toMatchObject({ enter: false, exit: true }); // 9 calls: too few to judge
    expect(at(9, 2, 2 / 11)).toMatchObject({ enter: true });
    expect(at(12, 1, 1 / 13)).toMatchObject({ enter: false, exit: false }); // 7.7%: between the levels, no change
  });
});

describe('team rules', () => {
  it('break control: CV >= 0.16 with 5+ counted agents; ends under 0.14; critical in peak hours, a warning outside', () => {
    const cs = (cv: number, n: number, now = NOW) => find(evaluateRules(snapshot({ teams: [team({ w60: { breakRateCv: cv, agentBreakRates: rates(n) } })] }), t, [], now), 'break_out_of_control');
    expect(cs(0.16, 5)).toMatchObject({ enter: true, severity: 'critical' });
    expect(cs(0.16, 4)).toMatchObject({ enter: false, exit: true });
    expect(cs(0.15, 5)).toMatchObject({ enter: false, exit: false });
    expect(cs(0.139, 5)).toMatchObject({ exit: true });
    expect(cs(0.3, 5, Date.parse('2026-05-04T13:00:00Z'))).toMatchObject({ enter: true, severity: 'warning' }); // lunch: off-peak
  });

  it('too many on break: 1/6 of at least 6 logged in, ends under 14%; long break after 15 minutes', () => {
    const share = (s: number) => find(evaluateRules(snapshot({ teams: [team({ onBreakShare: s })] }), t, [], NOW), 'too_many_on_break');
    expect(share(1 / 6)).toMatchObject({ enter: true });
    expect(share(0.15)).toMatchObject({ enter: false, exit: false });
    expect(share(0.1)).toMatchObject({ exit: true });
    const since = (min: number) => new Date(NOW - min * 60_000).toISOString();
    const cs = evaluateRules(snapshot({ teams: [team({ onBreakAgents: [{ agentId: 'x', name: 'X', teamId: 't', since: since(16) }, { agentId: 'y', name: 'Y', teamId: 't', since: since(14) }] })] }), t, [], NOW);
    expect(cs.filter((c) => c.rule === 'long_break').map((c) => c.subject)).toEqual([{ kind: 'agent', id: 'x', teamId: 't' }]);
  });

  it('utilisation: above 74% or below 69% over 30 minutes, back inside the band by a point to end', () => {
    const u = (x: number) => evaluateRules(snapshot({ teams: [team({ w30: { utilisation: x } })] }), t, [], NOW);
    expect(find(u(0.75), 'utilisation_high').enter).toBe(true);
    expect(find(u(0.735), 'utilisation_high')).toMatchObject({ enter: false, exit: false });
    expect(find(u(0.72), 'utilisation_high').exit).toBe(true);
    expect(find(u(0.68), 'utilisation_low').enter).toBe(true);
    expect(find(u(0.71), 'utilisation_low').exit).toBe(true);
  });

  it('feed stale: when the feed is stale after having worked', () => {
    expect(find(evaluateRules(snapshot({ stale: true }), t, [], NOW), 'feed_stale').enter).toBe(true);
    expect(find(evaluateRules(snapshot({ stale: false }), t, [], NOW), 'feed_stale').exit).toBe(true);
  });
});

describe('thresholds', () => {
  it('merges file values and live changes, and refuses a change that breaks the hysteresis', () => {
    expect(effectiveThresholds({ breakControl: { cvLimit: 0.2 } }, { breakControl: { forSeconds: 10 } }).breakControl).toMatchObject({ cvLimit: 0.2, forSeconds: 10, clearBelow: 0.14 });
    expect(validateChange({}, { breakControl: { clearBelow: 0.2 } })).toMatchObject({ ok: false, error: expect.stringMatching(/clearBelow/) });
    expect(validateChange({}, { overflow: { forSeconds: -1 } }).ok).toBe(false);
    expect(validateChange({}, { longBreak: { minutes: 10 } }).ok).toBe(true);
  });
});
