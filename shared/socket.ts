// Typed socket.io event maps, used as generics by the server (server/push) and the client (client/src/lib).
import type { Snapshot } from './snapshot.js';

export interface ServerToClientEvents {
  /** The full snapshot: sent on connect, then whenever it changes (at most every 250 ms). */
  snapshot: (snapshot: Snapshot) => void;
}

export interface ClientToServerEvents {
  /** Ask for the current snapshot again (after a reconnect the server also sends it unasked). */
  'snapshot:get': (reply: (snapshot: Snapshot) => void) => void;
}

export const SOCKET_PATH = '/socket.io';
