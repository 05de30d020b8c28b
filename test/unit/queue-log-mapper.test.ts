import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AcdEventInput, parseEvent } from '../../shared/events.js';
import type { AsteriskMappingConfig } from '../../server/ingest/ami/common.js';
import { lineIdBase, mapQueueLogRecord, newQueueLogMapperState, type QueueLogMapperState } from '../../server/ingest/queue-log/mapper.js';
import { parseQueueLogLine, QUEUE_LOG_EVENTS } from '../../server/ingest/queue-log/parser.js';

const fixture = readFileSync(fileURLToPath(new URL('../fixtures/asterisk/asterisk2slack/queue_log', import.meta.url)), 'utf8');

function mapLines(text: string, config: AsteriskMappingConfig = {}, state: QueueLogMapperState = newQueueLogMapperState()): AcdEventInput[] {
  const out: AcdEventInput[] = [];
  for (const line of text.split('\n')) {
    const r = parseQueueLogLine(line);
    if (r.kind === 'record') out.push(...mapQueueLogRecord(r.record, { config, state }));
  }
  return out;
}

const strip = (events: AcdEventInput[]) => events.map(({ id: _id, ...rest }) => rest);

function expectValidAndUnique(events: AcdEventInput[]): void {
  for (const e of events) expect(parseEvent(e)).toMatchObject({ ok: true });
  expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
}

describe('queue_log mapper on the recorded FreePBX log (asterisk2slack)', () => {
  it('maps every line as a supervisor would read it', () => {
    const events = mapLines(fixture);
    const s = (t: number) => t * 1000;
    const login = (agent: string, t: number) => ({ ts: s(t), type: 'agent.login', agentId: agent, teamId: '201', queues: ['201'] });
    const state = (agent: string, st: string, t: number) => ({ ts: s(t), type: 'agent.state', agentId: agent, state: st });
    expect(strip(events)).toEqual([
      // 1 DID: not used. 2 ENTERQUEUE.
      { ts: s(1546015415), type: 'call.queued', callId: '1546015415.757927', queueId: '201' },
      // 3-5 RINGNOANSWER: three members were rung, so they are logged in and were ready.
      login('Agent Alpha', 1546015415),
      state('Agent Alpha', 'idle', 1546015415),
      login('Agent Bravo', 1546015415),
      state('Agent Bravo', 'idle', 1546015415),
      login('Agent Charlie', 1546015415),
      state('Agent Charlie', 'idle', 1546015415),
      // 6 CONNECT after 10 s: Delta answers.
      login('Agent Delta', 1546015425),
      { ts: s(1546015425), type: 'call.answered', callId: '1546015415.757927', queueId: '201', agentId: 'Agent Delta' },
      state('Agent Delta', 'talking', 1546015425),
      // 7 COMPLETECALLER after 122 s of talk.
      { ts: s(1546015547), type: 'call.ended', callId: '1546015415.757927', agentId: 'Agent Delta' },
      state('Agent Delta', 'idle', 1546015547),
      // 8-13: the same ENTERQUEUE line six more times, older than the call's end: repeats, nothing.
      // 14 ENTERQUEUE of a second call, 15 Delta answers it.
      { ts: s(1546027663), type: 'call.queued', callId: '1546027663.761192', queueId: '201' },
      { ts: s(1546027677), type: 'call.answered', callId: '1546027663.761192', queueId: '201', agentId: 'Agent Delta' },
      state('Agent Delta', 'talking', 1546027677),
      // 16 CONNECT of a call whose ENTERQUEUE is not in the excerpt (Delta is already shown talking).
      { ts: s(1546023976), type: 'call.answered', callId: '1546023970.760296', queueId: '201', agentId: 'Agent Delta' },
      // 17 Echo completes a call we never saw: Echo is logged in, the call ends, Echo is ready.
      login('Agent Echo', 1546024020),
      { ts: s(1546024020), type: 'call.ended', callId: '1546023604.760166', agentId: 'Agent Echo' },
      state('Agent Echo', 'idle', 1546024020),
      // 18 COMPLETEAGENT of the call from line 16.
      { ts: s(1546024204), type: 'call.ended', callId: '1546023970.760296', agentId: 'Agent Delta' },
      state('Agent Delta', 'idle', 1546024204),
      // 20-22: the same COMPLETEAGENT with other positions: the call already ended, nothing.
    ]);
    expectValidAndUnique(events);
  });

  it('ids come from the line, so a replay gives the same ids', () => {
    const a = mapLines(fixture);
    const b = mapLines(fixture);
    expect(b.map((e) => e.id)).toEqual(a.map((e) => e.id));
    const r = parseQueueLogLine('1546015425|1546015415.757927|201|Agent Delta|CONNECT|10|1546015415.757936|9');
    expect(r.kind === 'record' && lineIdBase(r.record)).toMatch(/^ql:1546015425:1546015415\.757927:CONNECT:[0-9a-f]{10}$/);
    expect(a.find((e) => e.type === 'call.answered')!.id).toMatch(/^ql:1546015425:1546015415\.757927:CONNECT:[0-9a-f]{10}:answered$/);
  });

  it('config: member names to agent ids, a team map', () => {
    const events = mapLines(fixture, { agentIds: { 'Agent Delta': 'PJSIP/204' }, teams: { 'PJSIP/204': 'night-shift' } });
    expect(events.find((e) => e.type === 'agent.login' && e.agentId === 'PJSIP/204')).toMatchObject({ teamId: 'night-shift' });
    expect(events.find((e) => e.type === 'call.answered')).toMatchObject({ agentId: 'PJSIP/204' });
    expect(events.some((e) => 'agentId' in e && e.agentId === 'Agent Delta')).toBe(false);
  });
});

describe('queue_log mapper: each event', () => {
  const L = (...lines: string[]) => lines.join('\n');

  it('exits: abandon, timeout and leave-when-empty overflow, exit key (callback or overflow)', () => {
    const events = mapLines(
      L(
        '100|c1|sales|NONE|ENTERQUEUE||555|1',
        '130|c1|sales|NONE|ABANDON|1|1|30',
        '100|c2|sales|NONE|ENTERQUEUE||556|2',
        '400|c2|sales|NONE|EXITWITHTIMEOUT|1|2|300',
        '400|c2|backup|NONE|ENTERQUEUE||556|1',
        '100|c3|sales|NONE|ENTERQUEUE||557|3',
        '110|c3|sales|NONE|EXITEMPTY|1|3|10',
        '100|c4|sales|NONE|ENTERQUEUE||558|4',
        '120|c4|sales|NONE|EXITWITHKEY|1|1|4|20',
        '100|c5|sales|NONE|ENTERQUEUE||559|5',
        '120|c5|sales|NONE|EXITWITHKEY|9|1|5|20',
      ),
      { callbackKeys: ['1'], exitTo: { timeout: 'backup' } },
    );
    expect(strip(events)).toEqual([
      { ts: 100_000, type: 'call.queued', callId: 'c1', queueId: 'sales' },
      { ts: 130_000, type: 'call.abandoned', callId: 'c1', queueId: 'sales' },
      { ts: 100_000, type: 'call.queued', callId: 'c2', queueId: 'sales' },
      { ts: 400_000, type: 'call.overflowed', callId: 'c2', queueId: 'sales', toQueueId: 'backup' },
      { ts: 400_000, type: 'call.queued', callId: 'c2#2', queueId: 'backup' },
      { ts: 100_000, type: 'call.queued', callId: 'c3', queueId: 'sales' },
      { ts: 110_000, type: 'call.overflowed', callId: 'c3', queueId: 'sales', toQueueId: 'empty' },
      { ts: 100_000, type: 'call.queued', callId: 'c4', queueId: 'sales' },
      { ts: 120_000, type: 'call.callback_requested', callId: 'c4', queueId: 'sales' },
      { ts: 100_000, type: 'call.queued', callId: 'c5', queueId: 'sales' },
      { ts: 120_000, type: 'call.overflowed', callId: 'c5', queueId: 'sales', toQueueId: 'exitkey' },
    ]);
    expect(events.find((e) => e.type === 'call.overflowed' && e.callId === 'c2')).toMatchObject({ toQueueId: 'backup' });
    expect(mapLines('1|c|sales|NONE|ENTERQUEUE||1|1\n2|c|sales|NONE|EXITWITHTIMEOUT|1|1|1')[1]).toMatchObject({ toQueueId: 'timeout' });
  });

  it('members: ADDMEMBER, PAUSE with reason, UNPAUSE, PAUSEALL ignored, pause during a call, transfer, REMOVEMEMBER', () => {
    const events = mapLines(
      L(
        '10|NONE|sales|PJSIP/201|ADDMEMBER|',
        '11|NONE|billing|PJSIP/201|ADDMEMBER|',
        '20|NONE|NONE|PJSIP/201|PAUSEALL|',
        '20|NONE|sales|PJSIP/201|PAUSE|Lunch',
        '20|NONE|billing|PJSIP/201|PAUSE|Lunch',
        '30|NONE|NONE|PJSIP/201|UNPAUSEALL|',
        '30|NONE|sales|PJSIP/201|UNPAUSE|',
        '40|c9|sales|NONE|ENTERQUEUE||555|1',
        '45|c9|sales|PJSIP/201|CONNECT|5|c9.1|3',
        '50|NONE|sales|PJSIP/201|PAUSE|wrapup',
        '60|c9|sales|PJSIP/201|BLINDTRANSFER|200|from-internal|5|15|1',
        '70|NONE|sales|PJSIP/201|REMOVEMEMBER|',
        '71|NONE|billing|PJSIP/201|REMOVEMEMBER|',
      ),
      { reasons: { Lunch: 'meal' } },
    );
    const a = 'PJSIP/201';
    expect(strip(events)).toEqual([
      { ts: 10_000, type: 'agent.login', agentId: a, teamId: 'sales', queues: ['sales'] },
      { ts: 10_000, type: 'agent.state', agentId: a, state: 'idle' },
      { ts: 11_000, type: 'agent.login', agentId: a, teamId: 'sales', queues: ['sales', 'billing'] },
      { ts: 20_000, type: 'agent.state', agentId: a, state: 'not_ready', reason: 'meal' },
      { ts: 30_000, type: 'agent.state', agentId: a, state: 'idle' },
      { ts: 40_000, type: 'call.queued', callId: 'c9', queueId: 'sales' },
      { ts: 45_000, type: 'call.answered', callId: 'c9', queueId: 'sales', agentId: a },
      { ts: 45_000, type: 'agent.state', agentId: a, state: 'talking' },
      { ts: 50_000, type: 'agent.state', agentId: a, state: 'not_ready', reason: 'wrapup' },
      { ts: 60_000, type: 'call.ended', callId: 'c9', agentId: a },
      { ts: 70_000, type: 'agent.login', agentId: a, teamId: 'sales', queues: ['billing'] },
      { ts: 71_000, type: 'agent.logout', agentId: a },
    ]);
    expectValidAndUnique(events);
  });

  it('QUEUESTART (Asterisk restarted): waiting calls are lost, answered calls end, agents on a call are ready again', () => {
    const events = mapLines(
      L(
        '10|NONE|sales|SIP/1|ADDMEMBER|',
        '20|w1|sales|NONE|ENTERQUEUE||1|1',
        '21|a1|sales|NONE|ENTERQUEUE||2|2',
        '25|a1|sales|SIP/1|CONNECT|4|x|2',
        '99|NONE|NONE|NONE|QUEUESTART|',
        '99|NONE|NONE|NONE|CONFIGRELOAD|',
      ),
    ).slice(6); // login, idle, 2x queued, answered, talking come first
    expect(strip(events)).toEqual([
      { ts: 99_000, type: 'call.overflowed', callId: 'w1', queueId: 'sales', toQueueId: 'lost' },
      { ts: 99_000, type: 'call.ended', callId: 'a1', agentId: 'SIP/1' },
      { ts: 99_000, type: 'agent.state', agentId: 'SIP/1', state: 'idle' },
    ]);
    expectValidAndUnique(events);
  });

  it('an identical line that changes the state again gets its own id (pause, unpause, pause in one second)', () => {
    const events = mapLines(L('5|NONE|q|SIP/1|PAUSE|x', '5|NONE|q|SIP/1|UNPAUSE|', '5|NONE|q|SIP/1|PAUSE|x', '5|NONE|q|SIP/1|PAUSE|x'));
    expect(events.map((e) => (e.type === 'agent.state' ? e.state : e.type))).toEqual(['agent.login', 'not_ready', 'idle', 'not_ready']);
    expectValidAndUnique(events);
    expect(events[3]!.id).toBe(events[1]!.id + '#2');
  });

  it('agent login events of chan_agent (AGENTLOGIN / AGENTLOGOFF) use the default team', () => {
    const events = mapLines(L('5|NONE|NONE|Agent/1001|AGENTLOGIN|SIP/1001-0001', '9|NONE|NONE|Agent/1001|AGENTLOGOFF|SIP/1001-0001|4'), { defaultTeam: 'floor' });
    expect(strip(events)).toEqual([
      { ts: 5000, type: 'agent.login', agentId: 'Agent/1001', teamId: 'floor' },
      { ts: 5000, type: 'agent.state', agentId: 'Agent/1001', state: 'idle' },
      { ts: 9000, type: 'agent.logout', agentId: 'Agent/1001' },
    ]);
  });

  it('fuzz: never throws; every event passes the contract with a unique id', () => {
    const line = fc
      .tuple(
        fc.integer({ min: 0, max: 2_000_000_000 }),
        fc.constantFrom('c1', 'c2', 'c3', 'NONE', ''),
        fc.constantFrom('sales', 'billing', 'NONE', ''),
        fc.constantFrom('SIP/1', 'Agent Bravo', 'NONE', '', 'x'.repeat(250)),
        fc.constantFrom(...QUEUE_LOG_EVENTS),
        fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('1', 'Lunch', '')), { maxLength: 5 }),
      )
      .map(([t, c, q, a, e, d]) => [t, c, q, a, e, ...d].join('|'));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 80 }), (lines) => {
        expectValidAndUnique(mapLines(lines.join('\n')));
      }),
      { numRuns: 400 },
    );
  });
});
