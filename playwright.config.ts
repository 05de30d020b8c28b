// Browser tests in Debian's Chromium (Playwright cannot download browsers here). The product is started exactly as
// the README says (`npm start`), with the built-in simulator, on E2E_PORT.
import { defineConfig } from '@playwright/test';

const port = Number(process.env.E2E_PORT ?? 18080);
const chromiumFlags = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results/e2e',
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  globalSetup: './test/e2e/global-setup.ts',
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'retain-on-failure',
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumFlags },
  },
  webServer: {
    command: 'npm start',
    url: `http://127.0.0.1:${port}/api/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    env: {
      PORT: String(port),
      FLOORWATCH_SIMULATOR: 'on',
      FLOORWATCH_DATA_DIR: 'test-results/e2e-redis',
      FLOORWATCH_USERS_FILE: 'test-results/e2e-users.json',
      FLOORWATCH_SUPERVISOR_TOKEN: 'e2e-supervisor',
      // rotation.spec.ts sends a few events of its own (an agent whose name holds HTML).
      FLOORWATCH_INGEST_TOKEN: 'e2e-ingest',
      LOG_LEVEL: 'warn',
    },
  },
});
