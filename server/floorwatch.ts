// Composition root: config -> Redis -> store -> ingest sources -> snapshots -> HTTP + socket.io -> graceful stop.
// Used by server/main.ts (the process) and by the integration tests (in-process, on a random port and key prefix).
import { createServer } from 'node:http';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import { wallClock, type Clock } from '../shared/time.js';
import { resolve } from 'node:path';
import { Accounts } from './auth/accounts.js';
import { Auth } from './auth/auth.js';
import type { Config } from './config.js';
import { createApp } from './http/app.js';
import { Ingest } from './ingest/pipeline.js';
import { demoSite } from './demo.js';
import { AcdSimulator, startSimulator } from './ingest/simulator/index.js';
import { AmazonConnectConnector } from './ingest/amazon-connect/connector.js';
import { SourceRegistry, startConfiguredSources } from './ingest/sources.js';
import { readDeadLetters, startStreamConsumer, type StreamStatus } from './ingest/stream.js';
import { startPushHub, type PushHub } from './push/hub.js';
import { SeriesService } from './series.js';
import { SnapshotService } from './snapshots.js';
import { AlertsStore } from './store/alerts-store.js';
import { AuthStore } from './store/auth-store.js';
import { DutyLog } from './store/duty-log.js';
import { Store } from './store/store.js';
import { ingestCounters } from './metrics/snapshot.js';

export interface StartOptions {
  config: Config;
  redisUrl: string;
  /** Wall clock; tests inject a fixed one. */
  clock?: Clock;
  log?: Logger;
  /** Listen address; defaults to all interfaces. */
  host?: string;
  /** FLOORWATCH_INGEST_TOKEN / FLOORWATCH_SUPERVISOR_TOKEN: bearer tokens for automation. */
  ingestToken?: string | undefined;
  supervisorToken?: string | undefined;
  /** Unique name of this process in the stream consumer group. */
  consumerName?: string;
}

export interface Floorwatch {
  port: number;
  url: string;
  store: Store;
  dutyLog: DutyLog;
  alerts: AlertsStore;
  ingest: Ingest;
  snapshots: SnapshotService;
  push: PushHub;
  stop(): Promise<void>;
}

export async function startFloorwatch(options: StartOptions): Promise<Floorwatch> {
  const { config } = options;
  const log = options.log ?? pino({ level: process.env.LOG_LEVEL ?? 'info' });
  const wall = options.clock ?? wallClock;
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  // Blocking stream reads, and the snapshot's work (its large reads and the alert step), get connections of their own:
  // they never delay ingest, and a snapshot does not wait behind the event batches queued on the ingest connection.
  const streamRedis = redis.duplicate();
  const snapshotRedis = redis.duplicate();

  // The demo keeps its numbers apart from real ones and starts from a clean floor each time.
  const keyPrefix = config.simulatorOn ? `${config.redis.keyPrefix}-demo` : config.redis.keyPrefix;
  const store = new Store(redis, {
    keyPrefix,
    replay: config.clock === 'replay',
    latenessMs: config.ingest.latenessSeconds * 1000,
    dedupeSeconds: config.ingest.dedupeSeconds,
    maxWaitMs: config.ingest.maxWaitMinutes * 60_000,
    seriesKeepHours: config.series.keepHours,
  }, snapshotRedis);
  const ingest = new Ingest(store, config, wall);
  const dutyLog = new DutyLog(redis, store.keys, () => wall.now());
  const authStore = new AuthStore(redis, store.keys);
  const auth = new Auth({
    accounts: new Accounts(resolve(config.auth.usersFile)),
    store: authStore,
    dutyLog,
    now: () => wall.now(),
    log,
    envTokens: { ingest: options.ingestToken, supervisor: options.supervisorToken },
    demo: config.simulatorOn,
    sessionHours: config.auth.sessionHours,
    displaySessionDays: config.auth.displaySessionDays,
    signIn: { attempts: config.auth.signInAttempts, windowMinutes: config.auth.signInWindowMinutes },
  });
  const alerts = new AlertsStore(snapshotRedis, store.keys, dutyLog);
  const series = new SeriesService(store, config);
  const snapshots = new SnapshotService(store, alerts, config, wall, series);

  const sources = new SourceRegistry(ingest, () => wall.now());
  const streamStatus: StreamStatus = { running: false, entriesRead: 0, lastEntryAt: null, errors: 0, deadLettered: 0 };
  const stopStream = config.ingest.stream.enabled
    ? startStreamConsumer(
        streamRedis,
        sources.register('stream', {
          connected: () => streamStatus.running,
          detail: () => ({ key: config.ingest.stream.key, entriesRead: streamStatus.entriesRead, errors: streamStatus.errors, deadLettered: streamStatus.deadLettered }),
        }),
        {
          key: config.ingest.stream.key,
          group: config.ingest.stream.group,
          consumer: options.consumerName ?? `${hostname()}-${process.pid}`,
          batchSize: config.ingest.stream.batchSize,
          claimIdleMs: config.ingest.stream.claimIdleMs,
        },
        log,
        streamStatus,
      )
    : async () => {};

  if (config.simulatorOn) await store.clear();
  // Starts in the past: the first batch is the last hour of history, so the board has windows to show at once.
  const simStart = wall.now() - config.simulator.historyMinutes * 60_000;
  const simulator = config.simulatorOn
    ? startSimulator({
        simulator: new AcdSimulator({ seed: config.simulator.seed, startMs: simStart, site: demoSite(wall.now()) }),
        now: () => wall.now(),
        sink: sources.register('simulator', { connected: () => true, backfill: true }),
        tickMs: config.simulator.tickMs,
        onError: (err) => log.error({ err }, 'simulator batch failed'),
      })
    : null;

  const stopSources = startConfiguredSources(config, sources, log, () => wall.now());
  const amazonConnect = new AmazonConnectConnector(sources.register('amazon-connect'), config.sources.amazonConnect, () => wall.now());
  const staleTimer = setInterval(() => void amazonConnect.expireStale().catch((err) => log.error({ err }, 'Amazon Connect stale check failed')), 60_000);

  const app = createApp({
    config,
    auth,
    authStore,
    dutyLog,
    ingestEvents: sources.register('http'),
    amazonConnect: (body) => amazonConnect.handle(body),
    deadLetters: (count) => readDeadLetters(redis, config.ingest.stream.key, count),
    snapshots,
    series,
    log,
    health: async () => {
      const meta = await store.readMeta();
      return {
        redis: redis.status,
        clock: config.clock,
        lastEventAt: meta.lastEventWall === null ? null : new Date(meta.lastEventWall).toISOString(),
        sources: sources.health(),
        ingest: ingestCounters(meta),
      };
    },
  });
  const httpServer = createServer(app);
  const push = startPushHub(httpServer, {
    snapshots,
    auth,
    actions: { auth, alerts, dutyLog, config, now: () => wall.now(), log },
    intervalMs: config.push.intervalMs,
    log,
  });
  await new Promise<void>((res, rej) => {
    httpServer.once('error', rej);
    httpServer.listen(config.port, options.host ?? '0.0.0.0', () => res());
  });
  const port = (httpServer.address() as AddressInfo).port;
  await auth.announceFirstRun(`http://localhost:${port}`);

  let stopping: Promise<void> | null = null;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    store,
    dutyLog,
    alerts,
    ingest,
    snapshots,
    push,
    stop() {
      stopping ??= (async () => {
        simulator?.stop();
        clearInterval(staleTimer);
        await Promise.all([stopStream(), stopSources()]);
        await push.stop();
        await Promise.allSettled([redis.quit(), streamRedis.quit(), snapshotRedis.quit()]);
      })();
      return stopping;
    },
  };
}
