// Client bench: bundle sizes per page, first paint and time to the first live figure on the TV wallboard, and whether
// the wallboard's memory stays flat over a long run. Run with `npx tsx bench/client.ts [options]`:
//
//   --minutes N        how long the memory run keeps the wallboard open (default 10; 0 skips it)
//   --runs N           page loads for the paint figures (default 5; the median is reported)
//   --sample-seconds N memory sample interval (default 15)
//   --path P           the wallboard URL path for the memory run (default /wallboard?rotate=10: every page is mounted
//                      and unmounted over and over, which is where a leak would show)
//   --build            build the client even when dist/client is up to date
//
// It builds the client when dist/client (vite's outDir) is missing or older than client/ or shared/ (as `npm start`
// does), reads the sizes of the JS and CSS each page loads (raw and gzip -9), then starts the product the way the
// README and the e2e tests do (`npm start` with PORT, FLOORWATCH_SIMULATOR=on and its own data dir and users file under
// test-results/bench-client/) and opens it in Debian's Chromium through Playwright (CHROMIUM_PATH to override).
// Prints a table and writes bench/results/client-latest.json.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type Page } from '@playwright/test';
import { addUser } from '../server/auth/manage.js';
import { round, sleep } from './util.js';

const root = new URL('..', import.meta.url).pathname;
const distDir = join(root, 'dist', 'client');
const workDir = join(root, 'test-results', 'bench-client');
const usersFile = join(workDir, 'users.json');
const SUPERVISOR = { username: 'bench-sup', password: 'bench-sup-pass-1' };
const LEAD = { username: 'bench-lead', password: 'bench-lead-pass-1', team: 'team-delta' };

// ------------------------------------------------------------------ options
function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} needs a number, got ${process.argv[i + 1]}`);
  return v;
}
function textOption(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : (process.argv[i + 1] ?? fallback);
}
const minutes = option('minutes', 10);
const runs = Math.max(1, Math.round(option('runs', 5)));
const sampleSeconds = Math.max(2, option('sample-seconds', 15));
const memoryPath = textOption('path', '/wallboard?rotate=10');
const forceBuild = process.argv.includes('--build');

const median = (xs: number[]): number => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const kb = (bytes: number) => round(bytes / 1024, 1);

// ------------------------------------------------------------------ build
function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function ensureBuilt(): { built: boolean; ms: number } {
  const index = join(distDir, 'index.html');
  const sources = Math.max(newestMtime(join(root, 'client')), newestMtime(join(root, 'shared')), statSync(join(root, 'vite.config.ts')).mtimeMs);
  if (!forceBuild && existsSync(index) && statSync(index).mtimeMs >= sources) return { built: false, ms: 0 };
  const start = performance.now();
  const r = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('vite build failed');
  return { built: true, ms: Math.round(performance.now() - start) };
}

interface Asset {
  file: string;
  kind: 'js' | 'css';
  raw: number;
  gzip: number;
}

function assetOf(file: string): Asset {
  const body = readFileSync(join(distDir, file));
  return { file, kind: file.endsWith('.css') ? 'css' : 'js', raw: body.length, gzip: gzipSync(body, { level: 9 }).length };
}

function allAssets(): Asset[] {
  const dir = join(distDir, 'assets');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.js') || f.endsWith('.css'))
    .map((f) => assetOf(`assets/${f}`))
    .sort((a, b) => b.raw - a.raw);
}

// ------------------------------------------------------------------ the product
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function startProduct(port: number): Promise<ChildProcess> {
  mkdirSync(workDir, { recursive: true });
  rmSync(usersFile, { force: true });
  await addUser(usersFile, { ...SUPERVISOR, roles: ['supervisor'], name: 'Bench Supervisor' });
  await addUser(usersFile, { username: LEAD.username, password: LEAD.password, roles: ['lead'], teams: [LEAD.team], name: 'Bench Lead' });
  const child = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      PORT: String(port),
      FLOORWATCH_SIMULATOR: 'on',
      FLOORWATCH_DATA_DIR: relative(root, join(workDir, 'redis')),
      FLOORWATCH_USERS_FILE: relative(root, usersFile),
      LOG_LEVEL: 'warn',
    },
  });
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/health`);
      if (res.ok) return child;
    } catch {
      /* not up yet */
    }
    await sleep(500);
  }
  child.kill('SIGTERM');
  throw new Error('the product did not answer /api/health within 120 s');
}

async function stopProduct(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

// ------------------------------------------------------------------ per-page bundles (what each page really loads)
interface PageBundle {
  page: string;
  files: string[];
  jsRaw: number;
  jsGzip: number;
  cssRaw: number;
  cssGzip: number;
}

async function pageBundles(browser: Browser, base: string, assets: Map<string, Asset>): Promise<PageBundle[]> {
  const out: PageBundle[] = [];
  const pages: { name: string; path: string; user?: { username: string; password: string }; ready: string }[] = [
    { name: 'wallboard', path: '/wallboard', ready: 'kpi-waiting-value' },
    { name: 'login', path: '/login', ready: 'login-form' },
    { name: 'supervisor', path: '/supervisor', user: SUPERVISOR, ready: 'kpi-agents' },
    { name: 'lead', path: '/lead', user: LEAD, ready: `lead-team-${LEAD.team}` },
  ];
  for (const p of pages) {
    // Signed in in one context, measured in a fresh one with the same cookies (an empty HTTP cache).
    let storageState: Awaited<ReturnType<import('@playwright/test').BrowserContext['storageState']>> | undefined;
    if (p.user) {
      const login = await browser.newContext();
      await signIn(await login.newPage(), base, p.user, p.path);
      storageState = await login.storageState();
      await login.close();
    }
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, ...(storageState ? { storageState } : {}) });
    const page = await context.newPage();
    const files = new Set<string>();
    page.on('response', (r) => {
      const path = new URL(r.url()).pathname.replace(/^\//, '');
      if (assets.has(path)) files.add(path);
    });
    await page.goto(base + p.path);
    await page.getByTestId(p.ready).first().waitFor({ timeout: 30_000 });
    await page.waitForLoadState('networkidle').catch(() => {});
    const list = [...files].sort();
    const sum = (kind: 'js' | 'css', f: 'raw' | 'gzip') => list.map((x) => assets.get(x)!).filter((a) => a.kind === kind).reduce((s, a) => s + a[f], 0);
    out.push({ page: p.name, files: list, jsRaw: sum('js', 'raw'), jsGzip: sum('js', 'gzip'), cssRaw: sum('css', 'raw'), cssGzip: sum('css', 'gzip') });
    await context.close();
  }
  return out;
}

async function signIn(page: Page, base: string, user: { username: string; password: string }, next: string): Promise<void> {
  await page.goto(`${base}/login?next=${encodeURIComponent(next)}`);
  await page.getByTestId('login-username').fill(user.username);
  await page.getByTestId('login-password').fill(user.password);
  await page.getByTestId('login-submit').click();
  await page.waitForURL((u) => u.pathname === next, { timeout: 15_000 });
}

// ------------------------------------------------------------------ paint and first live figure
interface PaintRun {
  firstPaintMs: number;
  firstContentfulPaintMs: number;
  domContentLoadedMs: number;
  /** The first KPI figure from the live snapshot is in the DOM, and a frame has been painted after it. */
  firstLiveFigureMs: number;
}

async function paintRun(browser: Browser, base: string): Promise<PaintRun> {
  // A new context each time: empty HTTP cache and no cookies, as a TV that was just switched on.
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  const page = await context.newPage();
  // A string, not a function: tsx would wrap named functions in a helper (__name) that the page does not have.
  await page.addInitScript(`
    const observer = new MutationObserver(() => {
      if (window.__fwFigureAt === undefined && document.querySelector('[data-testid="kpi-waiting-value"]')) {
        const seen = performance.now();
        // The figure is painted in the next frame.
        requestAnimationFrame(() => setTimeout(() => (window.__fwFigureAt = Math.max(seen, performance.now())), 0));
        observer.disconnect();
      }
    });
    observer.observe(document, { childList: true, subtree: true });
  `);
  await page.goto(`${base}/wallboard`);
  await page.waitForFunction(() => (window as unknown as { __fwFigureAt?: number }).__fwFigureAt !== undefined, undefined, { timeout: 30_000 });
  const r = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    return {
      firstPaintMs: performance.getEntriesByName('first-paint', 'paint')[0]?.startTime ?? NaN,
      firstContentfulPaintMs: performance.getEntriesByName('first-contentful-paint', 'paint')[0]?.startTime ?? NaN,
      domContentLoadedMs: nav?.domContentLoadedEventEnd ?? NaN,
      firstLiveFigureMs: (window as unknown as { __fwFigureAt: number }).__fwFigureAt,
    };
  });
  await context.close();
  return r;
}

// ------------------------------------------------------------------ memory over time
interface MemorySample {
  atSeconds: number;
  /** The wallboard page on screen when sampled (with rotation every sample waits for the first page). */
  page: string | null;
  heapUsedMB: number;
  heapTotalMB: number;
  /** DOM nodes alive, attached or not (CDP "Nodes"): detached nodes kept alive by a leak count here. */
  domNodes: number;
  /** Elements in the document now. */
  elements: number;
  listeners: number;
}

async function memoryRun(browser: Browser, base: string): Promise<{ samples: MemorySample[]; reconnects: number }> {
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  const page = await context.newPage();
  let websockets = 0;
  page.on('websocket', () => websockets++);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.goto(base + memoryPath);
  await page.getByTestId('kpi-waiting-value').waitFor({ timeout: 30_000 });
  const start = Date.now();
  const end = start + minutes * 60_000;
  const samples: MemorySample[] = [];
  const pageNow = () => page.evaluate(() => document.querySelector('[data-testid="wallboard-page"]')?.getAttribute('data-page') ?? null);
  // With rotation the pages differ in size: sample always on the page that was first on screen, so samples compare.
  const firstPage = memoryPath.includes('rotate=') ? await pageNow() : null;
  const take = async () => {
    if (firstPage) {
      await page
        .waitForFunction((p) => document.querySelector('[data-testid="wallboard-page"]')?.getAttribute('data-page') === p, firstPage, { timeout: 120_000 })
        .catch(() => {});
      await sleep(1_000); // its fade-in and first layout
    }
    // Collect garbage first (Chromium started with --js-flags=--expose-gc), so the sample is what is still reachable.
    await page.evaluate(() => (window as unknown as { gc?: () => void }).gc?.());
    await page.evaluate(() => (window as unknown as { gc?: () => void }).gc?.());
    const { metrics } = await cdp.send('Performance.getMetrics');
    const m = new Map(metrics.map((x) => [x.name, x.value]));
    const s: MemorySample = {
      atSeconds: Math.round((Date.now() - start) / 1000),
      page: await pageNow(),
      heapUsedMB: round((m.get('JSHeapUsedSize') ?? NaN) / 2 ** 20, 2),
      heapTotalMB: round((m.get('JSHeapTotalSize') ?? NaN) / 2 ** 20, 2),
      domNodes: m.get('Nodes') ?? NaN,
      elements: await page.evaluate(() => document.getElementsByTagName('*').length),
      listeners: m.get('JSEventListeners') ?? NaN,
    };
    samples.push(s);
    process.stdout.write(
      `  memory t=${String(s.atSeconds).padStart(4)} s  ${s.page ?? ''}  heap ${s.heapUsedMB.toFixed(2)} MB  DOM nodes ${s.domNodes} (elements ${s.elements})  listeners ${s.listeners}\n`,
    );
  };
  await take();
  while (Date.now() < end) {
    await sleep(Math.min(sampleSeconds * 1000, Math.max(0, end - Date.now())));
    await take();
  }
  await context.close();
  return { samples, reconnects: Math.max(0, websockets - 1) };
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

// ------------------------------------------------------------------ main
async function main() {
  console.log(`client bench: runs=${runs}, memory ${minutes} min on ${memoryPath} (sample every ${sampleSeconds} s)`);
  const build = ensureBuilt();
  console.log(build.built ? `built the client in ${build.ms} ms` : 'dist/client is up to date: using the existing build');
  const assets = allAssets();
  const byFile = new Map(assets.map((a) => [a.file, a]));

  const port = await freePort();
  const product = await startProduct(port);
  const base = `http://127.0.0.1:${port}`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--js-flags=--expose-gc'],
  });
  const cleanup = async () => {
    await browser.close().catch(() => {});
    await stopProduct(product);
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

  try {
    const bundles = await pageBundles(browser, base, byFile);

    // One load first to warm the server (snapshot cache, Redis), not counted.
    await paintRun(browser, base);
    const paints: PaintRun[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await paintRun(browser, base);
      paints.push(r);
      console.log(
        `  load ${i + 1}/${runs}: FP ${r.firstPaintMs.toFixed(0)} ms, FCP ${r.firstContentfulPaintMs.toFixed(0)} ms, ` +
          `DCL ${r.domContentLoadedMs.toFixed(0)} ms, first live figure ${r.firstLiveFigureMs.toFixed(0)} ms`,
      );
    }
    const paint = {
      runs,
      firstPaintMs: round(median(paints.map((p) => p.firstPaintMs)), 0),
      firstContentfulPaintMs: round(median(paints.map((p) => p.firstContentfulPaintMs)), 0),
      domContentLoadedMs: round(median(paints.map((p) => p.domContentLoadedMs)), 0),
      firstLiveFigureMs: round(median(paints.map((p) => p.firstLiveFigureMs)), 0),
      all: paints,
    };

    let memory: null | {
      minutes: number;
      path: string;
      samples: MemorySample[];
      startHeapMB: number;
      endHeapMB: number;
      slopeKBPerMin: number;
      /** The slope over the samples after the first 2 minutes (start-up, JIT and first data settled). */
      slopeAfter2MinKBPerMin: number;
      startDomNodes: number;
      endDomNodes: number;
      reconnects: number;
    } = null;
    if (minutes > 0) {
      const { samples, reconnects } = await memoryRun(browser, base);
      const first = samples[0]!;
      const last = samples[samples.length - 1]!;
      memory = {
        minutes,
        path: memoryPath,
        samples,
        startHeapMB: first.heapUsedMB,
        endHeapMB: last.heapUsedMB,
        slopeKBPerMin: round(slope(samples.map((s) => s.atSeconds / 60), samples.map((s) => s.heapUsedMB * 1024)), 1),
        slopeAfter2MinKBPerMin: ((late) => round(slope(late.map((s) => s.atSeconds / 60), late.map((s) => s.heapUsedMB * 1024)), 1))(
          samples.filter((s) => s.atSeconds >= 120),
        ),
        startDomNodes: first.domNodes,
        endDomNodes: last.domNodes,
        reconnects,
      };
    }

    // ---- report
    console.log('\nBundles (dist/client, what each page loads; gzip -9):');
    console.log('  page         JS raw KB  JS gzip KB  CSS raw KB  CSS gzip KB  files');
    for (const b of bundles) {
      console.log(
        `  ${b.page.padEnd(11)} ${String(kb(b.jsRaw)).padStart(9)}  ${String(kb(b.jsGzip)).padStart(10)}  ${String(kb(b.cssRaw)).padStart(10)}  ${String(kb(b.cssGzip)).padStart(11)}  ${b.files.length}`,
      );
    }
    console.log('\n  every asset:');
    for (const a of assets) console.log(`    ${a.file.padEnd(40)} ${String(kb(a.raw)).padStart(8)} KB raw ${String(kb(a.gzip)).padStart(7)} KB gzip`);
    console.log(`\nWallboard at 1920x1080, new browser context per load, median of ${runs}:`);
    console.log(`  first paint ${paint.firstPaintMs} ms · first contentful paint ${paint.firstContentfulPaintMs} ms · DOMContentLoaded ${paint.domContentLoadedMs} ms · first live figure ${paint.firstLiveFigureMs} ms`);
    if (memory) {
      console.log(`\nMemory, ${memory.minutes} min on ${memory.path} (after forced GC, JS heap used):`);
      console.log(
        `  start ${memory.startHeapMB} MB -> end ${memory.endHeapMB} MB · slope ${memory.slopeKBPerMin} KB/min (after the first 2 min: ${memory.slopeAfter2MinKBPerMin} KB/min) · ` +
          `DOM nodes ${memory.startDomNodes} -> ${memory.endDomNodes} · socket reconnects ${memory.reconnects}`,
      );
    }

    const result = {
      at: new Date().toISOString(),
      machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
      build,
      assets,
      bundles,
      paint,
      memory,
    };
    const outDir = join(root, 'bench', 'results');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'client-latest.json'), JSON.stringify(result, null, 2));
    console.log(`\nwrote ${relative(root, join(outDir, 'client-latest.json'))}`);
  } finally {
    await cleanup();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
