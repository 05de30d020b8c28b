// A scripted 20-minute scenario with every expected figure worked out by hand below (not taken from the code).
import type { ConfigFile } from '../../server/config.js';
import type { AcdEventInput } from '../../shared/events.js';

export const T0 = Date.UTC(2026, 4, 4, 8, 0, 0); // 2026-05-04 08:00:00Z; the site is in UTC
export const at = (seconds: number) => T0 + seconds * 1000;

export const scenarioConfig: ConfigFile = {
  reasonCategories: { break: 'break', lunch: 'meal' },
  teams: [{ id: 'north', name: 'North' }, { id: 'south', name: 'South' }],
  queues: [{ id: 'q1', name: 'Support' }],
};

export function scenarioEvents(): AcdEventInput[] {
  let n = 0;
  const ev = (t: number, type: string, fields: Record<string, unknown>) => ({ id: `sc-${++n}`, ts: at(t), type, ...fields }) as AcdEventInput;
  const events: AcdEventInput[] = [];
  for (const [agentId, teamId] of [['N1', 'north'], ['N2', 'north'], ['N3', 'north'], ['S1', 'south']] as const) {
    events.push(ev(0, 'agent.login', { agentId, teamId, name: `Agent ${agentId}`, queues: ['q1'] }));
    events.push(ev(0, 'agent.state', { agentId, state: 'idle' }));
  }
  // c1: queued 60, answered by N1 at 75 (wait 15), ended 195 (talk 120), N1 wraps 195 -> 225.
  events.push(ev(60, 'call.queued', { callId: 'c1', queueId: 'q1' }));
  events.push(ev(75, 'agent.state', { agentId: 'N1', state: 'talking' }));
  events.push(ev(75, 'call.answered', { callId: 'c1', queueId: 'q1', agentId: 'N1' }));
  events.push(ev(195, 'call.ended', { callId: 'c1', agentId: 'N1' }));
  events.push(ev(195, 'agent.state', { agentId: 'N1', state: 'wrap' }));
  events.push(ev(225, 'agent.state', { agentId: 'N1', state: 'idle' }));
  // c2: short abandon after 3 s.
  events.push(ev(100, 'call.queued', { callId: 'c2', queueId: 'q1' }));
  events.push(ev(103, 'call.abandoned', { callId: 'c2', queueId: 'q1' }));
  // c3: queued 120, answered by N2 at 150 (wait 30), ended 270 (talk 120), no wrap.
  events.push(ev(120, 'call.queued', { callId: 'c3', queueId: 'q1' }));
  events.push(ev(150, 'agent.state', { agentId: 'N2', state: 'talking' }));
  events.push(ev(150, 'call.answered', { callId: 'c3', queueId: 'q1', agentId: 'N2' }));
  events.push(ev(270, 'call.ended', { callId: 'c3', agentId: 'N2' }));
  events.push(ev(270, 'agent.state', { agentId: 'N2', state: 'idle' }));
  // c4: abandons after 30 s (past T = 20 s). c5: asks for a callback after 40 s.
  events.push(ev(130, 'call.queued', { callId: 'c4', queueId: 'q1' }));
  events.push(ev(160, 'call.abandoned', { callId: 'c4', queueId: 'q1' }));
  events.push(ev(200, 'call.queued', { callId: 'c5', queueId: 'q1' }));
  events.push(ev(240, 'call.callback_requested', { callId: 'c5', queueId: 'q1' }));
  // Breaks: N1 300-420 (120 s), N2 300-360 (60 s) then lunch 400-1000 (meal, not break), N3 from 900 (still on break).
  events.push(ev(300, 'agent.state', { agentId: 'N1', state: 'not_ready', reason: 'break' }));
  events.push(ev(420, 'agent.state', { agentId: 'N1', state: 'idle' }));
  events.push(ev(300, 'agent.state', { agentId: 'N2', state: 'not_ready', reason: 'break' }));
  events.push(ev(360, 'agent.state', { agentId: 'N2', state: 'idle' }));
  events.push(ev(400, 'agent.state', { agentId: 'N2', state: 'not_ready', reason: 'lunch' }));
  events.push(ev(1000, 'agent.state', { agentId: 'N2', state: 'idle' }));
  events.push(ev(900, 'agent.state', { agentId: 'N3', state: 'not_ready', reason: 'break' }));
  // N4 joins north at 900: 300 s logged in by the end, under the 10 minutes needed to count in the CV.
  events.push(ev(900, 'agent.login', { agentId: 'N4', teamId: 'north', name: 'Agent N4' }));
  // c6 waits from 1190; the last event (t = 1200) sets the replay clock to 08:20:00.
  events.push(ev(1190, 'call.queued', { callId: 'c6', queueId: 'q1' }));
  events.push(ev(1200, 'agent.state', { agentId: 'S1', state: 'idle' }));
  return events.sort((a, b) => Number(a.ts) - Number(b.ts));
}

/**
 * Worked out by hand. now = 08:20:00; the 15m window covers t = 300..1200, the 30m, 60m and today windows all of it.
 *
 * q1 over all time: entered 6; answered 2 (c1 wait 15, c3 wait 30); short abandon 1 (c2, 3 s < 5 s); abandoned 1 (c4,
 * 30 s > 20 s); callback 1 (c5); offered = 2 + 1 + 1 + 1 = 5. abandon rate = 1 / (2 + 1); service level = answered
 * within 20 s (c1) / (answered 2 + abandoned after 20 s 1) = 1/3; ASA = (15 + 30) / 2 = 22.5 s; AHT = (talk 120 + 120 +
 * N1's wrap 30) / 2 ended = 135 s; answer rate 2/5; max wait 40 s (c5 waited 200..240 before asking for a callback); waiting 1 (c6 since 1190, 10 s).
 * q1 in the 15m window: only c6 entered (at 1190), nothing left the queue: every rate null.
 *
 * north, all time: logged-in 3 x 1200 + N4 300 = 3900 s; break N1 120 + N2 60 + N3 300 (900..1200) = 480 s (N2's
 * lunch is a meal). Per agent: N1 0.1, N2 0.05, N3 0.25 (N4 excluded: 300 s < 600 s). mean = 0.4 / 3 = 2/15;
 * deviations -1/30, -1/12, 7/60 -> variance (4 + 25 + 49) / 3600 / 3 = 26/3600 -> sd = sqrt(26)/60,
 * CV = (sqrt(26)/60) / (2/15) = sqrt(26)/8 = 0.63738. talk = 120 + 120 = 240 s.
 * north, 15m window: logged-in 3 x 900 + 300 = 3000 s; breaks 120 + 60 + 300 = 480 s -> 0.16; the agents' rates are
 * 120/900, 60/900, 300/900: the same proportions, so the same CV sqrt(26)/8.
 * south: S1 idle for 1200 s, no breaks: break rate 0, CV null (mean 0), inControl null.
 */
export const expected = {
  q1: {
    all: { entered: 6, offered: 5, answered: 2, abandoned: 1, shortAbandoned: 1, callbacks: 1, abandonRate: 1 / 3, serviceLevel: 1 / 3, asaSeconds: 22.5, ahtSeconds: 135, answerRate: 0.4, maxWaitSeconds: 40 },
    last15: { entered: 1, offered: 0, abandonRate: null, serviceLevel: null, asaSeconds: null },
    waiting: 1,
    oldestQueuedAt: new Date(at(1190)).toISOString(),
    longestWaitSeconds: 10,
  },
  north: {
    loggedIn: 4,
    onBreak: 1,
    all: { loggedInSeconds: 3900, breakSeconds: 480, talkSeconds: 240, breakRate: 480 / 3900, cv: Math.sqrt(26) / 8, agentsExcluded: 1 },
    last15: { loggedInSeconds: 3000, breakSeconds: 480, breakRate: 0.16, cv: Math.sqrt(26) / 8 },
  },
  south: { loggedIn: 1, breakRate: 0 },
};
