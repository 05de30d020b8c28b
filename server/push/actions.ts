// What people do from the screens, over socket.io: each handler checks the role, calls the store, and answers
// { ok } or { ok: false, error }. Every refusal is written to the duty log.
import type { Logger } from 'pino';
import type { Socket } from 'socket.io';
import { z } from 'zod';
import type { ActionReply, ClientToServerEvents, ServerToClientEvents } from '../../shared/socket.js';
import { deepMerge, validateChange } from '../alerts/thresholds.js';
import type { Auth } from '../auth/auth.js';
import { has, type Principal } from '../auth/principal.js';
import type { Config } from '../config.js';
import type { AlertsStore } from '../store/alerts-store.js';
import type { DutyLog } from '../store/duty-log.js';

export interface ActionDeps {
  auth: Auth;
  alerts: AlertsStore;
  dutyLog: DutyLog;
  config: Config;
  now: () => number;
  log: Logger;
}

const ackRequest = z.object({ id: z.string().min(1).max(40), note: z.string().max(500).optional() });
const callbackRequest = z.object({ scope: z.enum(['queue', 'team']), id: z.string().min(1).max(200), on: z.boolean() });
const broadcastRequest = z.object({
  text: z.string().max(280),
  audience: z.union([z.literal('all'), z.array(z.string().min(1)).min(1).max(200)]),
  minutes: z.number().int().min(1).max(24 * 60),
});
const noteRequest = z.object({ text: z.string().trim().min(1).max(2000) });

const isSupervisor = (p: Principal) => has(p, 'supervisor') || has(p, 'admin');

type Handler = (p: Principal, request: unknown) => Promise<ActionReply>;

export function registerActions(
  socket: Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, { principal: Principal }>,
  deps: ActionDeps,
): void {
  const { alerts, dutyLog, now } = deps;
  const denied = async (p: Principal, what: string): Promise<ActionReply> => {
    await deps.auth.denied(p, what);
    return { ok: false, error: 'your role may not do this' };
  };

  const handlers: Record<Exclude<keyof ClientToServerEvents, 'snapshot:get'>, Handler> = {
    'alert:ack': async (p, request) => {
      const r = ackRequest.parse(request);
      const subject = await alerts.subjectOf(r.id);
      if (!subject) return { ok: false, error: 'no such alert' };
      // A lead acknowledges the alerts of their own teams; a supervisor any.
      const allowed = isSupervisor(p) || (has(p, 'lead') && subject.teamId !== undefined && p.teams.includes(subject.teamId));
      if (!allowed) return denied(p, 'alert:ack');
      return (await alerts.acknowledge(r.id, p.name, r.note ?? '', now())) ? { ok: true } : { ok: false, error: 'already acknowledged' };
    },
    'callback:set': async (p, request) => {
      if (!isSupervisor(p)) return denied(p, 'callback:set');
      const r = callbackRequest.parse(request);
      await alerts.setCallbackMode(r.scope, r.id, r.on, p.name, now());
      return { ok: true };
    },
    'broadcast:set': async (p, request) => {
      if (!isSupervisor(p)) return denied(p, 'broadcast:set');
      const r = broadcastRequest.parse(request);
      const at = now();
      const text = r.text.trim();
      await alerts.setBroadcast(text ? { text, audience: r.audience, expiresAt: new Date(at + r.minutes * 60_000).toISOString(), by: p.name, at: new Date(at).toISOString() } : null, p.name, at);
      return { ok: true };
    },
    'thresholds:set': async (p, request) => {
      if (!isSupervisor(p)) return denied(p, 'thresholds:set');
      if (request === null || typeof request !== 'object' || Array.isArray(request)) return { ok: false, error: 'request: expected an object' };
      const live = (await alerts.readControls(now())).thresholdOverrides;
      // Check what would be in force (file values, live changes, this change); store only the live layer.
      const check = validateChange(deepMerge(deps.config.alerts, live), request);
      if (!check.ok) return { ok: false, error: check.error };
      await alerts.setThresholdOverrides(deepMerge(live, request) as Record<string, unknown>, request as Record<string, unknown>, p.name);
      return { ok: true };
    },
    'note:add': async (p, request) => {
      if (!isSupervisor(p) && !has(p, 'lead')) return denied(p, 'note:add');
      const r = noteRequest.parse(request);
      await dutyLog.append('note', p.name, { text: r.text });
      return { ok: true };
    },
  };

  for (const [event, handle] of Object.entries(handlers)) {
    socket.on(event as keyof ClientToServerEvents, async (request: unknown, reply: unknown) => {
      const answer = (r: ActionReply) => typeof reply === 'function' && (reply as (r: ActionReply) => void)(r);
      try {
        answer(await handle(socket.data.principal, request));
      } catch (e) {
        if (e instanceof z.ZodError) return answer({ ok: false, error: e.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ') });
        deps.log.error({ err: e, event }, 'action failed');
        answer({ ok: false, error: 'the action failed; see the server log' });
      }
    });
  }
}
