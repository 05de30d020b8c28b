import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AcdEventInput, parseEvent } from '../../shared/events.js';
import type { AsteriskMappingConfig } from '../../server/ingest/ami/common.js';
import { AmiFramer, makeFrame } from '../../server/ingest/ami/framer.js';
import { type AmiMapperState, frameTime, mapAmiFrame, newAmiMapperState } from '../../server/ingest/ami/mapper.js';

const fixture = (name: string): Buffer => readFileSync(fileURLToPath(new URL(`../fixtures/asterisk/${name}`, import.meta.url)));

const NOW = 1_700_000_000_000;

function mapAll(data: Buffer | string, config: AsteriskMappingConfig = {}, state: AmiMapperState = newAmiMapperState(), now = () => NOW): AcdEventInput[] {
  const out: AcdEventInput[] = [];
  for (const frame of new AmiFramer().push(data)) out.push(...mapAmiFrame(frame, { config, state, now }));
  return out;
}

/** The events without their ids (checked separately), for comparing with what the recording says. */
const strip = (events: AcdEventInput[]) => events.map(({ id: _id, ...rest }) => rest);

/** Writes an AMI transcript from objects, CRLF like a live Asterisk. */
const ami = (...messages: Array<Record<string, string | number>>): string =>
  messages.map((m) => Object.entries(m).map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n').join('');

function expectValidAndUnique(events: AcdEventInput[]): void {
  for (const e of events) expect(parseEvent(e)).toMatchObject({ ok: true });
  expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
}

describe('AMI mapper on recordings', () => {
  it('panoramisk queue_status.yaml (Asterisk 11 QueueStatus reply): a login and a state per member', () => {
    const events = mapAll(fixture('panoramisk/queue_status.yaml'));
    // Six QueueMember lines in queue xxxxxxxxxxxxxxxx-tous, Name = member name, Location = interface. Five have Status 1
    // (not in use) and Paused 0; Agent/999 has Status 5 (unavailable) and Paused 1 without a reason: paused wins.
    const q = 'xxxxxxxxxxxxxxxx-tous';
    const member = (name: string, location: string, state: 'idle' | 'not_ready') => [
      { ts: NOW, type: 'agent.login', agentId: location, teamId: q, name, queues: [q] },
      { ts: NOW, type: 'agent.state', agentId: location, state },
    ];
    expect(strip(events)).toEqual([
      ...member('Agent/220', 'Local/id-9@agentcallback', 'idle'),
      ...member('Agent/213', 'Local/id-3@agentcallback', 'idle'),
      ...member('Agent/859', 'Local/id-7@agentcallback', 'idle'),
      ...member('Agent/214', 'Local/id-4@agentcallback', 'idle'),
      ...member('Agent/333', 'Local/id-10@agentcallback', 'idle'),
      ...member('Agent/999', 'Local/id-12@agentcallback', 'not_ready'),
    ]);
    expectValidAndUnique(events);
  });

  it('panoramisk agent_loggued_in.yaml (Asterisk 11): status of a known member, QueueMemberAdded, repeated status', () => {
    const events = mapAll(fixture('panoramisk/agent_loggued_in.yaml'));
    // Of its 145 events only four concern queues: QueueMemberStatus Agent/401 Status 1; QueueMemberAdded Agent/402 with
    // Status 2 (on the phone while logging in); then twice QueueMemberStatus Agent/402 Status 1 (the second unchanged).
    expect(strip(events)).toEqual([
      { ts: NOW, type: 'agent.login', agentId: 'Local/id-1@agentcallback', teamId: 'general_queue', name: 'Agent/401', queues: ['general_queue'] },
      { ts: NOW, type: 'agent.state', agentId: 'Local/id-1@agentcallback', state: 'idle' },
      { ts: NOW, type: 'agent.login', agentId: 'Local/id-3@agentcallback', teamId: 'general_queue', name: 'Agent/402', queues: ['general_queue'] },
      { ts: NOW, type: 'agent.state', agentId: 'Local/id-3@agentcallback', state: 'talking' },
      { ts: NOW, type: 'agent.state', agentId: 'Local/id-3@agentcallback', state: 'idle' },
    ]);
    expectValidAndUnique(events);
  });

  it('panoramisk agent_not_in_pause.yaml (Asterisk 11 QueueMemberPaused): paused on the phone, unpaused, idle, second queue', () => {
    const events = mapAll(fixture('panoramisk/agent_not_in_pause.yaml'));
    // Agent/999: 3x Status 2 Paused 1 in maisonvoyance-tous; QueueMemberPaused Paused 0 while still on the phone (it
    // dialled the unpause code); Status 1 Paused 0; Status 1 in a second queue xxxxxxxxxxxx-tous.
    const a = 'Local/id-12@agentcallback';
    expect(strip(events)).toEqual([
      { ts: NOW, type: 'agent.login', agentId: a, teamId: 'maisonvoyance-tous', name: 'Agent/999', queues: ['maisonvoyance-tous'] },
      { ts: NOW, type: 'agent.state', agentId: a, state: 'not_ready' },
      { ts: NOW, type: 'agent.state', agentId: a, state: 'talking' },
      { ts: NOW, type: 'agent.state', agentId: a, state: 'idle' },
      { ts: NOW, type: 'agent.login', agentId: a, teamId: 'maisonvoyance-tous', name: 'Agent/999', queues: ['maisonvoyance-tous', 'xxxxxxxxxxxx-tous'] },
    ]);
    expectValidAndUnique(events);
  });

  it('goami2 queues.ami (Asterisk 13+ QueueStatus with EventList): nine members in five queues', () => {
    const events = mapAll(fixture('goami2/queues.ami'));
    const member = (queue: string, ext: string, state: 'idle' | 'not_ready') => [
      { ts: NOW, type: 'agent.login', agentId: `Local/${ext}-12@from-queue/n`, teamId: queue, name: `${ext}@okon.ferry.sip.com`, queues: [queue] },
      { ts: NOW, type: 'agent.state', agentId: `Local/${ext}-12@from-queue/n`, state },
    ];
    // ISupport02_12 and Bar_12 members are Paused 1 with an empty PausedReason: not ready without a reason.
    expect(strip(events)).toEqual([
      ...member('Shipping_12', '9170', 'idle'),
      ...member('Shipping_12', '8194', 'idle'),
      ...member('Books_12', '9921', 'idle'),
      ...member('Books_12', '9922', 'idle'),
      ...member('Financing_12', '8895', 'idle'),
      ...member('Financing_12', '9068', 'idle'),
      ...member('ISupport02_12', '7855', 'not_ready'),
      ...member('ISupport02_12', '7853', 'not_ready'),
      ...member('Bar_12', '1245', 'not_ready'),
    ]);
    expectValidAndUnique(events);
  });

  it('goami2 queue-members.ami (QueueMemberPause with PausedReason and the old Reason): unpause then pause for Break', () => {
    const a = 'Local/9921-12@from-queue/n';
    expect(strip(mapAll(fixture('goami2/queue-members.ami')))).toEqual([
      { ts: NOW, type: 'agent.login', agentId: a, teamId: 'Books_12', name: '9921@okon.ferry.sip.com', queues: ['Books_12'] },
      { ts: NOW, type: 'agent.state', agentId: a, state: 'idle' },
      { ts: NOW, type: 'agent.state', agentId: a, state: 'not_ready', reason: 'Break' },
    ]);
    // After the QueueStatus reply the member is known and idle: only the pause is new. Reason codes can be mapped.
    const state = newAmiMapperState();
    mapAll(fixture('goami2/queues.ami'), {}, state);
    expect(strip(mapAll(fixture('goami2/queue-members.ami'), { reasons: { Break: 'break' } }, state))).toEqual([
      { ts: NOW, type: 'agent.state', agentId: a, state: 'not_ready', reason: 'break' },
    ]);
  });

  it('recordings without queue events give nothing (goami2 call.ami, ami.dump)', () => {
    expect(mapAll(fixture('goami2/call.ami'))).toEqual([]);
    expect(mapAll(fixture('asterisk-ami-events-stream/ami.dump'))).toEqual([]);
  });
});

describe('AMI mapper: call flows (Asterisk 12+ names, fields as documented for each event)', () => {
  const caller = { Channel: 'PJSIP/trunk-00000001', Uniqueid: '1700000000.11', Linkedid: '1700000000.11', Queue: 'sales' };
  const member = { Queue: 'sales', MemberName: 'Alice', Interface: 'PJSIP/201' };

  it('join, ring, answer, complete: queued, ringing, answered + talking, ended + idle; Timestamp gives ts', () => {
    const events = mapAll(
      ami(
        { Event: 'QueueMemberAdded', Timestamp: '1700000001.000000', ...member, StateInterface: 'PJSIP/201', Membership: 'dynamic', Status: 1, Paused: 0, PausedReason: '' },
        { Event: 'QueueCallerJoin', Timestamp: '1700000010.250000', ...caller, Position: 1, Count: 1 },
        { Event: 'QueueMemberStatus', Timestamp: '1700000011.000000', ...member, Status: 6, Paused: 0 },
        { Event: 'QueueCallerLeave', Timestamp: '1700000015.000000', ...caller, Position: 1, Count: 0 },
        { Event: 'AgentConnect', Timestamp: '1700000015.001000', ...caller, DestChannel: 'PJSIP/201-00000002', DestUniqueid: '1700000011.12', ...member, HoldTime: 5, RingTime: 4 },
        { Event: 'QueueMemberStatus', Timestamp: '1700000015.002000', ...member, Status: 2, Paused: 0 },
        { Event: 'AgentComplete', Timestamp: '1700000075.000000', ...caller, ...member, HoldTime: 5, TalkTime: 60, Reason: 'caller' },
        { Event: 'QueueMemberStatus', Timestamp: '1700000075.100000', ...member, Status: 1, Paused: 0 },
      ),
    );
    expect(strip(events)).toEqual([
      { ts: 1700000001000, type: 'agent.login', agentId: 'PJSIP/201', teamId: 'sales', name: 'Alice', queues: ['sales'] },
      { ts: 1700000001000, type: 'agent.state', agentId: 'PJSIP/201', state: 'idle' },
      { ts: 1700000010250, type: 'call.queued', callId: '1700000000.11', queueId: 'sales' },
      { ts: 1700000011000, type: 'agent.state', agentId: 'PJSIP/201', state: 'ringing' },
      { ts: 1700000015001, type: 'call.answered', callId: '1700000000.11', queueId: 'sales', agentId: 'PJSIP/201' },
      { ts: 1700000015001, type: 'agent.state', agentId: 'PJSIP/201', state: 'talking' },
      { ts: 1700000075000, type: 'call.ended', callId: '1700000000.11', agentId: 'PJSIP/201' },
      { ts: 1700000075000, type: 'agent.state', agentId: 'PJSIP/201', state: 'idle' },
    ]);
    expectValidAndUnique(events);
  });

  it('Asterisk 11 names: Join / Leave / AgentConnect with Member / AgentComplete; a team from the config', () => {
    const events = mapAll(
      ami(
        { Event: 'Join', Channel: 'SIP/trunk-0001', CallerIDNum: '5551234', Queue: 'support', Position: 1, Count: 1, Uniqueid: '1400000000.5' },
        { Event: 'Leave', Channel: 'SIP/trunk-0001', Queue: 'support', Count: 0, Position: 1, Uniqueid: '1400000000.5' },
        { Event: 'AgentConnect', Queue: 'support', Uniqueid: '1400000000.5', Channel: 'SIP/201-0002', Member: 'SIP/201', MemberName: 'Bob', Holdtime: 7, BridgedChannel: '1400000007.6', Ringtime: 3 },
        { Event: 'AgentComplete', Queue: 'support', Uniqueid: '1400000000.5', Channel: 'SIP/201-0002', Member: 'SIP/201', MemberName: 'Bob', HoldTime: 7, TalkTime: 30, Reason: 'agent' },
      ),
      { teams: { Bob: 'team-blue' } },
    );
    expect(strip(events)).toEqual([
      { ts: NOW, type: 'call.queued', callId: '1400000000.5', queueId: 'support' },
      { ts: NOW, type: 'agent.login', agentId: 'SIP/201', teamId: 'team-blue', name: 'Bob', queues: ['support'] },
      { ts: NOW, type: 'call.answered', callId: '1400000000.5', queueId: 'support', agentId: 'SIP/201' },
      { ts: NOW, type: 'agent.state', agentId: 'SIP/201', state: 'talking' },
      { ts: NOW, type: 'call.ended', callId: '1400000000.5', agentId: 'SIP/201' },
      { ts: NOW, type: 'agent.state', agentId: 'SIP/201', state: 'idle' },
    ]);
  });

  it('abandon comes from QueueCallerAbandon; QueueCallerLeave alone is not one; ring-no-answer gives no call event', () => {
    const events = mapAll(
      ami(
        { Event: 'QueueMemberStatus', ...member, Status: 6, Paused: 0 },
        { Event: 'QueueCallerJoin', ...caller, Position: 1, Count: 1 },
        { Event: 'AgentRingNoAnswer', ...caller, ...member, RingTime: 15000 },
        { Event: 'QueueCallerAbandon', ...caller, Position: 1, OriginalPosition: 1, HoldTime: 20 },
        { Event: 'QueueCallerLeave', ...caller, Position: 1, Count: 0 },
      ),
    );
    expect(strip(events)).toEqual([
      { ts: NOW, type: 'agent.login', agentId: 'PJSIP/201', teamId: 'sales', name: 'Alice', queues: ['sales'] },
      { ts: NOW, type: 'agent.state', agentId: 'PJSIP/201', state: 'ringing' },
      { ts: NOW, type: 'call.queued', callId: '1700000000.11', queueId: 'sales' },
      { ts: NOW, type: 'agent.state', agentId: 'PJSIP/201', state: 'idle' },
      { ts: NOW, type: 'call.abandoned', callId: '1700000000.11', queueId: 'sales' },
    ]);
  });

  it('QueueMemberStatus: each device status, pause with reason, no repeats of an unchanged state, unavailable policy', () => {
    const statuses = [1, 1, 2, 3, 8, 6, 7, 5, 0, 4, 1];
    const frames = statuses.map((s) => ({ Event: 'QueueMemberStatus', ...member, Status: s, Paused: 0, PausedReason: '' }));
    frames.push({ Event: 'QueueMemberStatus', ...member, Status: 1, Paused: 1, PausedReason: 'lunch' });
    frames.push({ Event: 'QueueMemberStatus', ...member, Status: 2, Paused: 1, PausedReason: 'lunch' });
    frames.push({ Event: 'QueueMemberRemoved', ...member } as never);
    const states = (config: AsteriskMappingConfig) =>
      mapAll(ami(...frames), config).map((e) => (e.type === 'agent.state' ? `${e.state}${e.reason ? ':' + e.reason : ''}` : e.type));
    expect(states({})).toEqual(['agent.login', 'idle', 'talking', 'hold', 'ringing', 'not_ready:unavailable', 'idle', 'not_ready:lunch', 'agent.logout']);
    expect(states({ unavailable: 'ignore', reasons: { lunch: 'meal' } })).toEqual(['agent.login', 'idle', 'talking', 'hold', 'ringing', 'idle', 'not_ready:meal', 'agent.logout']);
    expect(states({ passReasons: false })).toContain('not_ready');
  });

  it('a member in two queues logs out only when it left both', () => {
    const q2 = { ...member, Queue: 'billing' };
    const events = mapAll(
      ami(
        { Event: 'QueueMemberAdded', ...member, Status: 1, Paused: 0 },
        { Event: 'QueueMemberAdded', ...q2, Status: 1, Paused: 0 },
        { Event: 'QueueMemberRemoved', ...member },
        { Event: 'QueueMemberRemoved', ...q2 },
      ),
    );
    expect(strip(events)).toEqual([
      { ts: NOW, type: 'agent.login', agentId: 'PJSIP/201', teamId: 'sales', name: 'Alice', queues: ['sales'] },
      { ts: NOW, type: 'agent.state', agentId: 'PJSIP/201', state: 'idle' },
      { ts: NOW, type: 'agent.login', agentId: 'PJSIP/201', teamId: 'sales', name: 'Alice', queues: ['sales', 'billing'] },
      { ts: NOW, type: 'agent.login', agentId: 'PJSIP/201', teamId: 'sales', name: 'Alice', queues: ['billing'] },
      { ts: NOW, type: 'agent.logout', agentId: 'PJSIP/201' },
    ]);
    expectValidAndUnique(events);
  });

  it('QueueStatus resync: QueueEntry is queued at now - Wait; what vanished during a gap is closed', () => {
    const state = newAmiMapperState();
    // Before the gap: Alice and Bob in sales, two callers waiting.
    mapAll(
      ami(
        { Event: 'QueueMemberAdded', ...member, Status: 1, Paused: 0 },
        { Event: 'QueueMemberAdded', Queue: 'sales', MemberName: 'Bob', Interface: 'PJSIP/202', Status: 1, Paused: 0 },
        { Event: 'QueueCallerJoin', ...caller, Position: 1, Count: 1 },
        { Event: 'QueueCallerJoin', ...caller, Uniqueid: '1700000000.20', Position: 2, Count: 2 },
      ),
      {},
      state,
    );
    // After reconnecting: the reply lists Alice (now paused), one of the two callers, and a new caller waiting 42 s.
    const reply = ami(
      { Response: 'Success', ActionID: 'floorwatch-resync-2', EventList: 'start', Message: 'Queue status will follow' },
      { Event: 'QueueParams', Queue: 'sales', Max: 0, Strategy: 'ringall', Calls: 2, ActionID: 'floorwatch-resync-2' },
      { Event: 'QueueMember', Queue: 'sales', Name: 'Alice', Location: 'PJSIP/201', StateInterface: 'PJSIP/201', Membership: 'dynamic', Status: 1, Paused: 1, PausedReason: 'training', ActionID: 'floorwatch-resync-2' },
      { Event: 'QueueEntry', Queue: 'sales', Position: 1, Channel: 'PJSIP/trunk-00000001', Uniqueid: '1700000000.11', Wait: 50, ActionID: 'floorwatch-resync-2' },
      { Event: 'QueueEntry', Queue: 'sales', Position: 2, Channel: 'PJSIP/trunk-00000009', Uniqueid: '1700000000.30', Wait: 42, ActionID: 'floorwatch-resync-2' },
      { Event: 'QueueStatusComplete', ActionID: 'floorwatch-resync-2', EventList: 'Complete', ListItems: 4 },
    );
    expect(strip(mapAll(reply, {}, state))).toEqual([
      { ts: NOW, type: 'agent.state', agentId: 'PJSIP/201', state: 'not_ready', reason: 'training' },
      { ts: NOW - 42_000, type: 'call.queued', callId: '1700000000.30', queueId: 'sales' },
      { ts: NOW, type: 'agent.logout', agentId: 'PJSIP/202' },
      { ts: NOW, type: 'call.overflowed', callId: '1700000000.20', queueId: 'sales', toQueueId: 'lost' },
    ]);
    // The same reply again changes nothing.
    expect(mapAll(reply, {}, state)).toEqual([]);
  });

  it('a replay into a fresh state gives the same ids; a call that leaves without agent or abandon overflows', () => {
    const transcript = ami(
      { Event: 'QueueCallerJoin', ...caller, Position: 1, Count: 1 },
      { Event: 'QueueCallerLeave', ...caller, Position: 1, Count: 0 },
      { Event: 'QueueCallerJoin', ...caller, Queue: 'backup', Position: 1, Count: 1 },
      { Event: 'QueueCallerLeave', ...caller, Queue: 'backup', Position: 1, Count: 0 },
      { Event: 'Hangup', Channel: caller.Channel, Uniqueid: caller.Uniqueid, Cause: 16 },
    );
    const first = mapAll(transcript);
    expect(strip(first)).toEqual([
      { ts: NOW, type: 'call.queued', callId: '1700000000.11', queueId: 'sales' },
      { ts: NOW, type: 'call.overflowed', callId: '1700000000.11', queueId: 'sales', toQueueId: 'backup' },
      { ts: NOW, type: 'call.queued', callId: '1700000000.11#2', queueId: 'backup' },
      { ts: NOW, type: 'call.overflowed', callId: '1700000000.11#2', queueId: 'backup', toQueueId: 'exitkey' },
    ]);
    expect(mapAll(transcript).map((e) => e.id)).toEqual(first.map((e) => e.id));
    expectValidAndUnique(first);
  });

  it('frame time: Timestamp in seconds with a fraction, else the clock', () => {
    expect(frameTime(makeFrame([['Timestamp', '1409169929.412068']]), () => 5)).toBe(1409169929412);
    expect(frameTime(makeFrame([['Event', 'X']]), () => 5)).toBe(5);
    expect(frameTime(makeFrame([['Timestamp', 'soon']]), () => 5)).toBe(5);
  });
});

describe('AMI mapper: fuzz', () => {
  it('a garbled QueueEntry Wait (an epoch time) does not date the call before 1970 (found by the fuzz test)', () => {
    const ctx = { config: {}, state: newAmiMapperState(), now: () => NOW };
    const out = mapAmiFrame(makeFrame([['Event', 'QueueEntry'], ['Uniqueid', 'q2'], ['Queue', 'sales'], ['Wait', '1700000000.5']]), ctx);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ type: 'call.queued', ts: NOW });
    expectValidAndUnique(out);
  });

  const keys = ['Event', 'Queue', 'Interface', 'Location', 'Member', 'MemberName', 'Name', 'Status', 'Paused', 'PausedReason', 'Reason', 'Uniqueid', 'Wait', 'Timestamp', 'Message', 'Response'];
  const events = ['QueueMemberAdded', 'QueueMemberRemoved', 'QueueMemberStatus', 'QueueMemberPause', 'QueueMemberPaused', 'QueueMember', 'QueueEntry', 'QueueParams', 'QueueStatusComplete', 'QueueCallerJoin', 'Join', 'QueueCallerLeave', 'Leave', 'QueueCallerAbandon', 'AgentConnect', 'AgentComplete', 'AgentRingNoAnswer', 'Hangup'];
  const value = fc.oneof(fc.constantFrom('', ' ', '0', '1', '2', '5', '6', '8', 'q1', 'q2', 'PJSIP/1', 'PJSIP/2', 'u.1', 'u.2', '1700000000.5', 'x'.repeat(300)), fc.string({ maxLength: 20 }));
  const frame = fc.tuple(fc.constantFrom(...events), fc.array(fc.tuple(fc.constantFrom(...keys), value), { maxLength: 12 })).map(([ev, fields]) => makeFrame([['Event', ev], ...fields]));

  it('never throws and every event it emits passes the contract, with unique ids', () => {
    fc.assert(
      fc.property(fc.array(frame, { maxLength: 60 }), (frames) => {
        const ctx = { config: {}, state: newAmiMapperState(), now: () => NOW };
        const out = frames.flatMap((f) => mapAmiFrame(f, ctx));
        expectValidAndUnique(out);
      }),
      { numRuns: 400 },
    );
  });
});
