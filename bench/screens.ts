// Bench child: a group of wallboard screens, each a real socket.io client (socket.io-client, own connection). Forked by
// bench/run.ts with an IPC channel, so that parsing the pushed snapshots does not run on the load generator's event
// loop (nor on the service's). Each screen notes when it first sees the marker queue's `waiting` count reach n, which
// is when marker n reached that screen. With trackAlerts (the team leads of the popup phase), each screen also reports
// at once every alert it sees for the first time that still needs someone (not cleared, not acknowledged): what the
// lead's page pops up.
//
// Messages from the parent: {type:'connect', url, clients, markerQueue, token?, cookies?, trackAlerts?}
//                             -> {type:'connected', connected, failed}; then {type:'alert-seen', ...AlertSeen} as they come
//                           {type:'reset'} (start of the measured window) -> {type:'reset'}
//                           {type:'collect'} -> {type:'result', ...ScreensResult}
//                           {type:'stop'} -> disconnects and exits
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import type { Snapshot } from '../shared/snapshot.js';
import type { ClientToServerEvents, ServerToClientEvents } from '../shared/socket.js';
import { SOCKET_PATH } from '../shared/socket.js';

export interface ScreensResult {
  type: 'result';
  /** recv[client][n] = Date.now() when the client first saw marker n (index 0 unused); null when never seen. */
  recv: (number | null)[][];
  /** Snapshots each client received since the last reset. */
  snapshots: number[];
  /** Size in bytes of the last snapshot message (socket.io packet) seen by the first client. */
  frameBytes: number;
  /** Event-loop delay of this screens process since the reset, ms. */
  loopP99Ms: number;
  loopMaxMs: number;
  disconnects: number;
}

/** A screen saw an alert for the first time (popup phase). */
export interface AlertSeen {
  type: 'alert-seen';
  client: number;
  id: string;
  rule: string;
  subjectId: string;
  /** Date.now() when the snapshot showing it arrived. */
  at: number;
}

interface ConnectMsg {
  type: 'connect';
  url: string;
  clients: number;
  markerQueue: string;
  timeoutMs: number;
  /** Bearer token (display or supervisor) sent in the handshake. */
  token?: string;
  /** Session cookies (a signed-in lead), one per screen, reused round-robin. */
  cookies?: string[];
  trackAlerts?: boolean;
}

type Msg =
  | ConnectMsg
  | { type: 'reset' }
  | { type: 'collect' }
  | { type: 'stop' };

interface Screen {
  socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  seen: number;
  recv: (number | null)[];
  snapshots: number;
  gotFirst: boolean;
  index: number;
  alertsSeen: Set<string>;
}

const screens: Screen[] = [];
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
let frameBytes = 0;
let disconnects = 0;
let markerQueue = '';
let trackAlerts = false;

function send(msg: unknown) {
  process.send?.(msg);
}

function onSnapshot(screen: Screen, snap: Snapshot) {
  const at = Date.now();
  screen.snapshots++;
  if (trackAlerts) {
    for (const a of snap.alerts) {
      if (a.clearedAt || a.ack || screen.alertsSeen.has(a.id)) continue;
      screen.alertsSeen.add(a.id);
      send({ type: 'alert-seen', client: screen.index, id: a.id, rule: a.rule, subjectId: a.subject.id, at } satisfies AlertSeen);
    }
  }
  const q = snap.queues.find((x) => x.queueId === markerQueue);
  const waiting = q?.waiting ?? 0;
  if (!screen.gotFirst) {
    // the state before any marker of this run: later markers count from here
    screen.gotFirst = true;
    screen.seen = waiting;
    return;
  }
  while (screen.seen < waiting) {
    screen.seen++;
    screen.recv[screen.seen] = at;
  }
}

async function connectAll({ url, clients: n, timeoutMs, token, cookies }: ConnectMsg) {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < n; i++) {
    const cookie = cookies?.length ? cookies[i % cookies.length] : undefined;
    // forceNew: one connection per screen, as separate browsers would have (not multiplexed on one Manager).
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, {
      path: SOCKET_PATH,
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      timeout: timeoutMs,
      ...(token ? { auth: { token } } : {}),
      ...(cookie ? { extraHeaders: { cookie } } : {}),
    });
    const screen: Screen = { socket, seen: 0, recv: [], snapshots: 0, gotFirst: false, index: i, alertsSeen: new Set() };
    socket.on('snapshot', (s) => onSnapshot(screen, s));
    socket.on('disconnect', () => disconnects++);
    socket.on('connect_error', (err) => {
      if (i === 0) console.error(`screen: cannot connect: ${err.message}`);
    });
    if (i === 0) {
      socket.io.on('open', () => {
        socket.io.engine.on('packet', (p: { type: string; data?: unknown }) => {
          if (p.type === 'message' && typeof p.data === 'string') frameBytes = Buffer.byteLength(p.data);
        });
      });
    }
    screens.push(screen);
  }
  // Bounded wait until every screen has its first snapshot.
  while (Date.now() < deadline && screens.some((s) => !s.gotFirst)) await new Promise((r) => setTimeout(r, 50));
  const connected = screens.filter((s) => s.gotFirst).length;
  send({ type: 'connected', connected, failed: screens.length - connected });
}

process.on('message', (msg: Msg) => {
  if (msg.type === 'connect') {
    markerQueue = msg.markerQueue;
    trackAlerts = Boolean(msg.trackAlerts);
    void connectAll(msg);
  } else if (msg.type === 'reset') {
    for (const s of screens) s.snapshots = 0;
    loop.reset();
    disconnects = 0;
    send({ type: 'reset' });
  } else if (msg.type === 'collect') {
    const result: ScreensResult = {
      type: 'result',
      recv: screens.map((s) => Array.from({ length: s.recv.length }, (_, i) => s.recv[i] ?? null)),
      snapshots: screens.map((s) => s.snapshots),
      frameBytes,
      loopP99Ms: loop.percentile(99) / 1e6,
      loopMaxMs: loop.max / 1e6,
      disconnects,
    };
    send(result);
  } else if (msg.type === 'stop') {
    for (const s of screens) s.socket.disconnect();
    setTimeout(() => process.exit(0), 100);
  }
});
// The bench went away: do not linger.
process.on('disconnect', () => process.exit(0));
