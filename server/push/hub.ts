// socket.io push: a full snapshot on connect, then the snapshot again whenever it changed, at most every intervalMs.
// Domain code never sees sockets; it hands snapshots to this hub, which broadcasts to a room (never a loop over sockets).
import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { Server } from 'socket.io';
import type { Snapshot } from '../../shared/snapshot.js';
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/socket.js';
import { SOCKET_PATH } from '../../shared/socket.js';
import type { SnapshotService } from '../snapshots.js';

const FLOOR_ROOM = 'floor';
/** Time-based figures (time on break, longest wait) change without events: recompute at least this often. */
const IDLE_REFRESH_MS = 1000;

export interface PushHub {
  io: Server<ClientToServerEvents, ServerToClientEvents>;
  /** Latest snapshot sent (or computed), if any. */
  latest(): Snapshot | null;
  stop(): Promise<void>;
}

export function startPushHub(httpServer: HttpServer, snapshots: SnapshotService, intervalMs: number, log: Logger): PushHub {
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(httpServer, { path: SOCKET_PATH, serveClient: false });
  let latest: Snapshot | null = null;
  let latestJson = '';
  let lastVersion = -1;
  let lastComputeAt = 0;
  let computing: Promise<Snapshot> | null = null;

  // Concurrent callers share one computation.
  function compute(): Promise<Snapshot> {
    computing ??= snapshots.compute().finally(() => (computing = null));
    return computing;
  }

  io.on('connection', (socket) => {
    void socket.join(FLOOR_ROOM);
    const send = (s: Snapshot) => socket.emit('snapshot', s);
    if (latest) send(latest);
    else compute().then(send, (err) => log.error({ err }, 'snapshot for new client failed'));
    socket.on('snapshot:get', (reply) => {
      if (typeof reply !== 'function') return;
      compute().then(reply, (err) => log.error({ err }, 'snapshot:get failed'));
    });
  });

  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  async function tick() {
    try {
      const { version } = await snapshots.now();
      const due = version !== lastVersion || Date.now() - lastComputeAt >= IDLE_REFRESH_MS;
      if (due) {
        lastVersion = version;
        lastComputeAt = Date.now();
        const snap = await compute();
        const { generatedAt: _ignored, ...rest } = snap;
        const json = JSON.stringify(rest);
        latest = snap;
        if (json !== latestJson) {
          latestJson = json;
          io.to(FLOOR_ROOM).emit('snapshot', snap);
        }
      }
    } catch (err) {
      log.error({ err }, 'snapshot push failed');
    }
    if (!stopped) timer = setTimeout(tick, intervalMs);
  }
  timer = setTimeout(tick, 0);

  return {
    io,
    latest: () => latest,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await io.close();
    },
  };
}
