// Bench helpers: loopback HTTP with keep-alive, percentiles, and CPU / memory of processes read from /proc.
import { readFileSync } from 'node:fs';
import http from 'node:http';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ HTTP
export interface HttpResult {
  status: number;
  body: string;
  ms: number;
  headers: http.IncomingHttpHeaders;
}

export function httpAgent(maxSockets: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets });
}

/** One request to 127.0.0.1; rejects on a network error or after timeoutMs. */
/** Bearer token sent with every request (the bench's ingest token), if any. */
let bearer: string | null = null;
export function setBearer(token: string | null) {
  bearer = token;
}

/** `token` replaces the bench's ingest token (e.g. a supervisor token to read the snapshot). */
export function request(
  agent: http.Agent,
  port: number,
  method: 'GET' | 'POST',
  path: string,
  body?: string,
  timeoutMs = 30_000,
  token: string | null = bearer,
): Promise<HttpResult> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - start, headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export interface IngestAnswer {
  accepted: number;
  duplicates: number;
  rejected: { index: number; error: string }[];
  late: number;
}

/** Signs a user in (POST /api/auth/login) and returns the session cookie ("name=value") for later requests and sockets. */
export async function signIn(agent: http.Agent, port: number, username: string, password: string): Promise<string> {
  const res = await request(agent, port, 'POST', '/api/auth/login', JSON.stringify({ username, password }), 30_000, null);
  const cookie = [res.headers['set-cookie'] ?? []].flat()[0]?.split(';')[0];
  if (res.status !== 200 || !cookie) throw new Error(`sign-in of ${username} answered ${res.status}: ${res.body.slice(0, 200)}`);
  return cookie;
}

export async function postEvents(agent: http.Agent, port: number, events: unknown[], timeoutMs = 30_000): Promise<{ answer: IngestAnswer; ms: number }> {
  const res = await request(agent, port, 'POST', '/api/events', JSON.stringify(events), timeoutMs);
  if (res.status !== 200) throw new Error(`POST /api/events answered ${res.status}: ${res.body.slice(0, 300)}`);
  return { answer: JSON.parse(res.body) as IngestAnswer, ms: res.ms };
}

// ------------------------------------------------------------------ statistics
/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export interface Dist {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function dist(values: readonly number[]): Dist {
  const s = [...values].sort((a, b) => a - b);
  const sum = s.reduce((a, b) => a + b, 0);
  return { n: s.length, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s.length ? s[s.length - 1]! : NaN, mean: s.length ? sum / s.length : NaN };
}

export const round = (x: number, digits = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : x);

export function roundDist(d: Dist): Dist {
  return { n: d.n, p50: round(d.p50), p95: round(d.p95), p99: round(d.p99), max: round(d.max), mean: round(d.mean) };
}

// ------------------------------------------------------------------ /proc
const CLK_TCK = 100;

/** CPU seconds (user + system, all threads) a process has used so far, or null if it is gone. */
export function procCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is the first; utime and stime are the 12th and 13th.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
  } catch {
    return null;
  }
}

/** Resident set size in bytes, or null if the process is gone. */
export function procRssBytes(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Machine-wide CPU time so far (all cores), seconds: busy (user+nice+system+irq+softirq) and steal. */
export function machineCpuSeconds(): { busy: number; steal: number; total: number } | null {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
    return { busy: (user + nice + system + irq + softirq) / CLK_TCK, steal: steal / CLK_TCK, total: (user + nice + system + idle + iowait + irq + softirq + steal) / CLK_TCK };
  } catch {
    return null;
  }
}

export interface MachineUsage {
  /** Busy time of all cores over the phase, % of the machine (100 = every core busy). */
  busyPct: number;
  /** Time the hypervisor gave to others, % of the machine. */
  stealPct: number;
}

export interface ProcUsage {
  /** Mean CPU over the phase, % of one core. */
  cpuAvgPct: number;
  /** Highest CPU of any sampling interval in the phase, % of one core. */
  cpuMaxPct: number;
  rssMaxMB: number;
  rssEndMB: number;
}

/**
 * Samples CPU and RSS of named processes every intervalMs (reading /proc, so a busy process's own event loop does not
 * delay it). begin() starts a phase, end() returns each process's usage over it.
 */
export class ProcSampler {
  private timer: NodeJS.Timeout | null = null;
  private last = new Map<string, { cpu: number; at: number }>();
  private phase: { start: Map<string, { cpu: number; at: number }>; maxPct: Map<string, number>; maxRss: Map<string, number> } | null = null;

  constructor(private readonly pids: Map<string, number>) {}

  add(name: string, pid: number) {
    this.pids.set(name, pid);
    this.last.delete(name);
  }

  remove(name: string) {
    this.pids.delete(name);
    this.last.delete(name);
  }

  private machineStart: { busy: number; steal: number; total: number } | null = null;

  /** Machine-wide usage since begin(). */
  machine(): MachineUsage | null {
    const s = this.machineStart, e = machineCpuSeconds();
    if (!s || !e || e.total <= s.total) return null;
    return { busyPct: round(((e.busy - s.busy) / (e.total - s.total)) * 100), stealPct: round(((e.steal - s.steal) / (e.total - s.total)) * 100) };
  }

  private read(name: string): { cpu: number; at: number } | null {
    const pid = this.pids.get(name);
    if (pid === undefined) return null;
    const cpu = procCpuSeconds(pid);
    return cpu === null ? null : { cpu, at: performance.now() };
  }

  start(intervalMs = 1000) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private sample() {
    for (const [name, pid] of this.pids) {
      const now = this.read(name);
      if (!now) continue;
      const prev = this.last.get(name);
      this.last.set(name, now);
      if (!this.phase) continue;
      if (prev && now.at - prev.at > 200) {
        const pct = ((now.cpu - prev.cpu) / ((now.at - prev.at) / 1000)) * 100;
        this.phase.maxPct.set(name, Math.max(this.phase.maxPct.get(name) ?? 0, pct));
      }
      const rss = procRssBytes(pid);
      if (rss !== null) this.phase.maxRss.set(name, Math.max(this.phase.maxRss.get(name) ?? 0, rss));
    }
  }

  begin() {
    const start = new Map<string, { cpu: number; at: number }>();
    for (const name of this.pids.keys()) {
      const r = this.read(name);
      if (r) {
        start.set(name, r);
        this.last.set(name, r);
      }
    }
    this.phase = { start, maxPct: new Map(), maxRss: new Map() };
    this.machineStart = machineCpuSeconds();
  }

  end(): Record<string, ProcUsage> {
    this.sample();
    const out: Record<string, ProcUsage> = {};
    const phase = this.phase;
    this.phase = null;
    if (!phase) return out;
    for (const [name, pid] of this.pids) {
      const s = phase.start.get(name);
      const e = this.read(name);
      if (!s || !e) continue;
      const avg = ((e.cpu - s.cpu) / ((e.at - s.at) / 1000)) * 100;
      const rssEnd = procRssBytes(pid) ?? 0;
      out[name] = {
        cpuAvgPct: round(avg),
        cpuMaxPct: round(Math.max(avg, phase.maxPct.get(name) ?? 0)),
        rssMaxMB: round(Math.max(rssEnd, phase.maxRss.get(name) ?? 0) / 2 ** 20),
        rssEndMB: round(rssEnd / 2 ** 20),
      };
    }
    return out;
  }
}

/** Parses the text of Redis INFO into a field -> value map. */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** Sends `msg` to a child process and waits for its reply of type `replyType`; null on timeout or a closed channel. */
export function ipcRequest<T extends { type: string }>(child: import('node:child_process').ChildProcess, msg: object, replyType: string, timeoutMs: number): Promise<T | null> {
  return new Promise<T | null>((res) => {
    if (!child.connected) return res(null);
    const timer = setTimeout(() => {
      child.off('message', onMsg);
      res(null);
    }, timeoutMs);
    const onMsg = (m: T) => {
      if (m?.type !== replyType) return;
      clearTimeout(timer);
      child.off('message', onMsg);
      res(m);
    };
    child.on('message', onMsg);
    child.send(msg);
  });
}
