// The live connection: a typed socket.io client to the same origin that keeps the latest Snapshot in $state.
// It reconnects forever by itself (never a page reload) and asks for the snapshot again after every (re)connect.
import { io, type Socket } from 'socket.io-client';
import type { Snapshot } from '../../../shared/snapshot.js';
import { SOCKET_PATH, type ActionReply, type ClientToServerEvents, type ServerToClientEvents } from '../../../shared/socket.js';

type FloorSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** The actions a screen can send (everything but snapshot:get), each answered { ok } or { ok: false, error }. */
export type ActionName = Exclude<keyof ClientToServerEvents, 'snapshot:get'>;
export type ActionRequest<E extends ActionName> = Parameters<ClientToServerEvents[E]>[0];
export type { ActionReply };
/** The errors `act` gives itself (everything else is the server's own text). */
export const ACTION_OFFLINE = 'offline';
export const ACTION_TIMEOUT = 'timeout';

export interface LiveOptions {
  /** Origin to connect to; default the page's own origin. */
  url?: string;
  /** If no snapshot arrived for this long while connected, ask for one; default 15 s. */
  watchdogMs?: number;
  /** How long to wait for a snapshot:get reply; default 10 s. */
  ackTimeoutMs?: number;
}

export class Live {
  /** The latest snapshot (replaced whole on each update; not deeply proxied). */
  snapshot = $state.raw<Snapshot | null>(null);
  /** The socket is connected. */
  connected = $state(false);
  /** Connected, but the server stopped answering snapshot:get (watchdog). */
  unresponsive = $state(false);
  /** Local time (epoch ms) the latest snapshot was received; null before the first. */
  lastUpdateAt = $state<number | null>(null);
  /** Local time (epoch ms), ticking every second on the second: drives the clocks and timers on screen. */
  now = $state(Date.now());
  /**
   * Service clock minus local clock, estimated from the latest snapshot (generatedAt vs arrival). Timers tick from
   * the service's times, so a TV with a wrong clock (or a replay clock) still shows the right waits.
   */
  clockOffsetMs = $state(0);
  /**
   * The server refused the connection: 'unauthorized' (no valid sign-in: the page should go to /login) or
   * 'forbidden' (signed in, but this role gets no snapshot). No retries after either.
   */
  authError = $state<'unauthorized' | 'forbidden' | null>(null);

  /** "Now" on the service clock: use it for anything computed from snapshot times. */
  serviceNow = $derived(this.now + this.clockOffsetMs);
  /** The board must be shown as stale: no connection, no answer, or the ACD feed is silent. */
  stale = $derived(!this.connected || this.unresponsive || (this.snapshot?.feed.stale ?? false));

  #socket: FloorSocket | null = null;
  #tick: ReturnType<typeof setTimeout> | null = null;
  #watchdog: ReturnType<typeof setInterval> | null = null;
  #pushes = 0;
  #offsets: number[] = [];
  #options: Required<Omit<LiveOptions, 'url'>> & { url: string | undefined };

  constructor(options: LiveOptions = {}) {
    this.#options = {
      url: options.url,
      watchdogMs: options.watchdogMs ?? 15_000,
      ackTimeoutMs: options.ackTimeoutMs ?? 10_000,
    };
  }

  /**
   * Sends an action and resolves with the server's answer: `{ ok: true }`, or `{ ok: false, error }` with the server's
   * reason, ACTION_OFFLINE when there is no connection (nothing is queued to be sent later) or ACTION_TIMEOUT when no
   * answer came. Never rejects.
   */
  act<E extends ActionName>(event: E, request: ActionRequest<E>): Promise<ActionReply> {
    const socket = this.#socket;
    if (!socket?.connected) return Promise.resolve({ ok: false, error: ACTION_OFFLINE });
    // socket.io's typed emit cannot follow a generic event name; the request type is checked by the signature above.
    const emitter = socket.timeout(this.#options.ackTimeoutMs) as unknown as {
      emit(event: string, request: unknown, ack: (err: Error | null, reply?: ActionReply) => void): void;
    };
    return new Promise((resolve) => {
      emitter.emit(event, request, (err, reply) => {
        if (err) resolve({ ok: false, error: ACTION_TIMEOUT });
        else resolve(reply && typeof reply === 'object' && 'ok' in reply ? reply : { ok: false, error: 'no answer' });
      });
    });
  }

  start(): void {
    if (this.#socket) return;
    this.#startClock();

    const opts = {
      path: SOCKET_PATH,
      reconnection: true,
      reconnectionAttempts: Infinity,
      reconnectionDelay: 1_000,
      reconnectionDelayMax: 10_000,
      randomizationFactor: 0.5,
      timeout: 10_000,
    };
    const socket: FloorSocket = this.#options.url ? io(this.#options.url, opts) : io(opts);
    this.#socket = socket;

    socket.on('connect', () => {
      this.connected = true;
      this.authError = null;
      this.unresponsive = false;
      // The server pushes a snapshot on connect too; asking makes sure we get one after every reconnect.
      this.#request();
    });
    socket.on('disconnect', (reason) => {
      this.connected = false;
      // After a server-side disconnect socket.io does not retry by itself: we do, after a pause.
      if (reason === 'io server disconnect') setTimeout(() => socket.connect(), 2_000);
    });
    socket.on('connect_error', (err) => {
      this.connected = false;
      if (err.message === 'unauthorized' || err.message === 'forbidden') {
        // A refusal by the auth middleware: retrying with the same cookie would only be refused again.
        this.authError = err.message;
        socket.disconnect();
        return;
      }
      // A refusal by a server middleware leaves the socket inactive; keep trying anyway.
      if (!socket.active) setTimeout(() => socket.connect(), 5_000);
    });
    socket.on('snapshot', (snapshot) => {
      this.#pushes++;
      this.#accept(snapshot);
    });

    this.#watchdog = setInterval(() => {
      if (!this.connected) return;
      const last = this.lastUpdateAt ?? 0;
      if (Date.now() - last >= this.#options.watchdogMs) this.#request(true);
    }, this.#options.watchdogMs);
  }

  stop(): void {
    if (this.#tick) clearTimeout(this.#tick);
    if (this.#watchdog) clearInterval(this.#watchdog);
    this.#tick = null;
    this.#watchdog = null;
    this.#socket?.disconnect();
    this.#socket?.removeAllListeners();
    this.#socket = null;
    this.connected = false;
  }

  /** Ask for the current snapshot; a reply older than a push that arrived meanwhile is dropped. */
  #request(fromWatchdog = false): void {
    const socket = this.#socket;
    if (!socket) return;
    const pushesBefore = this.#pushes;
    socket.timeout(this.#options.ackTimeoutMs).emit('snapshot:get', (err: Error | null, snapshot: Snapshot) => {
      if (err) {
        // No reply: if nothing else arrived either, the server is not serving us.
        if (fromWatchdog && this.#pushes === pushesBefore && socket.connected) this.unresponsive = true;
        return;
      }
      if (this.#pushes !== pushesBefore) return;
      this.#accept(snapshot);
    });
  }

  #accept(snapshot: Snapshot): void {
    const arrived = Date.now();
    const generated = Date.parse(snapshot.generatedAt);
    if (Number.isFinite(generated)) {
      const offset = generated - arrived;
      if (snapshot.clock === 'replay') {
        // A replay clock may jump: follow it.
        this.#offsets = [offset];
      } else {
        // A snapshot can be delivered late (e.g. a cached one on connect), which only makes the offset smaller:
        // the largest of the recent ones is the best estimate.
        this.#offsets = [...this.#offsets.slice(-9), offset];
      }
      this.clockOffsetMs = Math.max(...this.#offsets);
    }
    this.snapshot = snapshot;
    this.lastUpdateAt = arrived;
    this.unresponsive = false;
    this.now = arrived;
  }

  /** Tick `now` on each whole second, so every clock on screen changes at the same moment. */
  #startClock(): void {
    const step = () => {
      this.now = Date.now();
      this.#tick = setTimeout(step, 1_000 - (Date.now() % 1_000) + 5);
    };
    step();
  }
}
