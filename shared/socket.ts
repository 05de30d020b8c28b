// Typed socket.io event maps, used as generics by the server (server/push) and the client (client/src/lib).
import type { Snapshot } from './snapshot.js';

/** The answer to every action: done, or why not. */
export type ActionReply = { ok: true } | { ok: false; error: string };

export interface ServerToClientEvents {
  /** The full snapshot: sent on connect, then whenever it changes (at most every 250 ms). */
  snapshot: (snapshot: Snapshot) => void;
}

export interface ClientToServerEvents {
  /** Ask for the current snapshot again (after a reconnect the server also sends it unasked). */
  'snapshot:get': (reply: (snapshot: Snapshot) => void) => void;
  /** Acknowledge an alert (a supervisor any; a lead those of their teams). */
  'alert:ack': (request: { id: string; note?: string }, reply: (r: ActionReply) => void) => void;
  /** Switch callback mode for a queue or team (supervisor). */
  'callback:set': (request: { scope: 'queue' | 'team'; id: string; on: boolean }, reply: (r: ActionReply) => void) => void;
  /** Show a message on the wallboards' ticker until it expires (supervisor); empty text removes it. */
  'broadcast:set': (request: { text: string; audience: 'all' | string[]; minutes: number }, reply: (r: ActionReply) => void) => void;
  /** Change alert thresholds (supervisor): a partial object, validated, effective at once. */
  'thresholds:set': (request: Record<string, unknown>, reply: (r: ActionReply) => void) => void;
  /** A free-text note in the duty log (supervisor, lead). */
  'note:add': (request: { text: string }, reply: (r: ActionReply) => void) => void;
}

export const SOCKET_PATH = '/socket.io';
