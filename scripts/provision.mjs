// Provisioning shared by `npm start` and `npm test`: npm packages, and system packages (redis-server, chromium)
// installed with apt-get when they are missing and we may (root on Debian/Ubuntu); otherwise one line saying how.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const root = new URL('..', import.meta.url).pathname;

export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  return r.status === 0;
}

export function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

export function ensureNodeModules() {
  if (existsSync(join(root, 'node_modules', '.package-lock.json'))) return;
  console.log('[floorwatch] installing npm packages (npm ci)…');
  if (!run('npm', ['ci', '--no-audit', '--no-fund'])) {
    console.error('[floorwatch] npm ci failed: see the messages above.');
    process.exit(1);
  }
}

let aptUpdated = false;
/** Installs Debian packages for missing commands when running as root with apt-get; returns false with a hint otherwise. */
export function ensureSystemCommand(command, aptPackage, hint) {
  if (has(command)) return true;
  const canApt = process.getuid?.() === 0 && has('apt-get') && process.env.FLOORWATCH_NO_APT !== '1';
  if (canApt) {
    console.log(`[floorwatch] ${command} is missing: installing the Debian package ${aptPackage}…`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    if (!aptUpdated) aptUpdated = run('apt-get', ['update', '-qq'], { env });
    if (run('apt-get', ['install', '-y', '-qq', aptPackage], { env }) && has(command)) return true;
  }
  console.error(`[floorwatch] ${command} is not installed. ${hint}`);
  return false;
}

export const REDIS_HINT = 'Install it with `sudo apt-get install -y redis-server` (Debian/Ubuntu) or `brew install redis` (macOS), or set REDIS_URL.';
export const CHROMIUM_HINT = 'Install it with `sudo apt-get install -y chromium` (Debian) or set CHROMIUM_PATH to a Chromium/Chrome binary.';

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds the client when dist/ is missing or older than client/ or shared/ sources. */
export function ensureClientBuilt() {
  const built = join(root, 'dist', 'client', 'index.html');
  const sources = Math.max(newestMtime(join(root, 'client')), newestMtime(join(root, 'shared')), statSync(join(root, 'vite.config.ts')).mtimeMs);
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  console.log('[floorwatch] building the client…');
  if (!run('npx', ['vite', 'build', '--logLevel', 'warn'])) {
    console.error('[floorwatch] the client build failed: see the messages above.');
    process.exit(1);
  }
}
