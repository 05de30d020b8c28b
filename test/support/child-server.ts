// Runs Floorwatch in its own process for tests that kill it: config JSON in FW_TEST_CONFIG, Redis in REDIS_URL.
// Prints "listening <port>" once ready.
import pino from 'pino';
import { buildConfig } from '../../server/config.js';
import { startFloorwatch } from '../../server/floorwatch.js';

const config = buildConfig(JSON.parse(process.env.FW_TEST_CONFIG ?? '{}'), { PORT: '0', FLOORWATCH_SIMULATOR: 'off', ...process.env });
const fw = await startFloorwatch({
  config,
  redisUrl: process.env.REDIS_URL!,
  host: '127.0.0.1',
  log: pino({ level: 'silent' }),
  consumerName: process.env.FW_CONSUMER,
  supervisorToken: process.env.FLOORWATCH_SUPERVISOR_TOKEN,
});
process.stdout.write(`listening ${fw.port}\n`);
process.on('SIGTERM', () => void fw.stop().then(() => process.exit(0)));
