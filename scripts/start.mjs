// `npm start`: install what is missing, build the client if needed, then run the server (with the built-in ACD
// simulator unless another source is configured). `npm run dev`: vite dev server with hot reload + server restarts.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { REDIS_HINT, ensureClientBuilt, ensureNodeModules, ensureSystemCommand, root } from './provision.mjs';

const dev = process.argv.includes('--dev');
ensureNodeModules();
if (!process.env.REDIS_URL && !ensureSystemCommand('redis-server', 'redis-server', REDIS_HINT)) process.exit(1);

const children = [];
function start(cmd, args, env = {}) {
  const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  child.on('exit', (code, signal) => {
    for (const c of children) if (c !== child && c.exitCode === null) c.kill('SIGTERM');
    process.exitCode = code ?? (signal ? 1 : 0);
  });
  children.push(child);
  return child;
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => children.forEach((c) => c.exitCode === null && c.kill(sig)));

if (dev) {
  const apiPort = process.env.PORT ?? '8080';
  start('npx', ['tsx', 'watch', 'server/main.ts'], { PORT: apiPort });
  start('npx', ['vite', '--port', '5173'], { FLOORWATCH_API_PORT: apiPort });
} else {
  ensureClientBuilt();
  // V8 flags for the service (docs/performance.md: a larger young generation for the snapshots of a large floor)
  const nodeFlags = JSON.parse(readFileSync(new URL('./service-node-flags.json', import.meta.url), 'utf8'));
  start(process.execPath, [...nodeFlags, '--import', 'tsx', 'server/main.ts']);
}
