// The TV wallboard's pages and its live connection, in real Chromium against the product started by
// playwright.config.ts (npm start, built-in simulator): page rotation (?rotate=N, ?pages=...) with its indicator,
// in English and Chinese, with reduced motion; every page fits 1920x1080 and 3840x2160; the board comes back by
// itself after the server's socket drops; and names with HTML in them are shown as text.
import { expect, test, type Page, type Request } from '@playwright/test';

const SHOTS = 'test-results/screenshots';
const TV = { width: 1920, height: 1080 };
const TV_4K = { width: 3840, height: 2160 };
/** playwright.config.ts gives the e2e server this ingest token (FLOORWATCH_INGEST_TOKEN). */
const INGEST_TOKEN = 'e2e-ingest';

test.use({ viewport: TV });

/** Counts the socket.io connections the page opens: new engine.io handshakes (polling without a sid) and websockets. */
function watchConnections(page: Page) {
  const counts = { handshakes: 0, websockets: 0 };
  page.on('request', (r: Request) => {
    const url = new URL(r.url());
    if (url.pathname.startsWith('/socket.io') && url.searchParams.get('transport') === 'polling' && !url.searchParams.has('sid')) counts.handshakes++;
  });
  page.on('websocket', () => counts.websockets++);
  return counts;
}

function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to (load|execute|apply)/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  return problems;
}

/** No scrollbars, and the main figure at least 6% of the screen height (readable from across the room). */
async function expectTvFits(page: Page, size: { width: number; height: number }) {
  const scroll = await page.evaluate(() => ({ w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight }));
  expect(scroll.w).toBeLessThanOrEqual(size.width);
  expect(scroll.h).toBeLessThanOrEqual(size.height);
  const box = await page.getByTestId('kpi-waiting-value').boundingBox();
  expect(box!.height).toBeGreaterThanOrEqual(0.06 * size.height);
  const wait = await page.getByTestId('kpi-longest-wait-value').boundingBox();
  expect(wait!.height).toBeGreaterThanOrEqual(0.06 * size.height);
}

/** Text inside the board that does not fit its box (cut off without an ellipsis): tag, test id and text. */
async function clippedText(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>('[data-testid="wallboard"] *')) {
      if (el.closest('[data-testid$="-scroll"], [data-testid="broadcast-ticker"]')) continue; // scrolling on purpose
      const cs = getComputedStyle(el);
      if (cs.display === 'none' || cs.visibility === 'hidden' || el.classList.contains('sr-only') || el.closest('.sr-only')) continue;
      const ownText = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim() !== '');
      if (!ownText || cs.textOverflow === 'ellipsis') continue;
      if (el.scrollWidth > el.clientWidth + 1 && cs.overflowX !== 'visible')
        out.push(`${el.tagName.toLowerCase()}.${el.className} "${el.textContent!.trim().slice(0, 40)}" ${el.scrollWidth}>${el.clientWidth}`);
    }
    return out;
  });
}

test('without ?rotate the board shows the overview and no page indicator', async ({ page }) => {
  await page.goto('/wallboard');
  await expect(page.getByTestId('wallboard-page')).toHaveAttribute('data-page', 'overview', { timeout: 15_000 });
  await expect(page.getByTestId('page-indicator')).toHaveCount(0);
  await expect(page.getByTestId('rotation-progress')).toHaveCount(0);
  await page.waitForTimeout(2_500);
  await expect(page.getByTestId('wallboard-page')).toHaveAttribute('data-page', 'overview');
});

test('?rotate=2 cycles overview, teams and queues with the indicator, on one connection, the longest wait ticking', async ({ page }) => {
  test.setTimeout(60_000);
  const problems = watchProblems(page);
  const connections = watchConnections(page);
  await page.goto('/wallboard?rotate=2');
  const board = page.getByTestId('wallboard-page');
  const indicator = page.getByTestId('page-indicator');
  await expect(board).toHaveAttribute('data-page', 'overview', { timeout: 15_000 });
  await expect(indicator).toHaveAttribute('data-index', '1');
  await expect(page.getByTestId('page-indicator-count')).toHaveText('1/3');
  await expect(page.getByTestId('page-indicator-name')).toHaveText('Floor overview');
  await expect(page.getByTestId('rotation-progress')).toBeVisible();
  const marker = await page.evaluate(() => ((window as unknown as { __fwMarker: number }).__fwMarker = Math.random()));

  const expected = [
    { page: 'teams', index: '2', name: 'Teams', body: 'teams-page' },
    { page: 'queues', index: '3', name: 'Queues', body: 'queues-page' },
    { page: 'overview', index: '1', name: 'Floor overview', body: 'queues-table' },
  ];
  const longest: string[] = [];
  for (const step of expected) {
    await expect(board).toHaveAttribute('data-page', step.page, { timeout: 5_000 });
    await expect(page.getByTestId('page-indicator-count')).toHaveText(`${step.index}/3`);
    await expect(page.getByTestId('page-indicator-name')).toHaveText(step.name);
    await expect(page.getByTestId(step.body)).toBeVisible();
    // The KPI tiles stay on every page: the longest wait is there and keeps ticking.
    await expect(page.getByTestId('kpi-longest-wait-value')).toBeVisible();
    longest.push(await page.getByTestId('kpi-longest-wait-value').innerText());
    await expect(page.getByTestId('live-indicator')).toHaveAttribute('data-state', 'live');
    await expectTvFits(page, TV);
    await page.screenshot({ path: `${SHOTS}/wallboard-rotate-${step.page}-1920x1080.png` });
  }
  // The clock ticked through the rotation (the longest wait ticks from the same "now"), and the socket stayed up:
  // one handshake, one websocket, no reload.
  expect(longest.every((v) => /^(\d\d:\d\d(:\d\d)?|–)$/.test(v))).toBe(true);
  expect(connections.handshakes).toBe(1);
  expect(connections.websockets).toBeLessThanOrEqual(1);
  expect(await page.evaluate(() => (window as unknown as { __fwMarker?: number }).__fwMarker)).toBe(marker);
  expect(problems).toEqual([]);
});

test('?pages= picks and orders the pages; zh-CN names them in Chinese', async ({ page }) => {
  await page.goto('/wallboard?rotate=2&pages=queues,teams,bogus&lang=zh-CN');
  const board = page.getByTestId('wallboard-page');
  await expect(board).toHaveAttribute('data-page', 'queues', { timeout: 15_000 });
  await expect(page.getByTestId('page-indicator-count')).toHaveText('1/2');
  await expect(page.getByTestId('page-indicator-name')).toHaveText('队列');
  await expect(page.getByTestId('queues-page')).toContainText('服务水平');
  expect(await clippedText(page)).toEqual([]);
  await page.screenshot({ path: `${SHOTS}/wallboard-rotate-queues-zh-CN-1920x1080.png` });
  await expect(board).toHaveAttribute('data-page', 'teams', { timeout: 5_000 });
  await expect(page.getByTestId('page-indicator-name')).toHaveText('团队');
  await expect(page.getByTestId('teams-page')).toContainText('小休率离散系数');
  expect(await clippedText(page)).toEqual([]);
  await page.screenshot({ path: `${SHOTS}/wallboard-rotate-teams-zh-CN-1920x1080.png` });
  await expect(board).toHaveAttribute('data-page', 'queues', { timeout: 5_000 });

  // One page only: nothing to rotate, no indicator.
  await page.goto('/wallboard?rotate=2&pages=teams');
  await expect(board).toHaveAttribute('data-page', 'teams', { timeout: 15_000 });
  await expect(page.getByTestId('page-indicator')).toHaveCount(0);
});

test('with reduced motion the pages still change, without the progress bar or fades', async ({ page }) => {
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.goto('/wallboard?rotate=2');
  const board = page.getByTestId('wallboard-page');
  await expect(board).toHaveAttribute('data-page', 'overview', { timeout: 15_000 });
  await expect(page.getByTestId('page-indicator')).toBeVisible();
  await expect(page.getByTestId('rotation-progress')).toBeHidden();
  expect(await board.evaluate((el) => getComputedStyle(el).animationName)).toBe('none');
  await expect(board).toHaveAttribute('data-page', 'teams', { timeout: 5_000 });
  expect(await board.evaluate((el) => getComputedStyle(el).animationName)).toBe('none');
});

test('every page fits 1920x1080 and 3840x2160: no scrollbars, large figures, no clipped text', async ({ page }) => {
  test.setTimeout(90_000);
  for (const name of ['overview', 'teams', 'queues']) {
    for (const size of [TV, TV_4K]) {
      await page.setViewportSize(size);
      // A long rotation with this page first: it stays while we look.
      await page.goto(`/wallboard?rotate=600&pages=${name},overview,teams,queues`);
      await expect(page.getByTestId('wallboard-page')).toHaveAttribute('data-page', name, { timeout: 15_000 });
      await expect(page.getByTestId('kpi-waiting-value')).toBeVisible();
      await page.waitForTimeout(600); // the page's fade-in
      await expectTvFits(page, size);
      expect(await clippedText(page), `clipped text on ${name} at ${size.width}x${size.height}`).toEqual([]);
      // No empty tiles: every KPI tile has a figure.
      for (const id of ['kpi-waiting', 'kpi-longest-wait', 'kpi-service-level', 'kpi-abandon-rate']) {
        await expect(page.getByTestId(`${id}-value`)).not.toBeEmpty();
      }
      await page.screenshot({ path: `${SHOTS}/wallboard-${name}-${size.width}x${size.height}.png` });
    }
  }
});

test('after the server drops the socket the board goes stale, then recovers by itself without a reload', async ({ page }) => {
  test.setTimeout(90_000);
  let down = false;
  const open: { close: () => Promise<void> }[] = [];
  // Every socket.io websocket goes through here: while "down", new ones are refused and polling fails.
  await page.routeWebSocket(/\/socket\.io\//, (ws) => {
    if (down) {
      void ws.close({ code: 1011, reason: 'e2e: server down' });
      return;
    }
    ws.connectToServer();
    open.push({ close: () => ws.close({ code: 1001, reason: 'e2e: server going away' }) });
  });
  await page.route('**/socket.io/**', (route) => (down ? route.abort('connectionrefused') : route.continue()));

  await page.goto('/wallboard?rotate=3');
  await expect(page.getByTestId('live-indicator')).toHaveAttribute('data-state', 'live', { timeout: 15_000 });
  await expect(page.getByTestId('stale-banner')).toHaveCount(0);
  // The websocket upgrade is in place before we cut it.
  await expect.poll(() => open.length, { timeout: 15_000 }).toBeGreaterThan(0);
  // socket.io opens the websocket as a probe next to a long-poll, then switches to it: cutting the websocket before
  // the switch would leave the client on a long-poll that only notices the cut at the next ping (25 s)
  await page.waitForTimeout(2_000);
  const marker = await page.evaluate(() => ((window as unknown as { __fwMarker: number }).__fwMarker = Math.random()));

  down = true;
  for (const ws of open.splice(0)) await ws.close();
  const banner = page.getByTestId('stale-banner');
  await expect(banner).toBeVisible({ timeout: 10_000 });
  await expect(banner).toContainText(/STALE - last update \d\d:\d\d:\d\d/);
  await expect(banner).toContainText('connection lost, reconnecting');
  await expect(page.getByTestId('wallboard')).toHaveAttribute('data-stale', 'true');
  await expect(page.getByTestId('live-indicator')).toHaveAttribute('data-state', 'stale');
  // The figures stay on screen (dimmed), and the pages keep turning.
  await expect(page.getByTestId('kpi-waiting-value')).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/wallboard-stale-1920x1080.png` });
  await page.waitForTimeout(3_000);

  down = false;
  await expect(banner).toHaveCount(0, { timeout: 30_000 });
  await expect(page.getByTestId('wallboard')).toHaveAttribute('data-stale', 'false');
  await expect(page.getByTestId('live-indicator')).toHaveAttribute('data-state', 'live');
  // Same page (no reload), and live figures again: the clock moves.
  expect(await page.evaluate(() => (window as unknown as { __fwMarker?: number }).__fwMarker)).toBe(marker);
  const clock = await page.getByTestId('clock').innerText();
  await expect.poll(() => page.getByTestId('clock').innerText(), { timeout: 5_000 }).not.toBe(clock);
});

test('an agent name with HTML in it is shown as text on the wallboard', async ({ page, request }) => {
  const evil = '<img src=x onerror="window.__pwned=1"><b>Eve</b>';
  const agentId = `e2e-html-${Date.now()}`;
  const post = (events: unknown[]) =>
    request.post('/api/events', { headers: { authorization: `Bearer ${INGEST_TOKEN}` }, data: events });
  const at = () => new Date().toISOString();
  let res = await post([
    { id: `${agentId}-login`, ts: at(), type: 'agent.login', agentId, teamId: 'team-aurora', name: evil, queues: ['support'] },
    { id: `${agentId}-break`, ts: at(), type: 'agent.state', agentId, state: 'not_ready', reason: 'break' },
  ]);
  expect(res.ok(), `POST /api/events with FLOORWATCH_INGEST_TOKEN: ${res.status()} ${await res.text()}`).toBe(true);
  try {
    await page.goto('/wallboard');
    const row = page.getByTestId(`on-break-agent-${agentId}`);
    await expect(row).toBeVisible({ timeout: 15_000 });
    await expect(row.locator('.bname')).toHaveText(evil);
    expect(await page.locator('img[src="x"], [data-testid="wallboard"] b').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  } finally {
    res = await post([{ id: `${agentId}-logout`, ts: at(), type: 'agent.logout', agentId }]);
    expect(res.ok()).toBe(true);
  }
});

test('the queues page shows each queue’s 60-minute sparkline, as GET /api/sparklines has it', async ({ page }) => {
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.goto('/wallboard?pages=queues');
  const rows = page.locator('[data-testid^="queues-page-row-"]');
  await expect(rows.first()).toBeVisible({ timeout: 15_000 });
  const sparks = page.locator('[data-testid^="tv-spark-"]');
  await expect(sparks).toHaveCount(await rows.count(), { timeout: 15_000 });
  const api = (await (await page.request.get('/api/sparklines?minutes=60')).json()) as { queues: { queueId: string; points: unknown[] }[] };
  const first = api.queues.find((q) => q.points.length === 60)!;
  // the sparkline names its queue and its minutes for screen readers
  await expect(page.getByTestId(`tv-spark-${first.queueId}`)).toHaveAttribute('aria-label', /60/);
  expect(await clippedText(page)).toEqual([]);
  await page.screenshot({ path: `${SHOTS}/wallboard-queues-sparklines-1920x1080.png` });
});
