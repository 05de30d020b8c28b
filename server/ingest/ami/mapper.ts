// AMI message -> Floorwatch events. No I/O: the caller passes the mapping options, a clock and a small state that
// lives as long as the AMI client (it survives reconnects, so a resync can tell what changed during the gap).
//
// Names handled (Asterisk 11 -> 12+):
//   Join -> QueueCallerJoin, Leave -> QueueCallerLeave, QueueMemberPaused -> QueueMemberPause,
//   Location -> Interface, Member (AgentConnect/AgentComplete/AgentRingNoAnswer) -> Interface, Reason -> PausedReason.
// See docs/asterisk.md for the full table and the choices made.
import type { AcdEventInput, AgentState } from '../../../shared/events.js';
import {
  type AgentBook,
  type AgentEventId,
  type AgentTrack,
  type AsteriskMappingConfig,
  BoundedMap,
  cleanId,
  cleanName,
  dropAgentQueue,
  ensureAgent,
  exitTarget,
  mapReason,
  newAgentBook,
  resolveAgentId,
  resolveTeam,
  sendState,
  uniqueId,
} from './common.js';
import type { AmiFrame } from './framer.js';

type CallPhase = 'queued' | 'left' | 'answered' | 'done';

interface CallTrack {
  /** The id sent to Floorwatch: the Uniqueid, or `Uniqueid#n` for the n-th time the same channel enters a queue. */
  callId: string;
  queueId: string;
  phase: CallPhase;
  agentId?: string;
  /** The answered leg this one replaced (a transfer back into a queue), until its AgentComplete arrives. */
  previous?: { callId: string; agentId?: string };
}

interface MemberTrack extends AgentTrack {
  /** Last AMI device status (0..8) of the member's state interface. */
  device?: number;
  interface: string;
}

export interface AmiMapperState extends AgentBook {
  agents: Map<string, MemberTrack>;
  /** Member name -> agent id, for events that only carry the name. */
  byName: Map<string, string>;
  /** Caller Uniqueid -> current queue leg. */
  calls: BoundedMap<string, CallTrack>;
  legs: BoundedMap<string, number>;
  /** A QueueStatus reply being received: the queues it covered, the members (`agent\u0000queue`) and callers it listed. */
  resync?: { queues: Set<string>; members: Set<string>; calls: Set<string> };
}

export interface AmiMapContext {
  config: AsteriskMappingConfig;
  state: AmiMapperState;
  /** Epoch ms, used when a message has no `Timestamp` (manager.conf `timestampevents = no`). */
  now: () => number;
}

export function newAmiMapperState(): AmiMapperState {
  return { ...newAgentBook(), agents: new Map(), byName: new Map(), calls: new BoundedMap(50_000), legs: new BoundedMap(50_000) };
}

const P = 'ami';

/** Ids of agent events: `ami:<kind>:<agent>[:<state>]:<ts>`, numbered `#2`... when the same one recurs. */
function agentIds(state: AmiMapperState, ts: number): AgentEventId {
  return (kind, agentId, detail) => uniqueId(state.ids, `${P}:${kind}:${agentId}${detail ? ':' + detail : ''}:${ts}`);
}

/** Time of a message: its `Timestamp` (seconds with a fraction) when Asterisk sends one, else the clock. */
export function frameTime(frame: AmiFrame, now: () => number): number {
  const raw = frame.get('Timestamp');
  if (raw) {
    const secs = Number(raw);
    if (Number.isFinite(secs) && secs > 0) return Math.round(secs * 1000);
  }
  return Math.round(now());
}

/** Maps one AMI message. Messages that are not events, or events that do not concern queues, give []. */
export function mapAmiFrame(frame: AmiFrame, ctx: AmiMapContext): AcdEventInput[] {
  const event = frame.get('Event');
  const out: AcdEventInput[] = [];
  if (event === undefined) {
    // `Response: Success / Message: Queue status will follow` opens a QueueStatus reply.
    if (/queue status will follow/i.test(frame.get('Message') ?? '')) beginResync(ctx.state);
    return out;
  }
  const ts = frameTime(frame, ctx.now);
  const name = event.trim().toLowerCase();
  switch (name) {
    case 'queuememberadded':
      onMember(frame, ctx, ts, out, {});
      break;
    case 'queuememberstatus':
      onMember(frame, ctx, ts, out, {});
      break;
    case 'queuememberpause':
    case 'queuememberpaused':
      onMember(frame, ctx, ts, out, { pause: true });
      break;
    case 'queuememberremoved':
      onRemoved(frame, ctx, ts, out);
      break;
    case 'queueparams':
      resyncQueue(ctx.state, frame.get('Queue'));
      break;
    case 'queuemember':
      resyncQueue(ctx.state, frame.get('Queue'));
      onMember(frame, ctx, ts, out, { resync: true });
      break;
    case 'queueentry':
      resyncQueue(ctx.state, frame.get('Queue'));
      onEntry(frame, ctx, ts, out);
      break;
    case 'queuestatuscomplete':
      endResync(ctx, ts, out);
      break;
    case 'queuecallerjoin':
    case 'join':
      onJoin(frame, ctx, ts, out);
      break;
    case 'queuecallerleave':
    case 'leave':
      onLeave(frame, ctx);
      break;
    case 'queuecallerabandon':
      onAbandon(frame, ctx, ts, out);
      break;
    case 'agentconnect':
      onConnect(frame, ctx, ts, out);
      break;
    case 'agentcomplete':
      onComplete(frame, ctx, ts, out);
      break;
    case 'agentringnoanswer':
      onRingNoAnswer(frame, ctx, ts, out);
      break;
    case 'hangup':
      onHangup(frame, ctx, ts, out);
      break;
    default:
      break;
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ members

/** The member's interface: `Interface` (12+), `Location` (11 and QueueStatus), `Member` (11 Agent* events). */
function interfaceOf(frame: AmiFrame): string | undefined {
  return cleanId(frame.get('Interface') ?? frame.get('Location') ?? frame.get('Member'));
}

/** `MemberName` in events, `Name` in the QueueMember lines of a QueueStatus reply. */
function memberNameOf(frame: AmiFrame): string | undefined {
  return cleanName(frame.get('MemberName') ?? frame.get('Name'));
}

function agentIdOf(frame: AmiFrame, ctx: AmiMapContext): { agentId: string; iface: string; memberName?: string } | undefined {
  const memberName = memberNameOf(frame);
  let iface = interfaceOf(frame);
  if (!iface && memberName) {
    const known = ctx.state.byName.get(memberName);
    if (known) return { agentId: known, iface: ctx.state.agents.get(known)?.interface ?? known, memberName };
    iface = cleanId(memberName);
  }
  if (!iface) return undefined;
  const agentId = resolveAgentId(ctx.config, iface, memberName);
  if (!agentId) return undefined;
  return memberName ? { agentId, iface, memberName } : { agentId, iface };
}

function ensureMember(frame: AmiFrame, ctx: AmiMapContext, ts: number, out: AcdEventInput[]): MemberTrack | undefined {
  const who = agentIdOf(frame, ctx);
  if (!who) return undefined;
  const queue = cleanId(frame.get('Queue'));
  const teamId = resolveTeam(ctx.config, queue, who.agentId, who.iface, who.memberName);
  const known = ctx.state.agents.get(who.agentId);
  const m = ensureAgent(ctx.state, out, ts, agentIds(ctx.state, ts), who.agentId, teamId, queue, who.memberName).agent as MemberTrack;
  if (!known) m.interface = who.iface;
  if (who.memberName) ctx.state.byName.set(who.memberName, who.agentId);
  return m;
}

function parseStatus(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^\s*\d+\s*$/.test(raw)) return undefined;
  return Number(raw);
}

function parseFlag(raw: string | undefined): boolean | undefined {
  if (raw === undefined) return undefined;
  const s = raw.trim().toLowerCase();
  if (s === '1' || s === 'true' || s === 'yes') return true;
  if (s === '0' || s === 'false' || s === 'no') return false;
  return undefined;
}

/** The state a member is in, from its pause flag and device status; undefined when it cannot be told. */
function derive(m: MemberTrack, config: AsteriskMappingConfig): { state: AgentState; reason?: string } | undefined {
  if (m.paused) {
    const reason = mapReason(config, m.pausedReason);
    return reason === undefined ? { state: 'not_ready' } : { state: 'not_ready', reason };
  }
  switch (m.device) {
    case undefined:
    case 1: // AST_DEVICE_NOT_INUSE
      return { state: 'idle' };
    case 2: // INUSE
    case 3: // BUSY
      return { state: 'talking' };
    case 5: // UNAVAILABLE
      return config.unavailable === 'ignore' ? undefined : { state: 'not_ready', reason: 'unavailable' };
    case 6: // RINGING
    case 7: // RINGINUSE
      return { state: 'ringing' };
    case 8: // ONHOLD
      return { state: 'hold' };
    default: // 0 UNKNOWN, 4 INVALID
      return undefined;
  }
}

function sendDerived(ctx: AmiMapContext, ts: number, out: AcdEventInput[], m: MemberTrack): void {
  const d = derive(m, ctx.config);
  if (d) sendState(out, ts, agentIds(ctx.state, ts), m, d.state, d.reason);
}

function onMember(frame: AmiFrame, ctx: AmiMapContext, ts: number, out: AcdEventInput[], how: { pause?: boolean; resync?: boolean }): void {
  const m = ensureMember(frame, ctx, ts, out);
  if (!m) return;
  if (how.resync) ctx.state.resync?.members.add(`${m.agentId}\u0000${cleanId(frame.get('Queue')) ?? ''}`);
  const status = parseStatus(frame.get('Status'));
  if (status !== undefined) m.device = status;
  const paused = parseFlag(frame.get('Paused'));
  if (paused !== undefined) {
    // PausedReason since Asterisk 13; QueueMemberPause(d) of older versions calls it Reason.
    const reason = frame.get('PausedReason') ?? (how.pause ? frame.get('Reason') : undefined);
    if (paused) {
      if (reason !== undefined || !m.paused) m.pausedReason = reason?.trim() || undefined;
    } else {
      m.pausedReason = undefined;
    }
    m.paused = paused;
  }
  sendDerived(ctx, ts, out, m);
}

function onRemoved(frame: AmiFrame, ctx: AmiMapContext, ts: number, out: AcdEventInput[]): void {
  const who = agentIdOf(frame, ctx);
  if (!who) return;
  dropAgentQueue(ctx.state, out, ts, agentIds(ctx.state, ts), who.agentId, cleanId(frame.get('Queue')));
  if (!ctx.state.agents.has(who.agentId) && who.memberName) ctx.state.byName.delete(who.memberName);
}

// ------------------------------------------------------------------------------------------------ calls

function callEvent(ctx: AmiMapContext, kind: string, c: CallTrack): string {
  return uniqueId(ctx.state.ids, `${P}:${kind}:${c.callId}`);
}

/** Opens a new queue leg for the caller channel `uniqueid`. */
function newLeg(ctx: AmiMapContext, uniqueid: string, queueId: string): CallTrack {
  const n = (ctx.state.legs.get(uniqueid) ?? 0) + 1;
  ctx.state.legs.set(uniqueid, n);
  const c: CallTrack = { callId: n === 1 ? uniqueid : `${uniqueid}#${n}`, queueId, phase: 'queued' };
  const before = ctx.state.calls.get(uniqueid);
  if (before?.phase === 'answered') c.previous = before.agentId ? { callId: before.callId, agentId: before.agentId } : { callId: before.callId };
  ctx.state.calls.set(uniqueid, c);
  return c;
}

function queued(ctx: AmiMapContext, c: CallTrack, ts: number, out: AcdEventInput[]): void {
  out.push({ id: uniqueId(ctx.state.ids, `${P}:queued:${c.callId}:${c.queueId}`), ts, type: 'call.queued', callId: c.callId, queueId: c.queueId });
}

function onJoin(frame: AmiFrame, ctx: AmiMapContext, ts: number, out: AcdEventInput[]): void {
  const uniqueid = cleanId(frame.get('Uniqueid'));
  const queueId = cleanId(frame.get('Queue'));
  if (!uniqueid || !queueId) return;
  const prev = ctx.state.calls.get(uniqueid);
  if (prev && prev.phase === 'queued' && prev.queueId === queueId) return; // already known (resync, replay)
  if (prev && (prev.phase === 'left' || prev.phase === 'queued')) {
    // Left one queue without agent or abandon and entered another: an overflow.
    out.push({ id: callEvent(ctx, 'overflowed', prev), ts, type: 'call.overflowed', callId: prev.callId, queueId: prev.queueId, toQueueId: queueId });
  }
  queued(ctx, newLeg(ctx, uniqueid, queueId), ts, out);
}

function onEntry(frame: AmiFrame, ctx: AmiMapContext, ts: number, out: AcdEventInput[]): void {
  const uniqueid = cleanId(frame.get('Uniqueid'));
  const queueId = cleanId(frame.get('Queue'));
  if (!uniqueid || !queueId) return;
  ctx.state.resync?.calls.add(uniqueid);
  const prev = ctx.state.calls.get(uniqueid);
  if (prev && prev.phase === 'queued' && prev.queueId === queueId) return;
  const wait = Number(frame.get('Wait'));
  // a wait of more than a day is no real caller's (a garbled field): the entry is taken as queued now
  const at = Number.isFinite(wait) && wait > 0 && wait < 86_400 ? ts - Math.round(wait * 1000) : ts;
  queued(ctx, newLeg(ctx, uniqueid, queueId), at, out);
}

function onLeave(frame: AmiFrame, ctx: AmiMapContext): void {
  // Asterisk sends QueueCallerLeave *before* AgentConnect when an agent answers, so leaving says nothing yet.
  const c = ctx.state.calls.get(cleanId(frame.get('Uniqueid')) ?? '');
  if (c && c.phase === 'queued') c.phase = 'left';
}

function onAbandon(frame: AmiFrame, ctx: AmiMapContext, ts: number, out: AcdEventInput[]): void {
  const uniqueid = cleanId(frame.get('Uniqueid'));
  const queueId = cleanId(frame.get('Queue'));
  if (!uniqueid || !queueId) return;
  let c = ctx.state.calls.get(uniqueid);
  if (c && (c.phase === 'answered' || c.phase === 'done')) return;
  c ??= newLeg(ctx, uniqueid, queueId);
  c.phase = 'done';
  out.push({ id: callEvent(ctx, 'abandoned', c), ts, type: 'call.abandoned', callId: c.callId, queueId: c.queueId });
}

function onConnect(frame: AmiFrame, ctx: AmiMapContext, ts: number, out: AcdEventInput[]): void {
  const uniqueid = cleanId(frame.get('Uniqueid'));
  const queueId = cleanId(frame.get('Queue'));
  const m = ensureMember(frame, ctx, ts, out);
  if (uniqueid && queueId && m) {
    let c = ctx.state.calls.get(uniqueid);
    if (!c || c.phase === 'done') c = newLeg(ctx, uniqueid, queueId);
    if (c.phase !== 'answered') {
      c.phase = 'answered';
      c.agentId = m.agentId;
      out.push({ id: callEvent(ctx, 'answered', c), ts, type: 'call.answered', callId: c.callId, queueId: c.queueId, agentId: m.agentId });
    }
  }
  if (m && m.device !== 2 && m.device !== 3 && m.device !== 8) m.device = 2;
  if (m) sendDerived(ctx, ts, out, m);
}

function onComplete(frame: AmiFrame, ctx: AmiMapContext, ts: number, out: AcdEventInput[]): void {
  const uniqueid = cleanId(frame.get('Uniqueid'));
  const m = ensureMember(frame, ctx, ts, out);
  if (uniqueid) {
    const c = ctx.state.calls.get(uniqueid);
    let ended: { callId: string; agentId?: string } | undefined;
    if (c?.previous && (c.phase === 'queued' || c.phase === 'left')) {
      // The answered leg was transferred back into a queue before its AgentComplete arrived.
      ended = c.previous;
      c.previous = undefined;
    } else if (!c || c.phase !== 'done') {
      ended = c ? { callId: c.callId, ...(c.agentId ? { agentId: c.agentId } : {}) } : { callId: uniqueid };
      if (c) c.phase = 'done';
    }
    if (ended) {
      const agentId = m?.agentId ?? ended.agentId;
      out.push({ id: uniqueId(ctx.state.ids, `${P}:ended:${ended.callId}`), ts, type: 'call.ended', callId: ended.callId, ...(agentId ? { agentId } : {}) });
    }
  }
  if (m && (m.device === 2 || m.device === 3 || m.device === 8)) {
    m.device = 1;
    sendDerived(ctx, ts, out, m);
  }
}

function onRingNoAnswer(frame: AmiFrame, ctx: AmiMapContext, ts: number, out: AcdEventInput[]): void {
  const who = agentIdOf(frame, ctx);
  const m = who ? ctx.state.agents.get(who.agentId) : undefined;
  if (m && (m.device === 6 || m.device === 7)) {
    m.device = m.device === 7 ? 2 : 1;
    sendDerived(ctx, ts, out, m);
  }
}

function onHangup(frame: AmiFrame, ctx: AmiMapContext, ts: number, out: AcdEventInput[]): void {
  const uniqueid = cleanId(frame.get('Uniqueid'));
  const c = uniqueid ? ctx.state.calls.get(uniqueid) : undefined;
  if (!c || !uniqueid) return;
  if (c.phase === 'left') {
    // Left the queue without an agent and without QueueCallerAbandon (EXITWITHKEY), then hung up elsewhere.
    out.push({ id: callEvent(ctx, 'overflowed', c), ts, type: 'call.overflowed', callId: c.callId, queueId: c.queueId, toQueueId: exitTarget(ctx.config, 'key') });
    ctx.state.calls.delete(uniqueid);
  } else if (c.phase === 'done') {
    ctx.state.calls.delete(uniqueid);
  }
  // An answered call stays until its AgentComplete, which Asterisk 12+ may send after the caller's Hangup.
}

// ------------------------------------------------------------------------------------------------ resync

function beginResync(state: AmiMapperState): void {
  state.resync = { queues: new Set(), members: new Set(), calls: new Set() };
}

function resyncQueue(state: AmiMapperState, queue: string | undefined): void {
  if (!state.resync) beginResync(state);
  const q = cleanId(queue);
  if (q) state.resync!.queues.add(q);
}

/**
 * End of a QueueStatus reply. For each queue the reply covered: members it no longer lists left that queue (logout
 * when they are in no queue any more), and callers still waiting here but not listed left during the gap; how is
 * unknown, so they are sent as call.overflowed to `exitTo.lost`.
 */
function endResync(ctx: AmiMapContext, ts: number, out: AcdEventInput[]): void {
  const r = ctx.state.resync;
  ctx.state.resync = undefined;
  if (!r) return;
  for (const m of [...ctx.state.agents.values()]) {
    const gone = m.queues.filter((q) => r.queues.has(q) && !r.members.has(`${m.agentId}\u0000${q}`));
    for (const q of gone) dropAgentQueue(ctx.state, out, ts, agentIds(ctx.state, ts), m.agentId, q);
  }
  for (const [uniqueid, c] of [...ctx.state.calls]) {
    if (r.calls.has(uniqueid) || !r.queues.has(c.queueId)) continue;
    if (c.phase === 'queued' || c.phase === 'left') {
      out.push({ id: callEvent(ctx, 'overflowed', c), ts, type: 'call.overflowed', callId: c.callId, queueId: c.queueId, toQueueId: exitTarget(ctx.config, 'lost') });
      ctx.state.calls.delete(uniqueid);
    }
  }
}
