// AMI client: TCP to Asterisk's manager port, login, `QueueStatus` resync on every (re)connect, keep-alive Ping,
// reconnect with capped exponential backoff plus jitter. Events go to the sink in order, one batch per TCP read.
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { AcdEventInput } from '../../../shared/events.js';
import { type AsteriskMappingConfig, DEFAULT_RETRY_DELAYS_MS, deliver, type EventSink, type Logger, silentLogger } from './common.js';
import { AmiFramer, type AmiFrame } from './framer.js';
import { mapAmiFrame, newAmiMapperState } from './mapper.js';

export interface AmiClientOptions {
  host: string;
  /** @default 5038 */
  port?: number;
  username: string;
  secret: string;
  /** Log in with the MD5 challenge, so the secret never crosses the network. @default false */
  md5?: boolean;
  /** Event classes asked for at login (`Events:`); 'on' means every class the manager.conf user may read. @default 'on' */
  events?: string;
  sink: EventSink;
  /** Clock (epoch ms) for events without a `Timestamp` and for the status. @default Date.now */
  now?: () => number;
  log?: Logger;
  config?: AsteriskMappingConfig;
  /** Keep-alive: a Ping every this many ms; no answer by the next one drops the connection. @default 20000 */
  pingIntervalMs?: number;
  /** Connecting and logging in must finish within this. @default 10000 */
  loginTimeoutMs?: number;
  /** Delay before reconnect attempt n (from 0): min(maxMs, initialMs * factor^n), times 1 ± jitter. */
  backoff?: { initialMs?: number; maxMs?: number; factor?: number; jitter?: number };
  /** Random source for the jitter, in [0, 1). @default Math.random */
  random?: () => number;
  /** Waits before retrying a failed sink call; the batch is dropped after the last. @default [250, 1000, 4000] */
  retryDelaysMs?: number[];
  /** Limits of one AMI message. @default 65536 characters, 1000 lines */
  maxFrameChars?: number;
  maxFrameLines?: number;
}

export interface AmiClientStatus {
  /** Logged in and receiving events. */
  connected: boolean;
  /** When the last AMI event arrived (epoch ms), null before the first. */
  lastEventAt: number | null;
  /** Floorwatch events produced and handed to the sink. */
  eventsTotal: number;
  /** Failures: connection errors, failed logins, lost keep-alives, oversized messages, sink failures. */
  errors: number;
  lastError: string | null;
  /** Connection attempts after the first. */
  reconnects: number;
  /** `Asterisk Call Manager/x.y.z` of the current connection. */
  banner: string | null;
}

export interface AmiClient {
  /** Logs off, closes the connection, stops reconnecting and waits for the sink to take what was read. */
  stop(): Promise<void>;
  status(): AmiClientStatus;
}

/** Formats an AMI action. Values lose any CR/LF so that a configured value cannot inject lines. */
export function formatAction(fields: Record<string, string>): string {
  let s = '';
  for (const [k, v] of Object.entries(fields)) s += `${k}: ${String(v).replace(/[\r\n]+/g, ' ')}\r\n`;
  return s + '\r\n';
}

const MAX_QUEUED_BATCHES = 64;

export function startAmiClient(opts: AmiClientOptions): AmiClient {
  const port = opts.port ?? 5038;
  const log = opts.log ?? silentLogger;
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  const pingIntervalMs = opts.pingIntervalMs ?? 20_000;
  const loginTimeoutMs = opts.loginTimeoutMs ?? 10_000;
  const backoff = { initialMs: 1000, maxMs: 30_000, factor: 2, jitter: 0.2, ...opts.backoff };
  const retryDelays = opts.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const ctx = { config: opts.config ?? {}, state: newAmiMapperState(), now };

  let socket: Socket | undefined;
  let loggedIn = false;
  let stopped = false;
  let attempt = 0;
  let seq = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let loginTimer: NodeJS.Timeout | undefined;
  let pingTimer: NodeJS.Timeout | undefined;
  let awaitingPong: string | undefined;
  let expect: { challenge?: string; login?: string } = {};
  let chain: Promise<void> = Promise.resolve();
  let queuedBatches = 0;
  const st: AmiClientStatus = { connected: false, lastEventAt: null, eventsTotal: 0, errors: 0, lastError: null, reconnects: 0, banner: null };

  const framer = new AmiFramer({
    maxFrameChars: opts.maxFrameChars,
    maxFrameLines: opts.maxFrameLines,
    onBanner: (banner) => {
      st.banner = banner;
      log.info({ banner }, 'ami: connected');
    },
    onError: (e) => fail(e.message, false),
  });

  function fail(message: string, drop: boolean): void {
    st.errors++;
    st.lastError = message;
    log.warn({ host: opts.host, port }, `ami: ${message}`);
    if (drop) socket?.destroy();
  }

  function send(fields: Record<string, string>): void {
    socket?.write(formatAction(fields));
  }

  function actionId(kind: string): string {
    return `floorwatch-${kind}-${++seq}`;
  }

  function sendLogin(challenge?: string): void {
    expect.login = actionId('login');
    const fields: Record<string, string> = { Action: 'Login', ActionID: expect.login, Username: opts.username };
    if (challenge !== undefined) {
      fields.AuthType = 'MD5';
      fields.Key = createHash('md5').update(challenge + opts.secret).digest('hex');
    } else {
      fields.Secret = opts.secret;
    }
    fields.Events = opts.events ?? 'on';
    send(fields);
  }

  function onLoggedIn(): void {
    loggedIn = true;
    st.connected = true;
    attempt = 0;
    clearTimeout(loginTimer);
    log.info({ host: opts.host, port }, 'ami: logged in; asking for QueueStatus');
    send({ Action: 'QueueStatus', ActionID: actionId('resync') });
    pingTimer = setInterval(() => {
      if (awaitingPong) {
        fail(`no answer to Ping within ${pingIntervalMs} ms; reconnecting`, true);
        return;
      }
      awaitingPong = actionId('ping');
      send({ Action: 'Ping', ActionID: awaitingPong });
    }, pingIntervalMs);
  }

  /** Handles a reply to one of our actions; returns true when it was one. */
  function onResponse(frame: AmiFrame): boolean {
    const id = frame.get('ActionID');
    if (id === undefined) return false;
    const ok = (frame.get('Response') ?? '').toLowerCase() === 'success';
    if (id === expect.challenge) {
      expect.challenge = undefined;
      const challenge = frame.get('Challenge');
      if (ok && challenge) sendLogin(challenge);
      else fail(`MD5 challenge refused: ${frame.get('Message') ?? 'no challenge'}`, true);
      return true;
    }
    if (id === expect.login) {
      expect.login = undefined;
      if (ok) onLoggedIn();
      else fail(`login failed: ${frame.get('Message') ?? frame.get('Response') ?? 'no reason given'}`, true);
      return true;
    }
    if (id === awaitingPong) {
      awaitingPong = undefined;
      return true;
    }
    return false;
  }

  function onData(sock: Socket, chunk: Buffer): void {
    if (sock !== socket) return;
    const batch: AcdEventInput[] = [];
    for (const frame of framer.push(chunk)) {
      if (frame.get('Response') !== undefined && onResponse(frame)) continue;
      if (frame.get('Event') !== undefined) st.lastEventAt = now();
      try {
        batch.push(...mapAmiFrame(frame, ctx));
      } catch (err) {
        // The mapper is written not to throw; an AMI message must never take the adapter down if it does.
        fail(`could not map an AMI message: ${(err as Error).message}`, false);
      }
    }
    if (batch.length) enqueue(batch, sock);
  }

  function enqueue(batch: AcdEventInput[], sock: Socket): void {
    st.eventsTotal += batch.length;
    queuedBatches++;
    if (queuedBatches > MAX_QUEUED_BATCHES) sock.pause(); // the sink is slow: let TCP push back on Asterisk
    chain = chain.then(async () => {
      await deliver(opts.sink, batch, retryDelays, (err, n, givingUp) => {
        fail(`the sink failed (${(err as Error)?.message ?? err}); ${givingUp ? `${batch.length} events dropped` : `retry ${n + 1}`}`, false);
      }, () => !stopped);
      queuedBatches--;
      if (queuedBatches <= MAX_QUEUED_BATCHES / 2 && sock.isPaused()) sock.resume();
    });
  }

  function open(): void {
    if (stopped) return;
    reconnectTimer = undefined;
    framer.reset();
    expect = {};
    awaitingPong = undefined;
    const sock = connect({ host: opts.host, port });
    socket = sock;
    sock.setNoDelay(true);
    sock.setKeepAlive(true, 30_000);
    loginTimer = setTimeout(() => {
      if (sock === socket && !loggedIn) fail(`no login within ${loginTimeoutMs} ms`, true);
    }, loginTimeoutMs);
    sock.on('connect', () => {
      if (opts.md5) {
        expect.challenge = actionId('challenge');
        send({ Action: 'Challenge', AuthType: 'MD5', ActionID: expect.challenge });
      } else {
        sendLogin();
      }
    });
    sock.on('data', (chunk: Buffer) => onData(sock, chunk));
    sock.on('error', (err) => {
      if (sock === socket) fail(`connection error: ${err.message}`, false);
    });
    sock.on('close', () => {
      if (sock !== socket) return;
      socket = undefined;
      loggedIn = false;
      st.connected = false;
      st.banner = null;
      clearTimeout(loginTimer);
      clearInterval(pingTimer);
      framer.reset(); // a half-received message is dropped, never mapped
      if (!stopped) schedule();
    });
  }

  function schedule(): void {
    const base = Math.min(backoff.maxMs, backoff.initialMs * Math.pow(backoff.factor, attempt));
    const delay = Math.max(0, Math.round(base * (1 - backoff.jitter + 2 * backoff.jitter * random())));
    attempt++;
    st.reconnects++;
    log.info({ host: opts.host, port, delayMs: delay }, 'ami: disconnected; reconnecting');
    reconnectTimer = setTimeout(open, delay);
  }

  open();

  return {
    status: () => ({ ...st }),
    async stop() {
      stopped = true;
      clearTimeout(reconnectTimer);
      clearTimeout(loginTimer);
      clearInterval(pingTimer);
      const sock = socket;
      if (sock) {
        const closed = new Promise<void>((resolve) => sock.once('close', () => resolve()));
        if (loggedIn) sock.end(formatAction({ Action: 'Logoff', ActionID: actionId('logoff') }));
        else sock.end();
        const timer = setTimeout(() => sock.destroy(), 1000);
        await closed;
        clearTimeout(timer);
      }
      await chain;
    },
  };
}
