// The supervisor console's trend charts (Teams tab, GET /api/series) and 60-minute sparklines (Queues tab,
// GET /api/sparklines), in real Chromium against the product started by playwright.config.ts (npm start, built-in
// simulator, which pre-rolls an hour of history: a 24 h chart has data in its last interval or two only).
//
// Needs the e2e users and the supervisor bearer token described at the top of test/e2e/screens.spec.ts.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page, type Response } from '@playwright/test';
import type { Series, SeriesPoint, Sparklines, TeamPoint } from '../../shared/series.js';
import type { Snapshot } from '../../shared/snapshot.js';

const SUPERVISOR = { username: 'sup1', password: 'pass-sup-1' };
const SUPERVISOR_TOKEN = 'e2e-supervisor';
const SHOTS = 'test-results/screenshots';
const LAPTOP = { width: 1366, height: 768 };

async function signIn(page: Page, lang?: 'zh-CN'): Promise<void> {
  const next = lang ? `/supervisor?lang=${lang}` : '/supervisor';
  await page.goto(`/login?next=${encodeURIComponent(next)}${lang ? `&lang=${lang}` : ''}`);
  await page.getByTestId('login-username').fill(SUPERVISOR.username);
  await page.getByTestId('login-password').fill(SUPERVISOR.password);
  await page.getByTestId('login-submit').click();
  await page.waitForURL((u) => u.pathname === '/supervisor', { timeout: 15_000 }).catch(async () => {
    throw new Error(`sign-in as sup1 failed: "${(await page.getByTestId('login-error').innerText()).trim()}" (see test/e2e/screens.spec.ts)`);
  });
  await expect(page.getByTestId('supervisor-view')).toBeVisible();
}

async function getJson<T>(page: Page, path: string): Promise<T> {
  const res = await page.request.get(path, { headers: { authorization: `Bearer ${SUPERVISOR_TOKEN}` } });
  expect(res.ok(), `GET ${path} with the supervisor token`).toBe(true);
  return (await res.json()) as T;
}

function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content Security Policy|Refused to (load|execute|apply)/i.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  return problems;
}

const isSeries = (team: string, interval: number) => (r: Response) => {
  const u = new URL(r.url());
  return u.pathname === '/api/series' && u.searchParams.get('id') === team && u.searchParams.get('interval') === String(interval);
};

interface Figure {
  testid: string;
  value: (p: TeamPoint) => number | null;
  /** As the English screen writes it. */
  text: (v: number) => string;
}
const pct1 = (v: number) => `${(v * 100).toFixed(1)}%`;
const mmss = (s: number) => {
  const t = Math.max(0, Math.floor(s));
  return `${String(Math.floor(t / 60)).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`;
};
const FIGURES: Figure[] = [
  { testid: 'trend-break', value: (p) => p.breakRate, text: pct1 },
  { testid: 'trend-util', value: (p) => p.utilisation, text: pct1 },
  { testid: 'trend-aht', value: (p) => p.ahtSeconds, text: mmss },
  { testid: 'trend-cv', value: (p) => p.breakRateCv, text: (v) => v.toFixed(2) },
];

const valueOf = (f: Figure, p: SeriesPoint) => (p.team ? f.value(p.team) : null);
const hasValue = (v: number | null): v is number => v !== null && Number.isFinite(v);

/** Every chart shows the series the page received: its intervals, its points with a value, the latest complete one. */
async function expectChartsMatch(page: Page, series: Series): Promise<void> {
  const grid = page.getByTestId('trends-grid');
  await expect(grid).toHaveAttribute('data-team', series.id);
  await expect(grid).toHaveAttribute('data-interval', String(series.intervalMinutes));
  for (const f of FIGURES) {
    const fig = page.getByTestId(f.testid);
    await expect(fig, f.testid).toBeVisible();
    await expect(fig).toHaveAttribute('data-intervals', String(series.points.length));
    const withValue = series.points.filter((p) => hasValue(valueOf(f, p)));
    await expect(fig).toHaveAttribute('data-points', String(withValue.length));
    // one marker per interval with a value (circles; diamonds for AHT run points)
    await expect(fig.locator('svg .pt')).toHaveCount(withValue.length);

    const lastComplete = withValue.filter((p) => p.complete).at(-1);
    const svg = fig.locator('svg[role="img"]');
    const label = (await svg.getAttribute('aria-label')) ?? '';
    if (lastComplete) {
      const v = valueOf(f, lastComplete)!;
      await expect(fig).toHaveAttribute('data-latest-complete-from', lastComplete.from);
      expect(Number(await fig.getAttribute('data-latest-complete-value'))).toBeCloseTo(v, 9);
      // the summary a screen reader hears and the figure in the chart's heading are the API's value
      expect(label, `${f.testid} aria-label`).toContain(`Last complete interval`);
      expect(label, `${f.testid} aria-label`).toContain(f.text(v));
      await expect(page.getByTestId(`${f.testid}-latest`)).toHaveText(f.text(v));
    }
    // intervals with nothing recorded are hatched, one span per stretch of them
    let stretches = 0;
    series.points.forEach((p, i) => {
      const empty = !p.team || p.team.loggedInSeconds <= 0;
      const prevEmpty = i > 0 && (!series.points[i - 1]!.team || series.points[i - 1]!.team!.loggedInSeconds <= 0);
      if (empty && !prevEmpty) stretches++;
    });
    await expect(fig.locator('svg rect.empty')).toHaveCount(stretches);
  }
  // the AHT chart draws the run-rule flags the series carries
  await expect(page.getByTestId('trend-aht')).toHaveAttribute('data-runs', String(series.ahtRuns.length));
  await expect(page.getByTestId('trend-aht-run')).toHaveCount(series.ahtRuns.length);
  // the bands and the limit line
  await expect(page.getByTestId('trend-break').locator('rect.band')).toHaveCount(1);
  await expect(page.getByTestId('trend-util').locator('rect.band')).toHaveCount(1);
  await expect(page.getByTestId('trend-cv').locator('line.limit')).toHaveCount(1);
}

/**
 * A made-up 24 h series of 15-min intervals for the run-flag drawing (the simulator's hour of history is too short
 * for a run): nothing until 14 h ago, two intervals, a gap, 16 intervals around 05:00, a 9-interval shift above that
 * centre line, one interval, a 6-interval rising trend, four more and the running one. The flags are given as the
 * server would report them; the server's run rules have their own tests (test/unit, test/integration).
 */
function syntheticSeries(id: string, name: string, nowMs: number): Series {
  const step = 15 * 60_000;
  const running = Math.floor(nowMs / step) * step;
  const n = 97;
  const from = (i: number) => new Date(running - (n - 1 - i) * step).toISOString();
  const aht: Record<number, number> = { 56: 310, 57: 296 };
  [290, 310, 295, 305, 292, 308, 300, 300, 296, 304, 291, 309, 298, 302, 294, 306].forEach((v, k) => (aht[60 + k] = v));
  [320, 330, 325, 335, 322, 328, 340, 326, 331].forEach((v, k) => (aht[76 + k] = v));
  aht[85] = 310;
  [295, 305, 315, 325, 335, 345].forEach((v, k) => (aht[86 + k] = v));
  [340, 330, 345, 338, 350].forEach((v, k) => (aht[92 + k] = v));
  const points: SeriesPoint[] = Array.from({ length: n }, (_, i) => {
    const v = aht[i];
    const empty = v === undefined;
    const wave = Math.sin(i / 3);
    const team: TeamPoint = {
      loggedInSeconds: empty ? 0 : 12 * 900,
      breakSeconds: empty ? 0 : 900,
      talkSeconds: empty ? 0 : 7600,
      breakRate: empty ? null : 0.085 + 0.012 * wave,
      utilisation: empty ? null : 0.705 + 0.04 * wave,
      occupancy: empty ? null : 0.85,
      idleRate: empty ? null : 0.1,
      offPhoneShare: empty ? null : 0.25,
      callsAnswered: empty ? 0 : 20,
      callsHandled: empty ? 0 : 20,
      ahtSeconds: empty ? null : v,
      agentsExcluded: 0,
      meanAgentBreakRate: empty ? null : 0.085,
      breakRateSd: empty ? null : 0.012,
      breakRateCv: empty ? null : 0.13 + 0.05 * wave,
      inControl: empty ? null : 0.13 + 0.05 * wave < 0.16,
      agentsCounted: empty ? 0 : 12,
    };
    return { from: from(i), complete: i < n - 1, team };
  });
  const end = (i: number) => new Date(Date.parse(from(i)) + step).toISOString();
  return {
    kind: 'team',
    id,
    name,
    intervalMinutes: 15,
    generatedAt: new Date(nowMs).toISOString(),
    points,
    ahtRuns: [
      { rule: 'shift', direction: 'up', from: from(76), to: end(84), length: 9, centreSeconds: 300, current: false },
      { rule: 'trend', direction: 'up', from: from(86), to: end(91), length: 6, centreSeconds: null, current: false },
    ],
  };
}

/** Serious and critical axe-core violations inside the element matching `selector`, one line per element. */
async function axeProblems(page: Page, selector: string): Promise<string[]> {
  const results = await new AxeBuilder({ page }).include(selector).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${v.help} -> ${n.target.join(' ')}`));
}

/** Scrolls the Teams tab so the trends section starts at the top of the panel (heading, choices and charts in view). */
async function showTrends(page: Page): Promise<void> {
  await page.getByTestId('team-trends').evaluate((el) => el.scrollIntoView({ block: 'start' }));
}

test.describe('supervisor: trends', () => {
  test.use({ viewport: LAPTOP });

  test('Teams tab: break rate, utilisation, AHT and CV per interval, as GET /api/series has them', async ({ page }) => {
    const problems = watchProblems(page);
    await signIn(page);
    const snap = await getJson<Snapshot>(page, '/api/snapshot');
    const teams = [...snap.teams].sort((a, b) => a.name.localeCompare(b.name, 'en'));
    expect(teams.length, 'the simulator has teams').toBeGreaterThan(1);

    // The first team by name, 60-min intervals over 24 h, loaded when the tab opens.
    const first = page.waitForResponse(isSeries(teams[0]!.teamId, 60));
    await page.getByTestId('tab-teams').click();
    const res = await first;
    expect(res.status()).toBe(200);
    expect(new URL(res.url()).searchParams.get('hours')).toBe('24');
    const series = (await res.json()) as Series;
    await showTrends(page);
    await expectChartsMatch(page, series);

    // The x axis is the span asked for: 24 intervals of an hour (25 when the span starts mid-hour)...
    expect(series.points.length).toBeGreaterThanOrEqual(24);
    // ...and the simulator's hour of history shows as points in the last interval or two.
    expect(series.points.filter((p) => (p.team?.loggedInSeconds ?? 0) > 0).length).toBeGreaterThan(0);

    // The same figures with the supervisor token (another client of the API): same team, same intervals.
    // (An interval may have completed in between: compare the intervals both hold that ended over two minutes ago.)
    const again = await getJson<Series>(page, `/api/series?kind=team&id=${series.id}&interval=60&hours=24`);
    const settled = Date.parse(again.generatedAt) - 120_000;
    const both = series.points.filter((p) => Date.parse(p.from) + 3_600_000 < settled && again.points.some((a) => a.from === p.from));
    expect(both.length).toBeGreaterThanOrEqual(series.points.length - 3);
    for (const p of both) expect(again.points.find((a) => a.from === p.from)!.team?.breakRate ?? null).toEqual(p.team?.breakRate ?? null);

    // Snapshot pushes (about every second) do not reload the series: it is read again once a minute.
    let reloads = 0;
    const count = (r: Response) => {
      if (new URL(r.url()).pathname === '/api/series') reloads++;
    };
    page.on('response', count);
    await page.waitForTimeout(6_000);
    page.off('response', count);
    expect(reloads, 'series requests in 6 s after the first').toBe(0);

    await showTrends(page);
    await page.screenshot({ path: `${SHOTS}/supervisor-trends-1366x768.png` });
    await page.getByTestId('team-trends').screenshot({ path: `${SHOTS}/supervisor-trends-charts.png` });

    // The formula and span on hover of a chart's title.
    await page.getByTestId('trend-break').locator('.title').hover();
    await expect(page.locator('.fw-tooltip')).toContainText('Break rate');
    await expect(page.locator('.fw-tooltip')).toContainText('60-min interval');

    // Another team: Delta, the simulator's team whose breaks are out of control.
    const delta = teams.find((tm) => tm.teamId === 'team-delta') ?? teams[1]!;
    const second = page.waitForResponse(isSeries(delta.teamId, 60));
    await page.getByTestId('trends-team').selectOption(delta.teamId);
    const deltaSeries = (await (await second).json()) as Series;
    await expectChartsMatch(page, deltaSeries);

    // 15-min intervals: 96 (or 97) of them, more points with data.
    const fine = page.waitForResponse(isSeries(delta.teamId, 15));
    await page.getByTestId('trends-interval-15').click();
    await expect(page.getByTestId('trends-interval-15')).toHaveAttribute('aria-pressed', 'true');
    const fineSeries = (await (await fine).json()) as Series;
    expect(fineSeries.points.length).toBeGreaterThanOrEqual(96);
    await expectChartsMatch(page, fineSeries);
    await showTrends(page);
    await page.screenshot({ path: `${SHOTS}/supervisor-trends-15min-1366x768.png` });

    const axe = await axeProblems(page, '[data-testid="team-trends"]');
    expect(axe, axe.join('\n')).toEqual([]);

    // A pointer over the chart reads out the interval under it.
    const plot = page.getByTestId('trend-break').locator('rect.hit');
    const box = (await plot.boundingBox())!;
    await page.mouse.move(box.x + box.width - 4, box.y + box.height / 2);
    await expect(page.getByTestId('trend-break').locator('.readout')).toContainText('·');

    expect(problems).toEqual([]);
  });

  test('AHT run-rule flags: the run\'s intervals as diamonds, "9↑ shift" with its centre line, "6↑ trend"', async ({ page }) => {
    const problems = watchProblems(page);
    // 15-min series come from syntheticSeries (with two runs); everything else from the server.
    await page.route(
      (u) => u.pathname === '/api/series' && u.searchParams.get('interval') === '15',
      (route) => {
        const u = new URL(route.request().url());
        const id = u.searchParams.get('id') ?? 'team-x';
        return route.fulfill({ json: syntheticSeries(id, id, Date.now()) });
      },
    );
    await signIn(page);
    await page.getByTestId('tab-teams').click();
    await expect(page.getByTestId('trends-grid')).toBeVisible();
    await page.getByTestId('trends-interval-15').click();
    await expect(page.getByTestId('trends-grid')).toHaveAttribute('data-interval', '15');

    const aht = page.getByTestId('trend-aht');
    await expect(aht).toHaveAttribute('data-runs', '2');
    await expect(page.getByTestId('trend-aht-run')).toHaveText(['9↑ shift', '6↑ trend']);
    await expect(aht.locator('svg rect.pt.flag')).toHaveCount(15);
    await expect(aht.locator('svg line.centre')).toHaveCount(1);
    await expect(aht.locator('svg .centre-label')).toHaveText('centre 05:00');
    await expect(aht.locator('svg text.note')).toHaveCount(0);
    await expect(aht.locator('svg[role="img"]')).toHaveAttribute('aria-label', /Run-rule flags: 9↑ shift .*; 6↑ trend /);
    // the other charts have no flags, the gaps are hatched (leading "no data yet" and a two-interval gap)
    await expect(page.getByTestId('trend-break').locator('svg rect.pt.flag')).toHaveCount(0);
    await expect(page.getByTestId('trend-break').locator('svg rect.empty')).toHaveCount(2);
    await expect(page.getByTestId('trend-break').locator('svg .empty-label')).toHaveText(['no data yet']);
    await showTrends(page);
    await page.screenshot({ path: `${SHOTS}/supervisor-trends-runs-1366x768.png` });
    expect(problems).toEqual([]);
  });

  test('Teams tab in Chinese', async ({ page }) => {
    const problems = watchProblems(page);
    await signIn(page, 'zh-CN');
    const shown = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/series');
    await page.getByTestId('tab-teams').click();
    await shown;
    const trends = page.getByTestId('team-trends');
    await showTrends(page);
    await expect(trends.locator('h2')).toHaveText('分时段趋势');
    await expect(page.getByTestId('trend-cv').locator('.title')).toHaveText('小休率离散系数');
    await expect(page.getByTestId('trend-util').locator('.band-label')).toContainText('健康区间');
    await expect(page.getByTestId('trend-break').locator('svg[role="img"]')).toHaveAttribute('aria-label', /最近 24 小时/);
    await page.screenshot({ path: `${SHOTS}/supervisor-trends-zh-CN-1366x768.png` });
    expect(problems).toEqual([]);
  });

  test('Queues tab: a 60-minute sparkline per queue, as GET /api/sparklines has it, refreshed every 30 s', async ({ page }) => {
    test.setTimeout(90_000);
    const problems = watchProblems(page);
    await signIn(page);
    const snap = await getJson<Snapshot>(page, '/api/snapshot');
    expect(snap.queues.length).toBeGreaterThan(0);

    const isSpark = (r: Response) => new URL(r.url()).pathname === '/api/sparklines';
    const first = page.waitForResponse(isSpark);
    await page.getByTestId('tab-queues').click();
    const res = await first;
    expect(res.status()).toBe(200);
    const spark = (await res.json()) as Sparklines;
    expect(spark.minutes).toBe(60);

    for (const q of snap.queues) {
      const line = spark.queues.find((x) => x.queueId === q.queueId);
      expect(line, `sparkline data for ${q.queueId}`).toBeTruthy();
      const svg = page.getByTestId(`sup-queue-row-${q.queueId}`).getByTestId(`spark-${q.queueId}`);
      await expect(svg).toBeVisible();
      await expect(svg).toHaveAttribute('role', 'img');
      await expect(svg).toHaveAttribute('data-minutes', '60');
      const entered = line!.points.reduce((a, p) => a + p.entered, 0);
      await expect(svg).toHaveAttribute('data-entered', String(entered));
      await expect(svg).toHaveAttribute('aria-label', new RegExp(`^${q.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, last 60 min: ${entered.toLocaleString('en')} calls in`));
      await expect(svg.locator('rect.bar')).toHaveCount(60);
      const box = (await svg.boundingBox())!;
      expect(Math.round(box.width)).toBe(104);
      expect(Math.round(box.height)).toBe(24);
    }
    // the floor's total, bars only
    if (snap.queues.length > 1) await expect(page.getByTestId('spark-all').locator('rect.bar')).toHaveCount(60);
    await page.screenshot({ path: `${SHOTS}/supervisor-queues-sparklines-1366x768.png` });
    await page.getByTestId('sup-queues-table').screenshot({ path: `${SHOTS}/supervisor-queues-sparklines-table.png` });

    const axe = await axeProblems(page, '[data-testid="sup-queues-table"]');
    expect(axe, axe.join('\n')).toEqual([]);

    // The column explains itself on hover.
    await page.getByTestId(`spark-${snap.queues[0]!.queueId}`).hover();
    await expect(page.locator('.fw-tooltip')).toContainText('minute by minute');

    // Read again 30 s later while the tab shows.
    const t0 = Date.now();
    await page.waitForResponse(isSpark, { timeout: 40_000 });
    expect(Date.now() - t0).toBeGreaterThan(20_000);
    expect(problems).toEqual([]);
  });
});
