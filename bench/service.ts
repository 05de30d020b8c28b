// The service under test in a child process (bench/serve.ts), started and stopped by the bench phases: its port and
// pid, its stats over IPC (CPU, memory, event-loop delay), other requests over IPC, and its last stderr lines.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServeStats } from './serve.js';
import { ipcRequest } from './util.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH_DIR, '..');

export interface Service {
  child: ChildProcess;
  port: number;
  pid: number;
  stats(): Promise<ServeStats | null>;
  /** Sends `msg` over IPC and resolves with the first reply of type `replyType` (null if none within timeoutMs). */
  request<T extends { type: string }>(msg: object, replyType: T['type'], timeoutMs: number): Promise<T | null>;
  stop(): Promise<void>;
  stderrTail(): string;
}

export async function startService(redisUrl: string, configFile: unknown, cpuProfDir: string | null, extraEnv: Record<string, string>): Promise<Service> {
  // the V8 flags `npm start` runs the service with (docs/performance.md), so that the bench measures the same thing
  const nodeFlags = JSON.parse(readFileSync(join(ROOT, 'scripts/service-node-flags.json'), 'utf8')) as string[];
  const execArgs = [...nodeFlags, '--import', 'tsx'];
  if (cpuProfDir) execArgs.unshift('--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`);
  const child = spawn(process.execPath, [...execArgs, join(BENCH_DIR, 'serve.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...extraEnv, BENCH_REDIS_URL: redisUrl, BENCH_CONFIG_JSON: JSON.stringify(configFile), BENCH_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let tail = '';
  child.stderr!.on('data', (d: Buffer) => {
    tail = (tail + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const started = await new Promise<{ port: number; pid: number }>((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error(`the service did not start within 30 s:\n${tail}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line && out.includes('\n')) {
        clearTimeout(timer);
        res(JSON.parse(line) as { port: number; pid: number });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`the service exited with code ${code} while starting:\n${tail}`));
    });
  });
  const request = <T extends { type: string }>(msg: object, replyType: string, timeoutMs: number) => ipcRequest<T>(child, msg, replyType, timeoutMs);
  return {
    child,
    port: started.port,
    pid: started.pid,
    stderrTail: () => tail,
    stats: () => request<ServeStats>({ type: 'stats' }, 'stats', 10_000),
    request,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send({ type: 'stop' });
      else child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
