import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AcdEventInput, parseEvent } from '../../shared/events.js';
import {
  cloneConnectMapperState,
  type ConnectMapperState,
  type ConnectMappingConfig,
  DEFAULT_STALE_LIMIT_MS,
  expireStaleAgents,
  mapConnectBody,
  mapConnectRecord,
  newConnectMapperState,
  parseConnectBody,
  staleAgents,
} from '../../server/ingest/amazon-connect/index.js';

// The two AWS documentation samples, copied (comments removed, made valid JSON) into test/fixtures/amazon-connect:
// see its ATTRIBUTION.md.
const fixture = (name: string): string => readFileSync(fileURLToPath(new URL(`../fixtures/amazon-connect/${name}`, import.meta.url)), 'utf8');
const HEARTBEAT = (): Record<string, any> => JSON.parse(fixture('sample-agent-event-stream.json'));
const ACW = (): Array<Record<string, any>> => parseConnectBody(fixture('determine-acw-time.ndjson')).records.map((r) => r.record as Record<string, any>);

const NOW = 1_700_000_000_000;
const T = (iso: string): number => Date.parse(iso);

function mapAll(records: unknown[], config: ConnectMappingConfig = {}, state: ConnectMapperState = newConnectMapperState(), now = () => NOW): AcdEventInput[] {
  const out: AcdEventInput[] = [];
  for (const r of records) {
    const res = mapConnectRecord(r, { config, state, now });
    expect(res.error).toBeUndefined();
    out.push(...res.events);
  }
  return out;
}

const strip = (events: AcdEventInput[]) => events.map(({ id: _id, ...rest }) => rest);

function expectValidAndUnique(events: AcdEventInput[]): void {
  for (const e of events) expect(parseEvent(e)).toMatchObject({ ok: true });
  expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
}

// ------------------------------------------------------------------------------------------------ record builder
// Records shaped like the documented ones, for the sequences the two samples do not cover.

const AGENT_ARN = 'arn:aws:connect:eu-west-1:111122223333:instance/11111111-2222-3333-4444-555555555555/agent/a-1';
const QUEUE_ARN = 'arn:aws:connect:eu-west-1:111122223333:instance/11111111-2222-3333-4444-555555555555/queue/q-sales';

interface Contact {
  ContactId: string;
  State: string;
  Channel?: string;
  InitiationMethod?: string;
  QueueTimestamp?: string | null;
  ConnectedToAgentTimestamp?: string | null;
  StateStartTimestamp?: string;
  Queue?: { ARN: string; Name: string | null };
}

function contact(id: string, state: string, extra: Partial<Contact> = {}): Contact {
  return { ContactId: id, State: state, Channel: 'VOICE', InitiationMethod: 'INBOUND', Queue: { ARN: QUEUE_ARN, Name: 'Sales' }, ...extra };
}

let seq = 0;
function rec(o: {
  ts: string;
  type?: string;
  status?: string;
  statusType?: string;
  next?: string;
  contacts?: Contact[];
  profile?: string;
  username?: string;
  arn?: string;
  eventId?: string;
  groups?: Record<string, { Name: string }>;
}): Record<string, unknown> {
  const status: Record<string, unknown> = { ARN: 'status-arn', Name: o.status ?? 'Available', StartTimestamp: o.ts };
  if (o.statusType) status.Type = o.statusType;
  const snapshot: Record<string, unknown> = {
    AgentStatus: status,
    Configuration: {
      AgentHierarchyGroups: o.groups ?? null,
      FirstName: 'Ada',
      LastName: 'Byron',
      Username: o.username ?? 'ada',
      RoutingProfile: {
        ARN: 'rp-arn',
        Name: o.profile ?? 'Sales Profile',
        InboundQueues: [{ ARN: QUEUE_ARN, Name: 'Sales', Channels: ['VOICE'] }],
      },
    },
    Contacts: o.contacts ?? [],
  };
  if (o.next) snapshot.NextAgentStatus = { Name: o.next, ARN: 'next-arn', EnqueuedTimestamp: o.ts };
  return {
    AgentARN: o.arn ?? AGENT_ARN,
    CurrentAgentSnapshot: snapshot,
    EventId: o.eventId ?? `ev-${++seq}`,
    EventTimestamp: o.ts,
    EventType: o.type ?? 'STATE_CHANGE',
    Version: '2019-05-25',
  };
}

const LOGIN_A1 = (ts: string, extra: object = {}) => ({ ts: T(ts), type: 'agent.login', agentId: 'a-1', teamId: 'Sales Profile', name: 'Ada Byron', queues: ['Sales'], ...extra });
const STATE_A1 = (ts: string, state: string, reason?: string) => ({ ts: T(ts), type: 'agent.state', agentId: 'a-1', state, ...(reason ? { reason } : {}) });

// ------------------------------------------------------------------------------------------------ documentation samples

describe('Amazon Connect mapper on the documentation samples', () => {
  it('the HEART_BEAT sample: a login with the routing profile as team, then not ready for the pending "Lunch"', () => {
    const state = newConnectMapperState();
    const events = mapAll([HEARTBEAT()], {}, state);
    // The agent is ARN .../agent/agent-ARN, so its id is "agent-ARN". The sample is the first record we see of it, so it
    // is logged in: team = routing profile "AgentEventStreamProfile", name = FirstName LastName. Its inbound queues are
    // the agent's own queue (.../queue/agent/agent-ARN, Name null: transfers to this agent, not a real queue, left out)
    // and "Omni-channel-queue" (VOICE and CHAT). The default outbound queue is not an inbound queue.
    // Status: Available, but a NextAgentStatus "Lunch" is set, which stops Connect routing new contacts to the agent
    // until it takes effect; no contact is listed. So the agent is not ready with reason "Lunch" rather than idle.
    // Time = EventTimestamp 2019-08-13T20:58:44.031Z. The PreviousAgentSnapshot (Offline) plays no part.
    expect(strip(events)).toEqual([
      { ts: T('2019-08-13T20:58:44.031Z'), type: 'agent.login', agentId: 'agent-ARN', teamId: 'AgentEventStreamProfile', name: 'AgentEventStreamTest Agent', queues: ['Omni-channel-queue'] },
      { ts: T('2019-08-13T20:58:44.031Z'), type: 'agent.state', agentId: 'agent-ARN', state: 'not_ready', reason: 'Lunch' },
    ]);
    // Ids come from the EventId.
    expect(events.map((e) => e.id)).toEqual(['connect:EventId-1:login', 'connect:EventId-1:state']);
    expectValidAndUnique(events);

    // The same record again (a Kinesis redelivery), then the next heartbeat two minutes later with nothing changed: nothing.
    const later = { ...HEARTBEAT(), EventId: 'EventId-2', EventTimestamp: '2019-08-13T21:00:44.031Z' };
    expect(mapAll([HEARTBEAT(), later], {}, state)).toEqual([]);

    // Once the next status is cleared, Available without contacts is idle.
    const cleared = HEARTBEAT();
    delete cleared.CurrentAgentSnapshot.NextAgentStatus;
    cleared.EventId = 'EventId-3';
    cleared.EventTimestamp = '2019-08-13T21:01:00.000Z';
    expect(strip(mapAll([cleared], {}, state))).toEqual([{ ts: T('2019-08-13T21:01:00.000Z'), type: 'agent.state', agentId: 'agent-ARN', state: 'idle' }]);
  });

  it('the after-call-work samples: an outbound call dialled by the agent, its ACW from ENDED, then ready again', () => {
    const [ended, done] = ACW();
    // The first record's PreviousAgentSnapshot is the agent on the call (ContactId-1 CONNECTED since 18:55:21.011);
    // as a record of its own (what the stream sent 6 s earlier) it shows the state before ACW.
    const connected = { ...ended!, EventId: 'EventId-0', EventTimestamp: '2019-05-25T18:55:21.011Z', CurrentAgentSnapshot: ended!.PreviousAgentSnapshot };
    const events = mapAll([connected, ended, done]);
    // The call was dialled by the agent (InitiationMethod OUTBOUND, QueueTimestamp null): the agent is "outbound", and
    // no queue call is reported (it never waited in a queue; BasicQueue is only the default outbound queue).
    // 18:55:27.017 the contact is ENDED but still listed: after-call work (the doc's "entered ACW" time).
    // 18:55:32.022 no contact is listed any more: ACW is over, the agent is Available again -> idle. 5.005 s of wrap,
    // the doc's own result.
    const who = { agentId: 'agent-ARN' };
    expect(strip(events)).toEqual([
      { ts: T('2019-05-25T18:55:21.011Z'), type: 'agent.login', ...who, teamId: 'Basic Routing Profile', name: '(Removed) (Removed)', queues: ['BasicQueue', 'PrimaryQueue'] },
      { ts: T('2019-05-25T18:55:21.011Z'), type: 'agent.state', ...who, state: 'outbound' },
      { ts: T('2019-05-25T18:55:27.017Z'), type: 'agent.state', ...who, state: 'wrap' },
      { ts: T('2019-05-25T18:55:32.022Z'), type: 'agent.state', ...who, state: 'idle' },
    ]);
    const wrap = events.find((e) => e.type === 'agent.state' && e.state === 'wrap')!;
    const idle = events.find((e) => e.type === 'agent.state' && e.state === 'idle')!;
    expect(Number(idle.ts) - Number(wrap.ts)).toBe(5005);
    expectValidAndUnique(events);
  });

  it('the ACW samples alone, as the first records seen: login + wrap, then idle', () => {
    const events = mapAll(ACW());
    expect(strip(events).map((e) => ('state' in e ? e.state : e.type))).toEqual(['agent.login', 'wrap', 'idle']);
    expectValidAndUnique(events);
  });

  it('the same ACW samples with the call inbound from a queue: queued, answered, talking -> wrap + ended -> idle', () => {
    // The samples' contact turned into a queue call: INBOUND, queued in BasicQueue at 18:54:50.
    const inbound = (r: Record<string, any>) => {
      const copy = structuredClone(r);
      for (const snap of [copy.CurrentAgentSnapshot, copy.PreviousAgentSnapshot]) {
        for (const c of snap.Contacts) Object.assign(c, { InitiationMethod: 'INBOUND', QueueTimestamp: '2019-05-25T18:54:50.000Z' });
      }
      return copy;
    };
    const [ended, done] = ACW().map(inbound);
    const connected = { ...ended!, EventId: 'EventId-0', EventTimestamp: '2019-05-25T18:55:21.011Z', CurrentAgentSnapshot: ended!.PreviousAgentSnapshot };
    const events = mapAll([connected, ended, done]);
    const who = { agentId: 'agent-ARN' };
    expect(strip(events)).toEqual([
      { ts: T('2019-05-25T18:55:21.011Z'), type: 'agent.login', ...who, teamId: 'Basic Routing Profile', name: '(Removed) (Removed)', queues: ['BasicQueue', 'PrimaryQueue'] },
      // The wait is known from QueueTimestamp: queued at 18:54:50, answered at ConnectedToAgentTimestamp (31.011 s).
      { ts: T('2019-05-25T18:54:50.000Z'), type: 'call.queued', callId: 'ContactId-1', queueId: 'BasicQueue' },
      { ts: T('2019-05-25T18:55:21.011Z'), type: 'call.answered', callId: 'ContactId-1', queueId: 'BasicQueue', ...who },
      { ts: T('2019-05-25T18:55:21.011Z'), type: 'agent.state', ...who, state: 'talking' },
      // ENDED: the conversation is over at its StateStartTimestamp, after-call work begins.
      { ts: T('2019-05-25T18:55:27.017Z'), type: 'agent.state', ...who, state: 'wrap' },
      { ts: T('2019-05-25T18:55:27.017Z'), type: 'call.ended', callId: 'ContactId-1', ...who },
      { ts: T('2019-05-25T18:55:32.022Z'), type: 'agent.state', ...who, state: 'idle' },
    ]);
    expect(events.filter((e) => e.type.startsWith('call.')).map((e) => e.id)).toEqual([
      'connect:call:ContactId-1:queued',
      'connect:call:ContactId-1:answered',
      'connect:call:ContactId-1:ended',
    ]);
    expectValidAndUnique(events);
  });
});

// ------------------------------------------------------------------------------------------------ sequences

describe('Amazon Connect mapper: agent states and calls', () => {
  it('after-call work: CONNECTED -> ENDED -> Available gives talking -> wrap -> idle with call.answered / call.ended', () => {
    const events = mapAll([
      rec({ ts: '2026-03-02T09:00:00.000Z' }),
      rec({ ts: '2026-03-02T09:01:00.000Z', contacts: [contact('c-1', 'INCOMING', { QueueTimestamp: '2026-03-02T09:00:40.000Z', StateStartTimestamp: '2026-03-02T09:01:00.000Z' })] }),
      rec({
        ts: '2026-03-02T09:01:05.000Z',
        contacts: [contact('c-1', 'CONNECTED', { QueueTimestamp: '2026-03-02T09:00:40.000Z', ConnectedToAgentTimestamp: '2026-03-02T09:01:05.000Z', StateStartTimestamp: '2026-03-02T09:01:05.000Z' })],
      }),
      rec({
        ts: '2026-03-02T09:02:00.000Z',
        contacts: [contact('c-1', 'CONNECTED_ONHOLD', { QueueTimestamp: '2026-03-02T09:00:40.000Z', ConnectedToAgentTimestamp: '2026-03-02T09:01:05.000Z', StateStartTimestamp: '2026-03-02T09:02:00.000Z' })],
      }),
      rec({
        ts: '2026-03-02T09:02:30.000Z',
        contacts: [contact('c-1', 'CONNECTED', { QueueTimestamp: '2026-03-02T09:00:40.000Z', ConnectedToAgentTimestamp: '2026-03-02T09:01:05.000Z', StateStartTimestamp: '2026-03-02T09:02:30.000Z' })],
      }),
      rec({
        ts: '2026-03-02T09:04:00.000Z',
        contacts: [contact('c-1', 'ENDED', { QueueTimestamp: '2026-03-02T09:00:40.000Z', ConnectedToAgentTimestamp: '2026-03-02T09:01:05.000Z', StateStartTimestamp: '2026-03-02T09:04:00.000Z' })],
      }),
      rec({ ts: '2026-03-02T09:04:45.000Z' }),
    ]);
    expect(strip(events)).toEqual([
      LOGIN_A1('2026-03-02T09:00:00.000Z'),
      STATE_A1('2026-03-02T09:00:00.000Z', 'idle'),
      STATE_A1('2026-03-02T09:01:00.000Z', 'ringing'),
      { ts: T('2026-03-02T09:00:40.000Z'), type: 'call.queued', callId: 'c-1', queueId: 'Sales' },
      { ts: T('2026-03-02T09:01:05.000Z'), type: 'call.answered', callId: 'c-1', queueId: 'Sales', agentId: 'a-1' },
      STATE_A1('2026-03-02T09:01:05.000Z', 'talking'),
      STATE_A1('2026-03-02T09:02:00.000Z', 'hold'),
      STATE_A1('2026-03-02T09:02:30.000Z', 'talking'),
      STATE_A1('2026-03-02T09:04:00.000Z', 'wrap'),
      { ts: T('2026-03-02T09:04:00.000Z'), type: 'call.ended', callId: 'c-1', agentId: 'a-1' },
      STATE_A1('2026-03-02T09:04:45.000Z', 'idle'),
    ]);
    expectValidAndUnique(events);
  });

  it('contact state wins over the status: Available + CONNECTED is talking, Break + ENDED is wrap, Offline + CONNECTED is talking', () => {
    const c = (state: string, extra: Partial<Contact> = {}) => [contact('c-9', state, { ConnectedToAgentTimestamp: '2026-03-02T09:00:00.000Z', ...extra })];
    const cases: Array<[Parameters<typeof rec>[0], string, string?]> = [
      [{ ts: '2026-03-02T09:00:00.000Z', contacts: c('CONNECTED') }, 'talking'],
      [{ ts: '2026-03-02T09:00:00.000Z', status: 'Break', contacts: c('CONNECTED') }, 'talking'],
      [{ ts: '2026-03-02T09:00:00.000Z', status: 'Break', contacts: c('ENDED') }, 'wrap'],
      [{ ts: '2026-03-02T09:00:00.000Z', status: 'Offline', contacts: c('CONNECTED') }, 'talking'],
      [{ ts: '2026-03-02T09:00:00.000Z', contacts: c('CONNECTED_ONHOLD') }, 'hold'],
      [{ ts: '2026-03-02T09:00:00.000Z', contacts: c('PENDING', { ConnectedToAgentTimestamp: null }) }, 'ringing'],
      [{ ts: '2026-03-02T09:00:00.000Z', contacts: c('CONNECTING', { ConnectedToAgentTimestamp: null, InitiationMethod: 'OUTBOUND' }) }, 'outbound'],
      [{ ts: '2026-03-02T09:00:00.000Z', contacts: c('CONNECTED', { InitiationMethod: 'OUTBOUND' }) }, 'outbound'],
      // a held call and a consult being dialled: the held customer decides
      [{ ts: '2026-03-02T09:00:00.000Z', contacts: [...c('CONNECTED_ONHOLD'), contact('c-10', 'CONNECTING', { InitiationMethod: 'OUTBOUND' })] }, 'hold'],
      // missed, rejected, failed: the status decides
      [{ ts: '2026-03-02T09:00:00.000Z', contacts: c('MISSED', { ConnectedToAgentTimestamp: null }) }, 'idle'],
      [{ ts: '2026-03-02T09:00:00.000Z', status: 'Training', contacts: c('ERROR', { ConnectedToAgentTimestamp: null }) }, 'not_ready', 'Training'],
      [{ ts: '2026-03-02T09:00:00.000Z', status: 'Lunch' }, 'not_ready', 'Lunch'],
      // Type decides over the name: a site that renamed Available
      [{ ts: '2026-03-02T09:00:00.000Z', status: 'Ready', statusType: 'ROUTABLE' }, 'idle'],
      [{ ts: '2026-03-02T09:00:00.000Z', status: 'Available', statusType: 'CUSTOM' }, 'not_ready', 'Available'],
      // chats, tasks and a supervisor's monitor session are not calls
      [{ ts: '2026-03-02T09:00:00.000Z', contacts: [contact('ch-1', 'CONNECTED', { Channel: 'CHAT' }), contact('t-1', 'CONNECTED', { Channel: 'TASK' })] }, 'idle'],
      [{ ts: '2026-03-02T09:00:00.000Z', contacts: c('CONNECTED', { InitiationMethod: 'MONITOR' }) }, 'idle'],
    ];
    for (const [r, st, reason] of cases) {
      const events = mapAll([rec(r)]);
      const state = events.find((e) => e.type === 'agent.state');
      expect({ r: JSON.stringify(r).slice(0, 300), state: state && { state: state.state, reason: state.reason } }).toEqual({ r: JSON.stringify(r).slice(0, 300), state: { state: st, reason } });
      expectValidAndUnique(events);
    }
  });

  it('chats and tasks give no call events; a missed call gives none and the agent who answers it later gives them once', () => {
    expect(mapAll([rec({ ts: '2026-03-02T09:00:00.000Z', contacts: [contact('ch-1', 'CONNECTED', { Channel: 'CHAT', QueueTimestamp: '2026-03-02T08:59:00.000Z' })] })]).filter((e) => e.type.startsWith('call.'))).toEqual([]);
    const state = newConnectMapperState();
    const b = 'arn:aws:connect:eu-west-1:111122223333:instance/x/agent/b-2';
    const q = { QueueTimestamp: '2026-03-02T09:00:00.000Z' };
    const events = mapAll(
      [
        rec({ ts: '2026-03-02T09:00:10.000Z', contacts: [contact('c-5', 'INCOMING', q)] }),
        rec({ ts: '2026-03-02T09:00:30.000Z', contacts: [contact('c-5', 'MISSED', q)] }),
        rec({ ts: '2026-03-02T09:00:31.000Z', arn: b, username: 'bob', contacts: [contact('c-5', 'CONNECTED', { ...q, ConnectedToAgentTimestamp: '2026-03-02T09:00:31.000Z' })] }),
        // b-2's next heartbeat repeats the contact: nothing new
        rec({ ts: '2026-03-02T09:02:31.000Z', arn: b, username: 'bob', type: 'HEART_BEAT', contacts: [contact('c-5', 'CONNECTED', { ...q, ConnectedToAgentTimestamp: '2026-03-02T09:00:31.000Z' })] }),
      ],
      {},
      state,
    );
    expect(strip(events).filter((e) => e.type.startsWith('call.') || ('agentId' in e && e.agentId === 'a-1'))).toEqual([
      LOGIN_A1('2026-03-02T09:00:10.000Z'),
      STATE_A1('2026-03-02T09:00:10.000Z', 'ringing'),
      STATE_A1('2026-03-02T09:00:30.000Z', 'idle'),
      { ts: T('2026-03-02T09:00:00.000Z'), type: 'call.queued', callId: 'c-5', queueId: 'Sales' },
      { ts: T('2026-03-02T09:00:31.000Z'), type: 'call.answered', callId: 'c-5', queueId: 'Sales', agentId: 'b-2' },
    ]);
    expectValidAndUnique(events);
  });

  it('a call that leaves the snapshot without ENDED (a missed record) ends at the next record; transfers to an agent queue are not queue calls', () => {
    const events = mapAll([
      rec({ ts: '2026-03-02T09:00:00.000Z', contacts: [contact('c-1', 'CONNECTED', { QueueTimestamp: '2026-03-02T08:59:00.000Z', ConnectedToAgentTimestamp: '2026-03-02T09:00:00.000Z' })] }),
      rec({ ts: '2026-03-02T09:03:00.000Z' }),
      rec({
        ts: '2026-03-02T09:05:00.000Z',
        contacts: [contact('c-2', 'CONNECTED', { InitiationMethod: 'TRANSFER', QueueTimestamp: '2026-03-02T09:04:50.000Z', Queue: { ARN: 'arn:aws:connect:eu-west-1:1:instance/x/queue/agent/a-1', Name: null } })],
      }),
    ]);
    expect(strip(events).filter((e) => e.type !== 'agent.login')).toEqual([
      { ts: T('2026-03-02T08:59:00.000Z'), type: 'call.queued', callId: 'c-1', queueId: 'Sales' },
      { ts: T('2026-03-02T09:00:00.000Z'), type: 'call.answered', callId: 'c-1', queueId: 'Sales', agentId: 'a-1' },
      STATE_A1('2026-03-02T09:00:00.000Z', 'talking'),
      STATE_A1('2026-03-02T09:03:00.000Z', 'idle'),
      { ts: T('2026-03-02T09:03:00.000Z'), type: 'call.ended', callId: 'c-1', agentId: 'a-1' },
      STATE_A1('2026-03-02T09:05:00.000Z', 'talking'),
    ]);
    expectValidAndUnique(events);
  });

  it('heartbeats with no change emit nothing; a routing profile change sends a new login', () => {
    const state = newConnectMapperState();
    const first = mapAll([rec({ ts: '2026-03-02T09:00:00.000Z', status: 'Break' })], {}, state);
    expect(strip(first)).toEqual([LOGIN_A1('2026-03-02T09:00:00.000Z'), STATE_A1('2026-03-02T09:00:00.000Z', 'not_ready', 'Break')]);
    const beats = Array.from({ length: 10 }, (_, i) => rec({ ts: new Date(T('2026-03-02T09:02:00.000Z') + i * 120_000).toISOString(), status: 'Break', type: 'HEART_BEAT' }));
    expect(mapAll(beats, {}, state)).toEqual([]);
    const moved = mapAll([rec({ ts: '2026-03-02T09:30:00.000Z', status: 'Break', profile: 'Support Profile' })], {}, state);
    expect(strip(moved)).toEqual([LOGIN_A1('2026-03-02T09:30:00.000Z', { teamId: 'Support Profile' })]);
  });

  it('teams from the config map or a hierarchy level; queue ids and reasons from the config', () => {
    const groups = { Level1: { Name: 'North' }, Level2: { Name: 'Team Alpha' } };
    const r = () => rec({ ts: '2026-03-02T09:00:00.000Z', status: 'Coffee', groups });
    const team = (config: ConnectMappingConfig) => (mapAll([r()], config)[0] as { teamId: string }).teamId;
    expect(team({})).toBe('Sales Profile');
    expect(team({ teamFrom: 'hierarchyLevel2' })).toBe('Team Alpha');
    expect(team({ teamFrom: 'hierarchyLevel3' })).toBe('unassigned');
    expect(team({ teamFrom: 'hierarchyLevel3', defaultTeam: 'floor' })).toBe('floor');
    expect(team({ teams: { ada: 'night' } })).toBe('night');
    expect(team({ teams: { 'Sales Profile': 'sales' } })).toBe('sales');
    const events = mapAll([r()], { queues: { [QUEUE_ARN]: 'sales-q' }, reasons: { Coffee: 'break' }, agentIds: { ada: 'ada.byron' } });
    expect(strip(events)).toEqual([
      LOGIN_A1('2026-03-02T09:00:00.000Z', { agentId: 'ada.byron', queues: ['sales-q'] }),
      { ...STATE_A1('2026-03-02T09:00:00.000Z', 'not_ready', 'break'), agentId: 'ada.byron' },
    ]);
    const noReason = mapAll([r()], { passReasons: false });
    expect(strip(noReason)[1]).toEqual(STATE_A1('2026-03-02T09:00:00.000Z', 'not_ready'));
  });

  it('LOGIN, LOGOUT and Offline: Offline is logged out, heartbeats after a LOGOUT do not log in again, a state change does', () => {
    const state = newConnectMapperState();
    const run = (...records: Array<Record<string, unknown>>) => strip(mapAll(records, {}, state));
    // The CCP opens in Offline: not working. First sight of the agent, so Floorwatch is told once (it may have the
    // agent logged in from before a restart).
    expect(run(rec({ ts: '2026-03-02T08:00:00.000Z', type: 'LOGIN', status: 'Offline' }))).toEqual([{ ts: T('2026-03-02T08:00:00.000Z'), type: 'agent.logout', agentId: 'a-1' }]);
    expect(run(rec({ ts: '2026-03-02T08:02:00.000Z', type: 'HEART_BEAT', status: 'Offline' }))).toEqual([]);
    expect(run(rec({ ts: '2026-03-02T08:03:00.000Z' }))).toEqual([LOGIN_A1('2026-03-02T08:03:00.000Z'), STATE_A1('2026-03-02T08:03:00.000Z', 'idle')]);
    expect(run(rec({ ts: '2026-03-02T12:00:00.000Z', status: 'Offline' }))).toEqual([{ ts: T('2026-03-02T12:00:00.000Z'), type: 'agent.logout', agentId: 'a-1' }]);
    expect(run(rec({ ts: '2026-03-02T12:30:00.000Z', status: 'Lunch' }))).toEqual([LOGIN_A1('2026-03-02T12:30:00.000Z'), STATE_A1('2026-03-02T12:30:00.000Z', 'not_ready', 'Lunch')]);
    // A LOGOUT record (its snapshot is not needed).
    expect(run({ AgentARN: AGENT_ARN, EventType: 'LOGOUT', EventId: 'out-1', EventTimestamp: '2026-03-02T17:00:00.000Z' })).toEqual([
      { ts: T('2026-03-02T17:00:00.000Z'), type: 'agent.logout', agentId: 'a-1' },
    ]);
    expect(run(rec({ ts: '2026-03-02T17:02:00.000Z', type: 'HEART_BEAT' }))).toEqual([]);
    expect(run(rec({ ts: '2026-03-02T17:04:00.000Z', type: 'LOGIN' }))).toEqual([LOGIN_A1('2026-03-02T17:04:00.000Z'), STATE_A1('2026-03-02T17:04:00.000Z', 'idle')]);
  });

  it('a batch mapped into a clone leaves the state alone, so a batch that failed to apply maps the same again', () => {
    const state = newConnectMapperState();
    mapAll([rec({ ts: '2026-03-02T09:00:00.000Z' })], {}, state);
    const batch = [
      rec({ ts: '2026-03-02T09:01:00.000Z', eventId: 'x1', contacts: [contact('c-1', 'CONNECTED', { QueueTimestamp: '2026-03-02T09:00:30.000Z', ConnectedToAgentTimestamp: '2026-03-02T09:01:00.000Z' })] }),
      rec({ ts: '2026-03-02T09:03:00.000Z', eventId: 'x2', contacts: [contact('c-1', 'ENDED', { QueueTimestamp: '2026-03-02T09:00:30.000Z', ConnectedToAgentTimestamp: '2026-03-02T09:01:00.000Z' })] }),
    ];
    const draft = cloneConnectMapperState(state);
    const first = mapAll(batch, {}, draft);
    expect(first.map((e) => e.type)).toEqual(['call.queued', 'call.answered', 'agent.state', 'agent.state', 'call.ended']);
    // Applying failed: the draft is dropped and the forwarder sends the batch again.
    const retry = mapAll(batch, {}, cloneConnectMapperState(state));
    expect(retry).toEqual(first);
    // Without the clone the retry would give nothing: the state had moved on.
    expect(mapAll(batch, {}, draft)).toEqual([]);
  });

  it('a record older than the agent\'s last one is skipped without error; a restart re-derives the same call events', () => {
    const state = newConnectMapperState();
    const call = contact('c-7', 'CONNECTED', { QueueTimestamp: '2026-03-02T08:59:30.000Z', ConnectedToAgentTimestamp: '2026-03-02T09:00:00.000Z' });
    const a = mapAll([rec({ ts: '2026-03-02T09:00:00.000Z', contacts: [call] })], {}, state);
    const old = mapConnectRecord(rec({ ts: '2026-03-02T08:59:00.000Z', status: 'Break' }), { config: {}, state, now: () => NOW });
    expect(old).toEqual({ events: [] });
    // Floorwatch restarted: a fresh state sees the next heartbeat. The call events have the same ids and times as
    // before, so Floorwatch drops them as duplicates; the agent events are new (new EventId) and change nothing.
    const b = mapAll([rec({ ts: '2026-03-02T09:02:00.000Z', type: 'HEART_BEAT', contacts: [call] })]);
    const calls = (events: AcdEventInput[]) => events.filter((e) => e.type.startsWith('call.'));
    expect(calls(b)).toEqual(calls(a));
    expect(calls(a)).toHaveLength(2);
  });
});

// ------------------------------------------------------------------------------------------------ staleness

describe('Amazon Connect staleness', () => {
  it('agents silent past the limit are stale; expiring logs them out once; a later record logs them in again', () => {
    const state = newConnectMapperState();
    const b = 'arn:aws:connect:eu-west-1:111122223333:instance/x/agent/b-2';
    const c = 'arn:aws:connect:eu-west-1:111122223333:instance/x/agent/c-3';
    mapAll(
      [
        rec({ ts: '2026-03-02T09:00:00.000Z' }),
        rec({ ts: '2026-03-02T09:00:00.000Z', arn: b, username: 'bob' }),
        rec({ ts: '2026-03-02T09:00:00.000Z', arn: c, username: 'cy', status: 'Offline' }),
        rec({ ts: '2026-03-02T09:04:00.000Z', arn: b, username: 'bob', type: 'HEART_BEAT' }),
      ],
      {},
      state,
    );
    const at = (iso: string) => T(iso);
    // 09:04:59: a-1 silent for 299 s, within the default 300 s (two missed 120 s heartbeats and a minute of slack).
    expect(DEFAULT_STALE_LIMIT_MS).toBe(300_000);
    expect(staleAgents(state, at('2026-03-02T09:04:59.000Z'))).toEqual([]);
    // 09:05:01: a-1 is stale; b-2 spoke at 09:04; c-3 is offline (logged out), so it is not stale whatever its age.
    expect(staleAgents(state, at('2026-03-02T09:05:01.000Z'))).toEqual([{ agentId: 'a-1', lastSeen: at('2026-03-02T09:00:00.000Z') }]);
    expect(staleAgents(state, at('2026-03-02T09:05:01.000Z'), 60_000).map((s) => s.agentId)).toEqual(['a-1', 'b-2']);
    // staleAgents changes nothing; expireStaleAgents logs out at the time given.
    const out = expireStaleAgents(state, at('2026-03-02T09:05:01.000Z'));
    expect(out).toEqual([{ id: `connect:stale:a-1:${at('2026-03-02T09:05:01.000Z')}`, ts: at('2026-03-02T09:05:01.000Z'), type: 'agent.logout', agentId: 'a-1' }]);
    expectValidAndUnique(out);
    expect(expireStaleAgents(state, at('2026-03-02T09:06:00.000Z'))).toEqual([]);
    expect(staleAgents(state, at('2026-03-02T10:00:00.000Z')).map((s) => s.agentId)).toEqual(['b-2']);
    // a-1 comes back (its browser reconnected): logged in and its state sent again.
    expect(strip(mapAll([rec({ ts: '2026-03-02T09:07:00.000Z', type: 'HEART_BEAT' })], {}, state))).toEqual([
      LOGIN_A1('2026-03-02T09:07:00.000Z'),
      STATE_A1('2026-03-02T09:07:00.000Z', 'idle'),
    ]);
  });
});

// ------------------------------------------------------------------------------------------------ bad input

describe('Amazon Connect mapper on bad input', () => {
  const ctx = () => ({ config: {}, state: newConnectMapperState(), now: () => NOW });

  it('records that cannot be used give an error and no events', () => {
    const good = rec({ ts: '2026-03-02T09:00:00.000Z' });
    const without = (path: string[]) => {
      const r = structuredClone(good) as Record<string, any>;
      let o = r;
      for (const k of path.slice(0, -1)) o = o[k];
      delete o[path[path.length - 1]!];
      return r;
    };
    const cases: Array<[unknown, RegExp]> = [
      [null, /JSON object/],
      [[good], /JSON object/],
      ['STATE_CHANGE', /JSON object/],
      [{}, /^EventType: required/],
      [{ ...good, EventType: 'AGENT_CHANGED' }, /^EventType: unknown "AGENT_CHANGED"/],
      [{ ...good, EventType: 7 }, /^EventType: required/],
      [without(['AgentARN']), /^AgentARN: required/],
      [{ ...good, AgentARN: 'arn:aws:connect:x/agent/' }, /^AgentARN: required/],
      [{ ...good, EventTimestamp: 'yesterday' }, /^EventTimestamp:/],
      [{ ...good, EventTimestamp: '2026-03-02 09:00' }, /^EventTimestamp:/],
      [{ ...good, EventTimestamp: -5 }, /^EventTimestamp:/],
      [without(['CurrentAgentSnapshot']), /^CurrentAgentSnapshot: required/],
      [{ ...good, CurrentAgentSnapshot: [] }, /^CurrentAgentSnapshot: required/],
      [without(['CurrentAgentSnapshot', 'AgentStatus']), /AgentStatus.Name: required/],
    ];
    for (const [record, error] of cases) {
      const r = mapConnectRecord(record, ctx());
      expect(r.events).toEqual([]);
      expect(r.error).toMatch(error);
    }
  });

  it('tolerates odd parts: no EventTimestamp (the clock), no EventId, junk contacts, no configuration', () => {
    const r = rec({ ts: '2026-03-02T09:00:00.000Z', contacts: [null, 5, { State: 'CONNECTED', Channel: 'VOICE' }, { ContactId: 'c-1' }] as unknown as Contact[] }) as Record<string, any>;
    delete r.EventTimestamp;
    delete r.EventId;
    delete r.CurrentAgentSnapshot.Configuration;
    const res = mapConnectRecord(r, ctx());
    expect(res.error).toBeUndefined();
    // The contact without id still makes the agent talking; it cannot give call events.
    expect(strip(res.events)).toEqual([
      { ts: NOW, type: 'agent.login', agentId: 'a-1', teamId: 'unassigned' },
      { ts: NOW, type: 'agent.state', agentId: 'a-1', state: 'talking' },
    ]);
    expect(res.events[0]!.id).toBe(`connect:a-1:${NOW}:STATE_CHANGE:login`);
    expectValidAndUnique(res.events);
  });

  it('long ids are shortened and stay unique; an EventId that recurs is numbered', () => {
    const state = newConnectMapperState();
    const long = 'x'.repeat(250);
    const events = mapAll(
      [
        rec({ ts: '2026-03-02T09:00:00.000Z', eventId: long, arn: `arn:aws:connect:x/agent/${'a'.repeat(230)}`, contacts: [contact('k'.repeat(256), 'CONNECTED', { QueueTimestamp: '2026-03-02T08:59:00.000Z' })] }),
        rec({ ts: '2026-03-02T09:01:00.000Z', eventId: long, arn: `arn:aws:connect:x/agent/${'a'.repeat(230)}`, status: 'Break' }),
      ],
      {},
      state,
    );
    expect(events.length).toBeGreaterThan(4);
    expectValidAndUnique(events);
  });

  it('never throws and emits only valid events, for any JSON value (fuzz)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const res = mapConnectRecord(value, ctx());
        expect(res.error === undefined || res.events.length === 0).toBe(true);
        for (const e of res.events) expect(parseEvent(e)).toMatchObject({ ok: true });
      }),
      { numRuns: 500 },
    );
  });

  it('never throws and keeps events valid and ids unique over sequences of record-shaped junk (fuzz)', () => {
    const time = fc.oneof(
      fc.integer({ min: 0, max: 600 }).map((s) => new Date(T('2026-03-02T09:00:00.000Z') + s * 1000).toISOString()),
      fc.constantFrom(null, '', 'now', '2026-13-45T99:99:99Z', 0, -1, 1.5),
      fc.jsonValue(),
    );
    const text = (...xs: string[]) => fc.oneof(fc.constantFrom(...xs), fc.string({ maxLength: 12 }), fc.constant('y'.repeat(300)), fc.jsonValue());
    const contactArb = fc.record(
      {
        ContactId: text('c-1', 'c-2', 'c-3', ' '),
        State: text('INCOMING', 'PENDING', 'CONNECTING', 'CONNECTED', 'CONNECTED_ONHOLD', 'MISSED', 'REJECTED', 'ERROR', 'ENDED'),
        Channel: text('VOICE', 'CHAT', 'TASK'),
        InitiationMethod: text('INBOUND', 'OUTBOUND', 'TRANSFER', 'CALLBACK', 'API', 'MONITOR'),
        QueueTimestamp: time,
        ConnectedToAgentTimestamp: time,
        StateStartTimestamp: time,
        Queue: fc.oneof(fc.record({ ARN: text(QUEUE_ARN, 'arn:x/queue/agent/a-1', ''), Name: text('Sales', 'Support', '') }, { requiredKeys: [] }), fc.jsonValue()),
      },
      { requiredKeys: [] },
    );
    const snapshotArb = fc.record(
      {
        AgentStatus: fc.oneof(fc.record({ Name: text('Available', 'Offline', 'Break', ''), Type: text('ROUTABLE', 'CUSTOM', 'OFFLINE') }, { requiredKeys: [] }), fc.jsonValue()),
        NextAgentStatus: fc.oneof(fc.record({ Name: text('Lunch', '') }, { requiredKeys: [] }), fc.jsonValue()),
        Contacts: fc.oneof(fc.array(fc.oneof(contactArb, fc.jsonValue()), { maxLength: 4 }), fc.jsonValue()),
        Configuration: fc.oneof(
          fc.record(
            {
              FirstName: text('Ada', ''),
              LastName: text('Byron'),
              Username: text('ada', 'bob'),
              RoutingProfile: fc.oneof(fc.record({ Name: text('Sales Profile', 'Support'), ARN: text('rp'), InboundQueues: fc.oneof(fc.array(fc.jsonValue(), { maxLength: 3 }), fc.jsonValue()) }, { requiredKeys: [] }), fc.jsonValue()),
              AgentHierarchyGroups: fc.jsonValue(),
            },
            { requiredKeys: [] },
          ),
          fc.jsonValue(),
        ),
      },
      { requiredKeys: [] },
    );
    const recordArb = fc.record(
      {
        AgentARN: text(AGENT_ARN, 'arn:aws:connect:x/agent/b-2', 'arn:x/agent/'),
        EventType: text('LOGIN', 'LOGOUT', 'STATE_CHANGE', 'HEART_BEAT'),
        EventId: text('e-1', 'e-2', 'e-3'),
        EventTimestamp: time,
        CurrentAgentSnapshot: fc.oneof(snapshotArb, fc.jsonValue()),
        PreviousAgentSnapshot: fc.oneof(snapshotArb, fc.jsonValue()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 25 }), fc.integer({ min: 0, max: 900 }), (records, staleAt) => {
        const state = newConnectMapperState();
        const all: AcdEventInput[] = [];
        for (const r of records) {
          const res = mapConnectRecord(r, { config: {}, state, now: () => NOW });
          if (res.error) expect(res.events).toEqual([]);
          all.push(...res.events);
        }
        all.push(...expireStaleAgents(state, T('2026-03-02T09:00:00.000Z') + staleAt * 1000, 60_000));
        for (const e of all) expect(parseEvent(e)).toMatchObject({ ok: true });
        expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
      }),
      { numRuns: 400 },
    );
  });
});

// ------------------------------------------------------------------------------------------------ bodies

describe('parseConnectBody', () => {
  const A = rec({ ts: '2026-03-02T09:00:00.000Z', eventId: 'A' });
  const B = rec({ ts: '2026-03-02T09:00:01.000Z', eventId: 'B' });

  it('reads a JSON array, NDJSON, one object, and a Lambda Kinesis event', () => {
    expect(parseConnectBody(JSON.stringify([A, B]))).toEqual({ records: [{ index: 0, record: A }, { index: 1, record: B }], errors: [] });
    expect(parseConnectBody(`${JSON.stringify(A)}\r\n\n${JSON.stringify(B)}\n`)).toEqual({ records: [{ index: 0, record: A }, { index: 1, record: B }], errors: [] });
    expect(parseConnectBody('\uFEFF' + JSON.stringify(A, null, 2))).toEqual({ records: [{ index: 0, record: A }], errors: [] });
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');
    const kinesis = { Records: [{ kinesis: { data: b64(A), partitionKey: 'x' }, eventSource: 'aws:kinesis' }, { kinesis: {} }, { kinesis: { data: 'bm90IGpzb24=' } }, { kinesis: { data: b64(B) } }] };
    const k = parseConnectBody(JSON.stringify(kinesis));
    expect(k.records).toEqual([{ index: 0, record: A }, { index: 3, record: B }]);
    expect(k.errors.map((e) => e.index)).toEqual([1, 2]);
    expect(parseConnectBody('')).toEqual({ records: [], errors: [] });
    expect(parseConnectBody('  \n ')).toEqual({ records: [], errors: [] });
  });

  it('bad lines become errors with their index; a broken array is one error', () => {
    const r = parseConnectBody(`${JSON.stringify(A)}\n{"EventType": \nnot json\n${JSON.stringify(B)}`);
    expect(r.records.map((x) => x.index)).toEqual([0, 3]);
    expect(r.errors).toEqual([
      { index: 1, error: expect.stringMatching(/^not valid JSON/) },
      { index: 2, error: expect.stringMatching(/^not valid JSON/) },
    ]);
    const broken = parseConnectBody('[{"a": 1},');
    expect(broken.records).toEqual([]);
    expect(broken.errors).toEqual([{ index: 0, error: expect.stringMatching(/^body is not a valid JSON array/) }]);
  });

  it('mapConnectBody maps the good records and lists read and map errors by index', () => {
    const body = [JSON.stringify(A), 'oops', JSON.stringify({ EventType: 'HEART_BEAT' }), JSON.stringify({ ...B, EventType: 'HEART_BEAT' })].join('\n');
    const { events, errors } = mapConnectBody(body, { config: {}, state: newConnectMapperState(), now: () => NOW });
    expect(strip(events)).toEqual([LOGIN_A1('2026-03-02T09:00:00.000Z'), STATE_A1('2026-03-02T09:00:00.000Z', 'idle')]);
    expect(errors).toEqual([
      { index: 1, error: expect.stringMatching(/^not valid JSON/) },
      { index: 2, error: expect.stringMatching(/^AgentARN: required/) },
    ]);
  });

  it('never throws, whatever the text (fuzz)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.array(fc.json(), { maxLength: 5 }).map((xs) => xs.join('\n'))), (text) => {
        const r = parseConnectBody(text);
        const indexes = [...r.records.map((x) => x.index), ...r.errors.map((x) => x.index)];
        expect(new Set(indexes).size).toBe(indexes.length);
      }),
      { numRuns: 500 },
    );
  });
});
