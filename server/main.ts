// The process: read config, find or start Redis, start Floorwatch, stop cleanly on SIGINT/SIGTERM.
import pino from 'pino';
import { ConfigError, buildConfig, loadConfig } from './config.js';
import { demoConfigFile, demoSite } from './demo.js';
import { startFloorwatch } from './floorwatch.js';
import { startPrivateRedis, type PrivateRedis } from './redis-server.js';

const log = pino({ level: process.env.LOG_LEVEL ?? 'info' });

async function main() {
  let config;
  try {
    config = loadConfig(process.env);
    // The demo without a config file: name the simulated site's queues and teams.
    if (config.simulatorOn && !config.configPath) config = buildConfig(demoConfigFile(demoSite(Date.now())), process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }

  let privateRedis: PrivateRedis | null = null;
  let redisUrl = config.redisUrl;
  if (!redisUrl) {
    try {
      privateRedis = await startPrivateRedis(process.env.FLOORWATCH_DATA_DIR || '.floorwatch');
    } catch (e) {
      console.error((e as Error).message);
      process.exit(1);
    }
    redisUrl = privateRedis.url;
    log.info({ redisUrl }, 'started a private redis-server (data in .floorwatch/)');
  }

  const fw = await startFloorwatch({
    config,
    redisUrl,
    log,
    ingestToken: process.env.FLOORWATCH_INGEST_TOKEN || undefined,
    supervisorToken: process.env.FLOORWATCH_SUPERVISOR_TOKEN || undefined,
  });
  log.info(
    { port: fw.port, simulator: config.simulatorOn, clock: config.clock, config: config.configPath ?? '(defaults)' },
    `Floorwatch is live: wallboard at http://localhost:${fw.port}/wallboard` + (config.simulatorOn ? ' (DEMO: simulated calls from the built-in ACD simulator; the wallboard is open without sign-in)' : ''),
  );

  let exiting = false;
  const shutdown = async (signal: string) => {
    if (exiting) return;
    exiting = true;
    log.info({ signal }, 'stopping');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await fw.stop().catch((err) => log.error({ err }, 'stop failed'));
    await privateRedis?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  log.fatal({ err }, 'Floorwatch failed to start');
  process.exit(1);
});
