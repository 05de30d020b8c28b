// queue_log record -> Floorwatch events. No I/O; the state (agents and open calls seen so far) belongs to one reader
// of one log and lets the mapper drop repeated lines and never send an unchanged agent state twice.
//
// Ids come from the line: `ql:<epoch>:<callid>:<EVENT>:<hash of the line>:<what>`, so replaying a file gives the same
// ids and Floorwatch drops the copies. Repeated lines are normally dropped here already (the call or the agent state did
// not change); when an identical line does change something again, its events are numbered `#2`, `#3`...
import type { AcdEventInput } from '../../../shared/events.js';
import {
  type AgentBook,
  type AgentEventId,
  type AgentTrack,
  type AsteriskMappingConfig,
  BoundedMap,
  cleanId,
  dropAgentQueue,
  ensureAgent,
  exitTarget,
  mapReason,
  newAgentBook,
  resolveAgentId,
  resolveTeam,
  sendState,
  shortHash,
  uniqueId,
} from '../ami/common.js';
import type { QueueLogRecord } from './parser.js';

interface CallTrack {
  /** The id sent: the queue_log callid, or `callid#n` for the n-th time the same channel enters a queue. */
  callId: string;
  queueId: string;
  phase: 'queued' | 'answered' | 'done';
  /** Epoch (s) of the last line about this leg: a line older than that for a finished leg is a stale repeat. */
  epoch: number;
  agentId?: string;
}

interface QlAgent extends AgentTrack {
  onCall?: boolean;
}

export interface QueueLogMapperState extends AgentBook {
  agents: Map<string, QlAgent>;
  calls: BoundedMap<string, CallTrack>;
  legs: BoundedMap<string, number>;
}

export function newQueueLogMapperState(): QueueLogMapperState {
  return { ...newAgentBook(), agents: new Map(), calls: new BoundedMap(50_000), legs: new BoundedMap(50_000) };
}

export interface QueueLogMapContext {
  config: AsteriskMappingConfig;
  state: QueueLogMapperState;
}

const NONE = 'NONE';

/** The id base of a line. Exported for tests and for callers that log what a line produced. */
export function lineIdBase(rec: QueueLogRecord): string {
  return `ql:${rec.epoch}:${rec.callId}:${rec.event}:${shortHash(rec.raw)}`;
}

export function mapQueueLogRecord(rec: QueueLogRecord, ctx: QueueLogMapContext): AcdEventInput[] {
  const out: AcdEventInput[] = [];
  const { config, state } = ctx;
  const ts = rec.ts;
  const base = lineIdBase(rec);
  const idOf: AgentEventId = (kind, agentId) => uniqueId(state.ids, `${base}:${kind}:${agentId}`);
  const queue = rec.queue && rec.queue !== NONE ? cleanId(rec.queue) : undefined;
  const agentId = rec.agent && rec.agent !== NONE ? resolveAgentId(config, rec.agent) : undefined;
  const callKey = rec.callId && rec.callId !== NONE ? cleanId(rec.callId) : undefined;

  /** The agent of this line, logged in (with this line's queue) if it was not yet. */
  const agent = (): { a: QlAgent; isNew: boolean } | undefined => {
    if (!agentId) return undefined;
    const teamId = resolveTeam(config, queue, agentId, rec.agent);
    const r = ensureAgent(state, out, ts, idOf, agentId, teamId, queue, undefined);
    return { a: r.agent as QlAgent, isNew: r.isNew };
  };
  const restState = (a: QlAgent): void => {
    if (a.paused) sendState(out, ts, idOf, a, 'not_ready', mapReason(config, a.pausedReason));
    else sendState(out, ts, idOf, a, 'idle');
  };
  const callEvent = (what: string): string => uniqueId(state.ids, `${base}:${what}`);

  switch (rec.event) {
    case 'ENTERQUEUE': {
      if (!callKey || !queue) break;
      const prev = state.calls.get(callKey);
      if (prev && prev.phase === 'queued' && prev.queueId === queue) break; // repeated line
      if (prev && prev.phase !== 'queued' && rec.epoch < prev.epoch) break; // older than the leg it would follow
      if (prev && prev.phase === 'queued') {
        out.push({ id: callEvent('overflowed'), ts, type: 'call.overflowed', callId: prev.callId, queueId: prev.queueId, toQueueId: queue });
      }
      const c = newLeg(state, callKey, queue, rec.epoch);
      out.push({ id: callEvent('queued'), ts, type: 'call.queued', callId: c.callId, queueId: c.queueId });
      break;
    }
    case 'CONNECT': {
      const ag = agent();
      if (callKey && queue && ag) {
        let c = state.calls.get(callKey);
        if (!c || (c.phase === 'done' && rec.epoch >= c.epoch)) c = newLeg(state, callKey, queue, rec.epoch);
        if (c.phase === 'queued') {
          c.phase = 'answered';
          c.epoch = rec.epoch;
          c.agentId = ag.a.agentId;
          out.push({ id: callEvent('answered'), ts, type: 'call.answered', callId: c.callId, queueId: c.queueId, agentId: ag.a.agentId });
        }
      }
      if (ag) {
        ag.a.onCall = true;
        sendState(out, ts, idOf, ag.a, 'talking');
      }
      break;
    }
    case 'COMPLETECALLER':
    case 'COMPLETEAGENT':
    case 'TRANSFER':
    case 'BLINDTRANSFER':
    case 'ATTENDEDTRANSFER': {
      const ag = agent();
      if (callKey) {
        const c = state.calls.get(callKey);
        if (!c || c.phase !== 'done') {
          const callId = c?.callId ?? callKey;
          const who = ag?.a.agentId ?? c?.agentId;
          if (c) {
            c.phase = 'done';
            c.epoch = Math.max(c.epoch, rec.epoch);
          }
          out.push({ id: callEvent('ended'), ts, type: 'call.ended', callId, ...(who ? { agentId: who } : {}) });
        }
      }
      if (ag) {
        ag.a.onCall = false;
        restState(ag.a);
      }
      break;
    }
    case 'ABANDON':
    case 'SYSCOMPAT':
      leave(state, out, rec, callKey, queue, callEvent, (c) => ({ type: 'call.abandoned', callId: c.callId, queueId: c.queueId }));
      break;
    case 'EXITWITHTIMEOUT':
    case 'EXITEMPTY': {
      const to = exitTarget(config, rec.event === 'EXITEMPTY' ? 'empty' : 'timeout');
      leave(state, out, rec, callKey, queue, callEvent, (c) => ({ type: 'call.overflowed', callId: c.callId, queueId: c.queueId, toQueueId: to }));
      break;
    }
    case 'EXITWITHKEY': {
      const key = (rec.data[0] ?? '').trim();
      const callback = key !== '' && (config.callbackKeys ?? []).includes(key);
      const to = exitTarget(config, 'key');
      leave(state, out, rec, callKey, queue, callEvent, (c) =>
        callback ? { type: 'call.callback_requested', callId: c.callId, queueId: c.queueId } : { type: 'call.overflowed', callId: c.callId, queueId: c.queueId, toQueueId: to },
      );
      break;
    }
    case 'RINGNOANSWER':
    case 'RINGCANCELED':
    case 'ADDMEMBER':
    case 'AGENTLOGIN':
    case 'AGENTCALLBACKLOGIN': {
      // A member that was rung, or one that just joined: logged in, and ready if we knew nothing else.
      const ag = agent();
      if (ag?.isNew) restState(ag.a);
      break;
    }
    case 'PAUSE': {
      const ag = agent();
      if (!ag) break;
      ag.a.paused = true;
      ag.a.pausedReason = rec.data[0]?.trim() || undefined;
      sendState(out, ts, idOf, ag.a, 'not_ready', mapReason(config, ag.a.pausedReason));
      break;
    }
    case 'UNPAUSE': {
      const ag = agent();
      if (!ag) break;
      ag.a.paused = false;
      ag.a.pausedReason = undefined;
      if (ag.a.onCall) sendState(out, ts, idOf, ag.a, 'talking');
      else sendState(out, ts, idOf, ag.a, 'idle');
      break;
    }
    case 'REMOVEMEMBER':
      if (agentId) dropAgentQueue(state, out, ts, idOf, agentId, queue);
      break;
    case 'AGENTLOGOFF':
    case 'AGENTCALLBACKLOGOFF':
      if (agentId) dropAgentQueue(state, out, ts, idOf, agentId, undefined);
      break;
    case 'QUEUESTART':
      restart(state, out, rec, config, idOf, callEvent);
      break;
    // PAUSEALL/UNPAUSEALL are followed by one PAUSE/UNPAUSE line per queue, which carry the reason and the member
    // name: those are used. AGENTDUMP (agent hung up while connecting: the caller stays queued), CONFIGRELOAD,
    // PENALTY and RINGINUSE change nothing on the board.
    default:
      break;
  }
  return out;
}

function newLeg(state: QueueLogMapperState, callKey: string, queueId: string, epoch: number): CallTrack {
  const n = (state.legs.get(callKey) ?? 0) + 1;
  state.legs.set(callKey, n);
  const c: CallTrack = { callId: n === 1 ? callKey : `${callKey}#${n}`, queueId, phase: 'queued', epoch };
  state.calls.set(callKey, c);
  return c;
}

type Leaving =
  | { type: 'call.abandoned'; callId: string; queueId: string }
  | { type: 'call.callback_requested'; callId: string; queueId: string }
  | { type: 'call.overflowed'; callId: string; queueId: string; toQueueId: string };

/** A caller leaves the queue without an agent. Ignored when the leg already ended (a repeated or stale line). */
function leave(
  state: QueueLogMapperState,
  out: AcdEventInput[],
  rec: QueueLogRecord,
  callKey: string | undefined,
  queue: string | undefined,
  callEvent: (what: string) => string,
  make: (c: CallTrack) => Leaving,
): void {
  if (!callKey || !queue) return;
  let c = state.calls.get(callKey);
  if (c && c.phase !== 'queued') {
    if (rec.epoch < c.epoch || c.phase === 'answered') return;
    c = undefined; // a finished leg: this line is about a later one we did not see enter
  }
  c ??= newLeg(state, callKey, queue, rec.epoch);
  c.phase = 'done';
  c.epoch = rec.epoch;
  const ev = make(c);
  out.push({ id: callEvent(ev.type.slice(5)), ts: rec.ts, ...ev });
}

/**
 * QUEUESTART: Asterisk (re)started, so every call it had is gone. Waiting callers are sent as overflowed to
 * `exitTo.lost`, answered calls as ended, and agents that were on a call go back to ready (or not ready if paused).
 * Members stay logged in: Asterisk reloads persistent members without writing ADDMEMBER.
 */
function restart(state: QueueLogMapperState, out: AcdEventInput[], rec: QueueLogRecord, config: AsteriskMappingConfig, idOf: AgentEventId, callEvent: (w: string) => string): void {
  for (const [key, c] of [...state.calls]) {
    if (c.phase === 'queued') {
      out.push({ id: callEvent(`overflowed:${c.callId}`), ts: rec.ts, type: 'call.overflowed', callId: c.callId, queueId: c.queueId, toQueueId: exitTarget(config, 'lost') });
    } else if (c.phase === 'answered') {
      out.push({ id: callEvent(`ended:${c.callId}`), ts: rec.ts, type: 'call.ended', callId: c.callId, ...(c.agentId ? { agentId: c.agentId } : {}) });
    }
    state.calls.delete(key);
  }
  for (const a of state.agents.values()) {
    if (!a.onCall) continue;
    a.onCall = false;
    if (a.paused) sendState(out, rec.ts, idOf, a, 'not_ready', mapReason(config, a.pausedReason));
    else sendState(out, rec.ts, idOf, a, 'idle');
  }
}
