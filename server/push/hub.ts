// socket.io push: a snapshot on connect, then again whenever it changed, at most every intervalMs, and less often to a
// view whose pushes are costly (a large floor's whole snapshot: see PushPacer). Connections are
// authenticated in middleware and put by the server (never at the client's request) into one room per view
// (everything / the floor board / a lead's teams); each room gets its own cut of the snapshot. Domain code never sees
// sockets: it hands snapshots to this hub, which broadcasts to rooms (never loops over sockets).
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { Server, type Socket } from 'socket.io';
import type { Snapshot } from '../../shared/snapshot.js';
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/socket.js';
import { SOCKET_PATH } from '../../shared/socket.js';
import type { Auth, Credential } from '../auth/auth.js';
import { projectSnapshot, viewKey, type Principal, type ViewKey } from '../auth/principal.js';
import type { SnapshotService } from '../snapshots.js';
import { registerActions, type ActionDeps } from './actions.js';
import { PushPacer } from './pacer.js';

/** Time-based figures (time on break, longest wait) change without events: recompute at least this often. */
const IDLE_REFRESH_MS = 1000;
/** How often live connections are checked against revoked tokens, ended sessions and changed roles. */
const REVALIDATE_MS = 5000;

interface SocketData {
  credential: Credential;
  principal: Principal;
  view: ViewKey;
}
type FwServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type FwSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface PushHub {
  io: FwServer;
  latest(): Snapshot | null;
  stop(): Promise<void>;
}

const roomOf = (view: ViewKey) => `view:${view}`;

/**
 * Whether two snapshots of the same store version hold the same figures. The figures are a function of the store and
 * the service clock's "now" (generatedAt), so with the same now only what follows the wall clock can differ: the
 * feed's staleness, a broadcast's expiry and the alerts (which follow both). Comparing those, not the whole snapshot,
 * spares serialising a large floor's snapshot twice a second when no events come.
 */
function sameContent(a: Snapshot, b: Snapshot): boolean {
  if (a.generatedAt !== b.generatedAt) return false;
  return JSON.stringify([a.feed, a.broadcast, a.alerts]) === JSON.stringify([b.feed, b.broadcast, b.alerts]);
}

/** Browsers send Origin; a socket from another site's page (cross-site WebSocket hijacking) is refused. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true; // not a browser
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

export interface PushOptions {
  snapshots: SnapshotService;
  auth: Auth;
  /** What the screens' actions (acknowledge, callback mode, …) need. */
  actions: ActionDeps;
  intervalMs: number;
  log: Logger;
}

export function startPushHub(httpServer: HttpServer, { snapshots, auth, actions, intervalMs, log }: PushOptions): PushHub {
  const io: FwServer = new Server(httpServer, {
    path: SOCKET_PATH,
    serveClient: false,
    allowRequest: (req, callback) => callback(null, sameOrigin(req)),
  });
  let latest: Snapshot | null = null;
  let lastVersion = -1;
  let lastComputeAt = 0;
  let computing: Promise<Snapshot> | null = null;

  // Concurrent callers share one computation.
  function compute(): Promise<Snapshot> {
    computing ??= snapshots.compute().finally(() => (computing = null));
    return computing;
  }

  io.use(async (socket, next) => {
    try {
      const credential = auth.credentialFrom(socket.request.headers, (socket.handshake.auth as { token?: unknown }).token);
      const principal = await auth.principal(credential);
      const view = principal && viewKey(principal);
      if (!principal || !view) {
        await auth.denied(principal, 'socket', { address: socket.handshake.address });
        return next(new Error(principal ? 'forbidden' : 'unauthorized'));
      }
      socket.data = { credential, principal, view };
      next();
    } catch (err) {
      next(err as Error);
    }
  });

  io.on('connection', (socket: FwSocket) => {
    const { view } = socket.data;
    void socket.join(roomOf(view));
    const send = (s: Snapshot) => socket.emit('snapshot', projectSnapshot(s, view));
    if (latest) send(latest);
    else compute().then(send, (err) => log.error({ err }, 'snapshot for new client failed'));
    socket.on('snapshot:get', (reply) => {
      if (typeof reply !== 'function') return;
      compute().then((s) => reply(projectSnapshot(s, socket.data.view)), (err) => log.error({ err }, 'snapshot:get failed'));
    });
    registerActions(socket, actions);
  });

  /** The latest snapshot that changed what the screens show: each room gets it when its turn comes. */
  let toPush: Snapshot | null = null;
  const pacer = new PushPacer<Snapshot>(intervalMs / 2);

  /** Each room whose turn it is (PushPacer) gets its cut; the cut is made once per view, not per socket. */
  function broadcast(snap: Snapshot) {
    const rooms = new Set([...io.of('/').adapter.rooms.keys()].filter((room) => room.startsWith('view:')));
    pacer.keepOnly(rooms);
    for (const room of rooms) {
      const startedAt = performance.now();
      if (!pacer.due(room, snap, startedAt)) continue;
      io.to(room).emit('snapshot', projectSnapshot(snap, room.slice('view:'.length) as ViewKey));
      pacer.sent(room, snap, startedAt, performance.now());
    }
  }

  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  async function tick() {
    const started = Date.now();
    try {
      // Nobody watching from this process: nothing to compute (HTTP readers compute their own).
      if (io.engine.clientsCount > 0) {
        const { version } = await snapshots.now();
        const due = version !== lastVersion || Date.now() - lastComputeAt >= IDLE_REFRESH_MS;
        if (due) {
          const eventsApplied = version !== lastVersion;
          lastVersion = version;
          lastComputeAt = Date.now();
          const previous = latest;
          const snap = await compute();
          latest = snap;
          // New events change the snapshot: push without comparing (serialising a large floor's snapshot costs more
          // than the push). A refresh with no new events is pushed only when time moved a figure.
          if (eventsApplied || !previous || !sameContent(previous, snap)) toPush = snap;
        }
        // also to rooms that were not due when it was made
        if (toPush) broadcast(toPush);
      }
    } catch (err) {
      log.error({ err }, 'snapshot push failed');
    }
    // A fixed period from the start of this tick, not intervalMs after a slow snapshot.
    if (!stopped) timer = setTimeout(tick, Math.max(0, intervalMs - (Date.now() - started)));
  }
  timer = setTimeout(tick, 0);

  // A revoked or expired credential, or a changed role, is dropped from its live connection.
  async function revalidate() {
    // Many screens share one credential (a TV token, a supervisor's session): look each up once per pass.
    const views = new Map<string, Promise<ViewKey | null>>();
    for (const socket of (await io.fetchSockets()) as unknown as FwSocket[]) {
      const c = socket.data.credential;
      const id = c.kind === 'bearer' ? `b:${c.token}` : c.kind === 'session' ? `s:${c.id}` : c.kind;
      if (!views.has(id)) views.set(id, auth.principal(c).then((p) => p && viewKey(p), () => null));
      const view = await views.get(id)!;
      if (view !== socket.data.view) {
        log.info({ principal: socket.data.principal.id }, 'credential no longer valid: closing its connection');
        socket.disconnect(true);
      }
    }
  }
  const revalidateTimer = setInterval(() => void revalidate().catch((err) => log.error({ err }, 'revalidation failed')), REVALIDATE_MS);

  return {
    io,
    latest: () => latest,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      clearInterval(revalidateTimer);
      await io.close();
    },
  };
}
