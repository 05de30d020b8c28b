// `npm test`: everything CI runs. Installs what is missing (npm packages; redis-server and chromium through apt-get
// when root), then type-checks, runs unit + integration tests (vitest, real Redis), builds the client and runs the
// browser tests (Playwright, Debian's Chromium). Ends with one line "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM_HINT, REDIS_HINT, ensureClientBuilt, ensureNodeModules, ensureSystemCommand, root, run } from './provision.mjs';

ensureNodeModules();
let ok = true;
if (!process.env.REDIS_URL) ok = ensureSystemCommand('redis-server', 'redis-server', REDIS_HINT) && ok;
if (!process.env.CHROMIUM_PATH) ok = ensureSystemCommand('chromium', 'chromium', CHROMIUM_HINT) && ok;
if (!ok) process.exit(1);

const results = join(root, 'test-results');
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });
const steps = [];
const step = (name, cmd, args) => {
  console.log(`\n[test] ${name}: ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, env: { ...process.env, FORCE_COLOR: process.env.CI ? '0' : '1' } });
  steps.push({ name, ok: r.status === 0 });
  return r.status === 0;
};

step('type-check', 'npm', ['run', '--silent', 'typecheck']);
ensureClientBuilt(); // the integration tests open pages too
step('unit + integration (vitest)', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${join(results, 'vitest.json')}`]);
step('browser (playwright)', 'npx', ['playwright', 'test']);

// One closing line over both runners, so CI can count tests whichever runner found a failure.
let passed = 0, failed = 0;
const vitest = join(results, 'vitest.json');
if (existsSync(vitest)) {
  const v = JSON.parse(readFileSync(vitest, 'utf8'));
  passed += v.numPassedTests;
  failed += v.numFailedTests;
}
const pw = join(results, 'playwright.json');
if (existsSync(pw)) {
  const p = JSON.parse(readFileSync(pw, 'utf8'));
  passed += p.stats.expected + p.stats.flaky;
  failed += p.stats.unexpected;
}
const failedSteps = steps.filter((s) => !s.ok).map((s) => s.name);
if (failedSteps.length) console.log(`\n[test] failed steps: ${failedSteps.join(', ')}`);
if (failedSteps.length && failed === 0) failed = failedSteps.length; // e.g. the type-check, which runs no test
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failedSteps.length ? 1 : 0);
