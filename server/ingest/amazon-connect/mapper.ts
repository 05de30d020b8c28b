// Amazon Connect agent event stream record (one Kinesis record, JSON) -> Floorwatch events. No I/O: the caller passes
// the mapping options, a clock and a small state that lives as long as the connector (one per Connect instance).
//
// Every record carries a full snapshot of the agent (status, configuration, contacts), so the state is only what is
// needed to send changes: the last state sent per agent, whether the agent is logged in, when its last record came,
// and the contacts already reported as answered. See docs/amazon-connect.md for the mapping table and the choices.
//
// Ids: agent events `connect:<EventId>:<login|logout|state>` (numbered `#2`... if an EventId recurs), call events
// `connect:call:<ContactId>:<queued|answered|ended>`. Call ids come from the contact, not the record, so the same call
// re-derived from a later record (a restart of Floorwatch, a Kinesis redelivery) has the same id and time, and
// Floorwatch drops the copy.
import type { AcdEventInput, AgentState } from '../../../shared/events.js';
import { type AgentEventId, type AgentTrack, BoundedMap, cleanId, cleanName, mapReason, resolveAgentId, resolveTeam, sendState, uniqueId } from '../ami/common.js';

export const CONNECT_EVENT_TYPES = ['LOGIN', 'LOGOUT', 'STATE_CHANGE', 'HEART_BEAT'] as const;
export type ConnectEventType = (typeof CONNECT_EVENT_TYPES)[number];

/** Connect publishes a HEART_BEAT every 120 s when nothing else happened; two missed ones plus a minute of transport. */
export const DEFAULT_STALE_LIMIT_MS = 5 * 60_000;

export type TeamSource = 'routingProfile' | 'hierarchyLevel1' | 'hierarchyLevel2' | 'hierarchyLevel3' | 'hierarchyLevel4' | 'hierarchyLevel5';

/** How Connect names are turned into Floorwatch ids. Every field is optional. */
export interface ConnectMappingConfig {
  /**
   * Team of an agent. Keys tried in order: agent id, Username, routing profile ARN, routing profile name, and the name
   * of the hierarchy group `teamFrom` points at. Unlisted agents belong to the team named by `teamFrom`.
   */
  teams?: Record<string, string>;
  /** Where the team comes from when `teams` does not list the agent. @default 'routingProfile' */
  teamFrom?: TeamSource;
  /** Team when the record names none (no routing profile, empty hierarchy level). @default 'unassigned' */
  defaultTeam?: string;
  /** Agent id (last segment of AgentARN), full AgentARN or Username -> Floorwatch agent id. Unlisted: the ARN's id. */
  agentIds?: Record<string, string>;
  /** Queue ARN, queue id (the ARN's last segment) or queue name -> Floorwatch queue id. Unlisted: the queue name. */
  queues?: Record<string, string>;
  /** Connect agent status name -> reason code. Unlisted names pass through unless `passReasons` is false. */
  reasons?: Record<string, string>;
  /** Send status names that are not in `reasons` unchanged (cut to 100 characters). @default true */
  passReasons?: boolean;
}

interface CallTrack {
  phase: 'answered' | 'ended';
  agentId: string;
  answeredAt: number;
}

export interface ConnectAgent extends AgentTrack {
  /** EventTimestamp of the newest record applied: older records are skipped; staleness is measured from it. */
  lastSeen: number;
  loggedIn: boolean;
  /** Logged out by a LOGOUT record: HEART_BEATs (sent for up to an hour after) do not log the agent back in. */
  outByLogout: boolean;
  /** Contacts reported answered through this agent and not yet ended. */
  open: Set<string>;
}

export interface ConnectMapperState {
  agents: Map<string, ConnectAgent>;
  /** Agent id from the ARN -> Floorwatch agent id, for records whose snapshot lacks the Username. */
  byArn: Map<string, string>;
  /** Event ids used, for `#n` numbering of a recurring EventId. */
  ids: BoundedMap<string, number>;
  /** ContactId -> what was sent for it. */
  calls: BoundedMap<string, CallTrack>;
}

export interface ConnectMapContext {
  config: ConnectMappingConfig;
  state: ConnectMapperState;
  /** Epoch ms, used when a record has no EventTimestamp. */
  now: () => number;
}

export interface ConnectMapResult {
  events: AcdEventInput[];
  /** Why the record could not be used (then `events` is empty). Records older than the agent's last one are skipped without error. */
  error?: string;
}

export function newConnectMapperState(): ConnectMapperState {
  return { agents: new Map(), byArn: new Map(), ids: new BoundedMap(20_000), calls: new BoundedMap(50_000) };
}

/**
 * A deep copy of the state. To map a batch all-or-nothing: map it into a copy, apply the events, and keep the copy
 * only if applying succeeded. After a failure the batch (retried by the forwarder) then maps to the same events again.
 */
export function cloneConnectMapperState(s: ConnectMapperState): ConnectMapperState {
  const c = newConnectMapperState();
  for (const [k, a] of s.agents) c.agents.set(k, { ...a, queues: [...a.queues], open: new Set(a.open), sent: a.sent && { ...a.sent } });
  for (const [k, v] of s.byArn) c.byArn.set(k, v);
  for (const [k, v] of s.ids) c.ids.set(k, v);
  for (const [k, v] of s.calls) c.calls.set(k, { ...v });
  return c;
}

const P = 'connect';

// ------------------------------------------------------------------------------------------------ reading records

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const obj = (v: unknown): Obj | undefined => (isObj(v) ? v : undefined);

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/** Epoch ms of an ISO-8601 time with a zone (what Connect sends) or of epoch ms; undefined when neither. */
export function connectTime(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string' || !ISO.test(v.trim())) return undefined;
  const ms = Date.parse(v.trim());
  return Number.isSafeInteger(ms) && ms >= 0 ? ms : undefined;
}

/** The last path segment of an ARN: `.../agent/<id>` -> `<id>`. */
function arnId(arn: string | undefined): string | undefined {
  if (!arn) return undefined;
  const parts = arn.trim().split('/');
  return cleanId(parts[parts.length - 1]);
}

/** Agent queues (one per agent, for transfers to that agent) have ARNs `.../queue/agent/<id>` and no name. */
const isAgentQueue = (arn: string | undefined): boolean => arn !== undefined && /\/queue\/agent\//.test(arn);

/** Floorwatch id of a Connect queue object, or undefined for an agent queue or a queue with neither name nor ARN. */
function queueIdOf(config: ConnectMappingConfig, q: Obj | undefined): string | undefined {
  if (!q) return undefined;
  const arn = str(q.ARN)?.trim();
  if (isAgentQueue(arn)) return undefined;
  const name = str(q.Name)?.trim();
  const id = arnId(arn);
  for (const key of [arn, id, name]) {
    const mapped = key ? cleanId(config.queues?.[key]) : undefined;
    if (mapped) return mapped;
  }
  return cleanId(name) ?? id;
}

const OFFERED = new Set(['INCOMING', 'PENDING', 'CONNECTING']);
/** Contact states in which the agent is busy with the contact (offered, talking, on hold, after-call work). */
const ACTIVE = new Set([...OFFERED, 'CONNECTED', 'CONNECTED_ONHOLD', 'ENDED']);
/** States after which a contact that was answered is over. */
const CLOSED = new Set(['ENDED', 'ERROR', 'MISSED', 'REJECTED']);

interface VoiceContact {
  id?: string;
  state: string;
  /** Dialled by the agent (InitiationMethod OUTBOUND): shown as `outbound`, not a queue call. */
  outbound: boolean;
  queueId?: string;
  queuedAt?: number;
  connectedAt?: number;
  stateSince?: number;
}

/**
 * The voice contacts of a snapshot. Chats and tasks are left out (Floorwatch counts calls), and so are MONITOR
 * contacts (a supervisor listening in is not handling a call). A contact without Channel (stream versions before
 * chat) is taken as voice.
 */
function voiceContacts(config: ConnectMappingConfig, snapshot: Obj): VoiceContact[] {
  const list = snapshot.Contacts;
  if (!Array.isArray(list)) return [];
  const out: VoiceContact[] = [];
  for (const raw of list) {
    const c = obj(raw);
    if (!c) continue;
    const channel = str(c.Channel)?.trim().toUpperCase();
    if (channel !== undefined && channel !== 'VOICE') continue;
    const method = str(c.InitiationMethod)?.trim().toUpperCase();
    if (method === 'MONITOR') continue;
    const state = str(c.State)?.trim().toUpperCase();
    if (!state) continue;
    const v: VoiceContact = { state, outbound: method === 'OUTBOUND' };
    const id = cleanId(str(c.ContactId));
    if (id) v.id = id;
    const queueId = queueIdOf(config, obj(c.Queue));
    if (queueId) v.queueId = queueId;
    const queuedAt = connectTime(c.QueueTimestamp);
    if (queuedAt !== undefined) v.queuedAt = queuedAt;
    const connectedAt = connectTime(c.ConnectedToAgentTimestamp);
    if (connectedAt !== undefined) v.connectedAt = connectedAt;
    const stateSince = connectTime(c.StateStartTimestamp);
    if (stateSince !== undefined) v.stateSince = stateSince;
    out.push(v);
  }
  return out;
}

type StatusKind = 'routable' | 'offline' | 'custom';

interface Status {
  kind: StatusKind;
  name: string;
  /** NextAgentStatus name: set while routing is paused until the agent's contacts are done. */
  next?: string;
}

function statusOf(snapshot: Obj): Status | undefined {
  const s = obj(snapshot.AgentStatus);
  const name = str(s?.Name)?.trim();
  if (!s || !name) return undefined;
  const type = str(s.Type)?.trim().toUpperCase();
  const lower = name.toLowerCase();
  const kind: StatusKind = type === 'ROUTABLE' || (type === undefined && lower === 'available') ? 'routable'
    : type === 'OFFLINE' || (type === undefined && lower === 'offline') ? 'offline'
    : 'custom';
  const next = str(obj(snapshot.NextAgentStatus)?.Name)?.trim();
  return next ? { kind, name, next } : { kind, name };
}

interface Profile {
  username?: string;
  name?: string;
  teamId: string;
  queues: string[];
}

function profileOf(config: ConnectMappingConfig, snapshot: Obj, agentId: string, known: ConnectAgent | undefined): Profile {
  const conf = obj(snapshot.Configuration);
  const username = cleanName(str(conf?.Username));
  const full = [str(conf?.FirstName)?.trim(), str(conf?.LastName)?.trim()].filter((s) => s).join(' ');
  const name = cleanName(full) ?? username ?? known?.name;
  const rp = obj(conf?.RoutingProfile);
  const rpName = str(rp?.Name)?.trim();
  const rpArn = str(rp?.ARN)?.trim();
  const from = config.teamFrom ?? 'routingProfile';
  let groupName: string | undefined;
  if (from !== 'routingProfile') {
    const groups = obj(conf?.AgentHierarchyGroups) ?? obj(conf?.HierarchyGroups);
    groupName = str(obj(groups?.[from.replace('hierarchy', '')])?.Name)?.trim();
  }
  const teamSource = from === 'routingProfile' ? rpName : groupName;
  // Without a configuration block (some LOGIN/LOGOUT records), keep what is known.
  const teamId = !conf && known ? known.teamId : resolveTeam(config, teamSource, agentId, username, rpArn, rpName, groupName);
  let queues: string[] = known?.queues ?? [];
  if (rp && Array.isArray(rp.InboundQueues)) {
    queues = [];
    for (const raw of rp.InboundQueues) {
      const q = obj(raw);
      if (!q) continue;
      const channels = Array.isArray(q.Channels) ? q.Channels.map((c) => String(c).toUpperCase()) : undefined;
      if (channels && !channels.includes('VOICE')) continue;
      const id = queueIdOf(config, q);
      if (id && !queues.includes(id)) queues.push(id);
      if (queues.length >= 500) break;
    }
  }
  const p: Profile = { teamId, queues };
  if (username) p.username = username;
  if (name) p.name = name;
  return p;
}

// ------------------------------------------------------------------------------------------------ mapping

/**
 * Maps one agent event stream record. Never throws: a record that cannot be used gives `{ events: [], error }`.
 * A record older than the agent's newest one (redelivered or out of order) gives no events and no error.
 */
export function mapConnectRecord(record: unknown, ctx: ConnectMapContext): ConnectMapResult {
  try {
    return mapRecord(record, ctx);
  } catch (err) {
    // Not expected: the mapper checks every field it reads. Kept so a surprise never takes the connector down.
    return { events: [], error: `record could not be mapped: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function mapRecord(record: unknown, ctx: ConnectMapContext): ConnectMapResult {
  if (!isObj(record)) return { events: [], error: 'record must be a JSON object' };
  const type = str(record.EventType)?.trim().toUpperCase();
  if (!type) return { events: [], error: `EventType: required (one of ${CONNECT_EVENT_TYPES.join(', ')})` };
  if (!(CONNECT_EVENT_TYPES as readonly string[]).includes(type)) return { events: [], error: `EventType: unknown "${type.slice(0, 60)}"` };
  const arn = str(record.AgentARN)?.trim();
  const arnKey = arnId(arn);
  if (!arn || !arnKey) return { events: [], error: 'AgentARN: required (the ARN of the agent, ending in /agent/<id>)' };
  let ts: number;
  if (record.EventTimestamp === undefined || record.EventTimestamp === null) ts = Math.round(ctx.now());
  else {
    const t = connectTime(record.EventTimestamp);
    if (t === undefined) return { events: [], error: 'EventTimestamp: not an ISO-8601 time with a zone' };
    ts = t;
  }
  const snapshot = obj(record.CurrentAgentSnapshot);
  if (type !== 'LOGOUT' && !snapshot) return { events: [], error: 'CurrentAgentSnapshot: required (an object)' };
  const status = snapshot ? statusOf(snapshot) : undefined;
  if (type !== 'LOGOUT' && !status) return { events: [], error: 'CurrentAgentSnapshot.AgentStatus.Name: required' };

  const { state, config } = ctx;
  const username = cleanName(str(obj(snapshot?.Configuration)?.Username));
  const agentId = resolveAgentId(config, arnKey, arn, username) ?? arnKey;
  // A record without the Username (LOGOUT) must still reach the agent that a mapping by Username named.
  const id = username || !state.byArn.has(arnKey) ? agentId : state.byArn.get(arnKey)!;
  state.byArn.set(arnKey, id);

  let agent = state.agents.get(id);
  if (agent && ts < agent.lastSeen) return { events: [] };
  const first = !agent;
  const eventKey = cleanId(str(record.EventId)) ?? `${arnKey}:${ts}:${type}`;
  const idOf: AgentEventId = (kind) => uniqueId(state.ids, `${P}:${eventKey}:${kind}`);

  // Sent in this order (Floorwatch applies a batch in ts order, keeping the order sent for equal times).
  const head: AcdEventInput[] = []; // login
  const answers: AcdEventInput[] = []; // call.queued, call.answered
  const mid: AcdEventInput[] = []; // agent.state
  const tail: AcdEventInput[] = []; // call.ended, logout

  const profile = snapshot ? profileOf(config, snapshot, id, agent) : undefined;
  if (!agent) {
    agent = { agentId: id, teamId: profile?.teamId ?? resolveTeam(config, undefined, id), queues: [], paused: false, lastSeen: ts, loggedIn: false, outByLogout: false, open: new Set() };
    state.agents.set(id, agent);
  }
  agent.lastSeen = ts;

  if (type === 'LOGOUT') {
    logout(agent, first, ts, idOf, tail);
    agent.outByLogout = true;
    return { events: tail };
  }
  if (agent.outByLogout && type === 'HEART_BEAT') return { events: [] };
  agent.outByLogout = false;

  // After a restart the previous snapshot still tells which calls were answered (their call events are deduplicated).
  const previous = first ? obj(record.PreviousAgentSnapshot) : undefined;
  if (previous) syncCalls(ctx, agent, voiceContacts(config, previous), ts, answers, tail, false);

  const contacts = voiceContacts(config, snapshot!);
  const busy = contacts.some((c) => ACTIVE.has(c.state));
  syncCalls(ctx, agent, contacts, ts, answers, tail, true);

  if (!busy && status!.kind === 'offline') {
    logout(agent, first, ts, idOf, tail);
  } else {
    login(agent, profile!, ts, idOf, head);
    const d = derive(contacts, status!, config);
    sendState(mid, ts, idOf, agent, d.state, d.reason);
  }
  return { events: [...head, ...answers, ...mid, ...tail] };
}

/** Sends agent.login when the agent was out or its team, name or queues changed. */
function login(agent: ConnectAgent, p: Profile, ts: number, idOf: AgentEventId, out: AcdEventInput[]): void {
  const sameQueues = agent.queues.length === p.queues.length && agent.queues.every((q, i) => q === p.queues[i]);
  const changed = !agent.loggedIn || agent.teamId !== p.teamId || agent.name !== p.name || !sameQueues;
  if (!agent.loggedIn) agent.sent = undefined; // the state after a login is always sent
  agent.loggedIn = true;
  agent.teamId = p.teamId;
  agent.queues = p.queues;
  if (p.name) agent.name = p.name;
  else delete agent.name;
  if (!changed) return;
  const ev: AcdEventInput = { id: idOf('login', agent.agentId), ts, type: 'agent.login', agentId: agent.agentId, teamId: agent.teamId };
  if (agent.name) ev.name = agent.name;
  if (agent.queues.length) ev.queues = agent.queues.slice(0, 500);
  out.push(ev);
}

/**
 * Sends agent.logout for a logged-in agent, and for an agent seen for the first time already offline (Floorwatch may
 * have it logged in from before a restart; a logout of an agent it does not know only lists it as logged out).
 */
function logout(agent: ConnectAgent, first: boolean, ts: number, idOf: AgentEventId, out: AcdEventInput[]): void {
  if (!agent.loggedIn && !first) return;
  agent.loggedIn = false;
  agent.sent = undefined;
  out.push({ id: idOf('logout', agent.agentId), ts, type: 'agent.logout', agentId: agent.agentId });
}

/**
 * The agent's state. A voice contact decides over the status: talking (or outbound when the agent dialled) > hold >
 * ringing (outbound when dialling) > wrap (ENDED: after-call work). Without one, the status decides: Available ->
 * idle (not_ready with the next status as reason when the agent has set one: Connect routes nothing new to them),
 * any custom status -> not_ready with its name as reason. MISSED, REJECTED and ERROR contacts leave it to the status.
 */
function derive(contacts: VoiceContact[], status: Status, config: ConnectMappingConfig): { state: AgentState; reason?: string } {
  const find = (states: string[], outbound?: boolean) => contacts.find((c) => states.includes(c.state) && (outbound === undefined || c.outbound === outbound));
  if (find(['CONNECTED'], false)) return { state: 'talking' };
  if (find(['CONNECTED'], true)) return { state: 'outbound' };
  if (find(['CONNECTED_ONHOLD'])) return { state: 'hold' };
  if (find([...OFFERED], false)) return { state: 'ringing' };
  if (find([...OFFERED], true)) return { state: 'outbound' };
  if (find(['ENDED'])) return { state: 'wrap' };
  const reasonName = status.kind === 'routable' ? status.next : status.name;
  if (status.kind === 'routable' && !reasonName) return { state: 'idle' };
  const reason = mapReason(config, reasonName);
  return reason === undefined ? { state: 'not_ready' } : { state: 'not_ready', reason };
}

const callEventId = (callId: string, kind: string): string => cleanId(`${P}:call:${callId}:${kind}`)!;

/**
 * Call events from the agent's voice contacts. A queue contact (not dialled by the agent, in a named queue) that is or
 * was connected gives call.queued at its QueueTimestamp and call.answered at ConnectedToAgentTimestamp, once; when it
 * ends (ENDED, ERROR) or leaves the snapshot, call.ended. Contacts that ring and are missed give nothing: Connect
 * queues them again and another agent's record reports the answer. `vanish`: answered contacts not in `contacts`
 * ended at `ts`.
 */
function syncCalls(ctx: ConnectMapContext, agent: ConnectAgent, contacts: VoiceContact[], ts: number, answers: AcdEventInput[], ends: AcdEventInput[], vanish: boolean): void {
  const { calls } = ctx.state;
  const seen = new Set<string>();
  for (const c of contacts) {
    if (!c.id) continue;
    seen.add(c.id);
    let track = calls.get(c.id);
    const connected = c.state === 'CONNECTED' || c.state === 'CONNECTED_ONHOLD' || (c.connectedAt !== undefined && CLOSED.has(c.state));
    if (!track && connected && !c.outbound && c.queueId) {
      const answeredAt = c.connectedAt ?? (c.state === 'CONNECTED' ? c.stateSince : undefined) ?? ts;
      if (c.queuedAt !== undefined) {
        const at = Math.min(c.queuedAt, answeredAt);
        answers.push({ id: callEventId(c.id, 'queued'), ts: at, type: 'call.queued', callId: c.id, queueId: c.queueId });
      }
      answers.push({ id: callEventId(c.id, 'answered'), ts: answeredAt, type: 'call.answered', callId: c.id, queueId: c.queueId, agentId: agent.agentId });
      track = { phase: 'answered', agentId: agent.agentId, answeredAt };
      calls.set(c.id, track);
      agent.open.add(c.id);
    }
    if (track?.phase === 'answered' && CLOSED.has(c.state)) {
      const endedAt = Math.max(track.answeredAt, (c.state === 'ENDED' ? c.stateSince : undefined) ?? ts);
      endCall(ctx, c.id, track, endedAt, ends);
    }
  }
  if (!vanish) return;
  for (const callId of [...agent.open]) {
    if (seen.has(callId)) continue;
    const track = calls.get(callId);
    if (track?.phase === 'answered') endCall(ctx, callId, track, Math.max(track.answeredAt, ts), ends);
    agent.open.delete(callId);
  }
}

function endCall(ctx: ConnectMapContext, callId: string, track: CallTrack, ts: number, out: AcdEventInput[]): void {
  track.phase = 'ended';
  ctx.state.calls.set(callId, track);
  ctx.state.agents.get(track.agentId)?.open.delete(callId);
  out.push({ id: callEventId(callId, 'ended'), ts, type: 'call.ended', callId, agentId: track.agentId });
}

// ------------------------------------------------------------------------------------------------ staleness

export interface StaleAgent {
  agentId: string;
  /** EventTimestamp of the agent's last record. */
  lastSeen: number;
}

/**
 * Logged-in agents whose last record is older than `limitMs` at `now` (epoch ms on the clock the records' times are
 * on). Connect sends at least a HEART_BEAT every 120 s for every agent with the CCP open, so silence means the agent's
 * browser is gone or the feed from Connect is broken. Nothing is changed; see `expireStaleAgents`.
 */
export function staleAgents(state: ConnectMapperState, now: number, limitMs: number = DEFAULT_STALE_LIMIT_MS): StaleAgent[] {
  const out: StaleAgent[] = [];
  for (const a of state.agents.values()) {
    if (a.loggedIn && now - a.lastSeen > limitMs) out.push({ agentId: a.agentId, lastSeen: a.lastSeen });
  }
  return out;
}

/**
 * Logs out the stale agents: one agent.logout each, at `now` (the time the silence was noticed, so it is never
 * rejected as late). Their answered calls stay open: a later record ends them. A record from the agent afterwards
 * logs it in again.
 */
export function expireStaleAgents(state: ConnectMapperState, now: number, limitMs: number = DEFAULT_STALE_LIMIT_MS): AcdEventInput[] {
  const out: AcdEventInput[] = [];
  const ts = Math.max(0, Math.round(now));
  for (const s of staleAgents(state, now, limitMs)) {
    const a = state.agents.get(s.agentId)!;
    a.loggedIn = false;
    a.sent = undefined;
    out.push({ id: uniqueId(state.ids, `${P}:stale:${a.agentId}:${ts}`), ts, type: 'agent.logout', agentId: a.agentId });
  }
  return out;
}
