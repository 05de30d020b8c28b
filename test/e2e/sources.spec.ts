// The supervisor console's Sources tab (数据源), in real Chromium against the product started by
// playwright.config.ts (npm start, built-in simulator): the source rows, the ingest totals against GET /api/health,
// the dead letters against GET /api/dead-letters, the 5 s refresh, the hints, and the Chinese label.
//
// Needs the e2e users and the supervisor bearer token described at the top of test/e2e/screens.spec.ts.
// Signs in once (sign-in is rate limited per address).
import { expect, test, type Page } from '@playwright/test';

const SUPERVISOR = { username: 'sup1', password: 'pass-sup-1' };
const SUPERVISOR_TOKEN = 'e2e-supervisor';
const SHOTS = 'test-results/screenshots';
const LAPTOP = { width: 1366, height: 768 };

interface Health {
  sources: Record<string, { connected: boolean | null; eventsTotal: number; rejectedTotal: number }>;
  ingest: { accepted: number; duplicates: number; rejected: number; late: number; lostCalls: number };
}

async function signIn(page: Page): Promise<void> {
  await page.goto(`/login?next=${encodeURIComponent('/supervisor')}`);
  await page.getByTestId('login-username').fill(SUPERVISOR.username);
  await page.getByTestId('login-password').fill(SUPERVISOR.password);
  await page.getByTestId('login-submit').click();
  await page.waitForURL((u) => u.pathname === '/supervisor', { timeout: 15_000 }).catch(async () => {
    throw new Error(`sign-in as sup1 failed: "${(await page.getByTestId('login-error').innerText()).trim()}" (see test/e2e/screens.spec.ts)`);
  });
}

async function getJson<T>(page: Page, path: string): Promise<T> {
  const res = await page.request.get(path, { headers: { authorization: `Bearer ${SUPERVISOR_TOKEN}` } });
  expect(res.ok(), `GET ${path} with the supervisor token`).toBe(true);
  return (await res.json()) as T;
}

const value = async (page: Page, testid: string): Promise<number> => Number(await page.getByTestId(testid).getAttribute('data-value'));

test.describe('supervisor: Sources tab', () => {
  test.use({ viewport: LAPTOP });

  test('shows the sources, the ingest totals as /api/health has them, and the dead letters', async ({ page }) => {
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to (load|execute|apply)/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
    });

    await signIn(page);
    await expect(page.getByTestId('supervisor-view')).toBeVisible();
    const tab = page.getByTestId('tab-sources');
    await expect(tab).toHaveText(/Sources/);
    await tab.click();
    await expect(tab).toHaveAttribute('aria-selected', 'true');
    await expect(page).toHaveURL(/#sources$/);

    // The simulator: connected (shape and word), with events.
    const table = page.getByTestId('sources-table');
    await expect(table).toBeVisible();
    const sim = page.getByTestId('source-row-simulator');
    await expect(sim).toBeVisible({ timeout: 15_000 });
    const simConnected = page.getByTestId('source-connected-simulator');
    await expect(simConnected).toHaveAttribute('data-connected', 'true');
    await expect(simConnected).toContainText('●');
    await expect(simConnected).toContainText('connected');
    await expect(simConnected.getByRole('img', { name: 'connected' })).toBeVisible();
    expect(await value(page, 'source-total-simulator')).toBeGreaterThan(0);
    await expect(sim).toContainText(/\d{2}:\d{2}:\d{2} · \d+ (s|min) ago/);

    // HTTP ingest: pushed to the server, so no connection to judge.
    const http = page.getByTestId('source-row-http');
    await expect(http).toBeVisible();
    await expect(page.getByTestId('source-connected-http')).toHaveAttribute('data-connected', 'null');
    await expect(page.getByTestId('source-connected-http')).toContainText('– not applicable');

    // Every source /api/health lists has a row.
    const health = await getJson<Health>(page, '/api/health');
    for (const name of Object.keys(health.sources)) await expect(page.getByTestId(`source-row-${name}`)).toBeVisible();

    // Ingest totals: accepted > 0; rejected, late and lost calls as /api/health has them (read, refresh, compare until they agree:
    // the simulator keeps the figures moving).
    const totals = page.getByTestId('ingest-totals');
    await expect(totals).toBeVisible();
    expect(await value(page, 'ingest-accepted')).toBeGreaterThan(0);
    await expect(async () => {
      const h = await getJson<Health>(page, '/api/health');
      await page.getByTestId('sources-refresh').click();
      await expect(page.getByTestId('sources-refresh')).toHaveAttribute('aria-busy', 'false');
      expect(await value(page, 'ingest-rejected')).toBe(h.ingest.rejected);
      expect(await value(page, 'ingest-late')).toBe(h.ingest.late);
      expect(await value(page, 'ingest-lostCalls')).toBe(h.ingest.lostCalls);
      expect(await value(page, 'source-rejected-http')).toBe(h.sources.http!.rejectedTotal);
      expect(await value(page, 'ingest-accepted')).toBeGreaterThanOrEqual(h.ingest.accepted);
    }).toPass({ timeout: 20_000 });
    await expect(page.getByTestId('ingest-rejected')).toHaveText(/^\s*[\d,]+\s*$/);

    // The hint says what "late" means, on keyboard focus too.
    await page.getByTestId('ingest-late').locator('..').focus();
    await expect(page.locator('.fw-tooltip')).toBeVisible();
    await expect(page.locator('.fw-tooltip')).toContainText('allowed lateness');

    // Dead letters: the same rows as /api/dead-letters, or the sentence that there are none.
    const dead = await getJson<{ entries: { id: string }[] }>(page, '/api/dead-letters?count=100');
    await expect(page.getByTestId('dead-letters')).toBeVisible();
    if (dead.entries.length === 0) await expect(page.getByTestId('dead-letters')).toContainText('No dead letters: every stream entry applied.');
    else for (const d of dead.entries.slice(0, 5)) await expect(page.getByTestId(`dead-letter-row-${d.id}`)).toBeAttached();

    // It refreshes by itself every 5 s while the tab shows: the simulator's total grows without a click.
    const before = await value(page, 'source-total-simulator');
    await expect.poll(() => value(page, 'source-total-simulator'), { timeout: 12_000, intervals: [1_000] }).toBeGreaterThan(before);

    await page.keyboard.press('Escape');
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.mouse.move(0, 0);
    await page.screenshot({ path: `${SHOTS}/supervisor-sources-1366x768.png` });

    // What the demo never shows (a source down, rejections, dead letters): the server's answers, altered in the
    // browser. Reasons and events are text, never HTML.
    const evil = '<img src=x onerror="window.__pwned=1">bad';
    await page.route('**/api/health', async (route) => {
      const body = (await (await route.fetch()).json()) as Health & { sources: Record<string, Record<string, unknown>> };
      body.sources.ami = {
        connected: false,
        lastEventAt: new Date(Date.now() - 95_000).toISOString(),
        eventsPerSecond: 0,
        eventsTotal: 120,
        rejectedTotal: 2,
        recentRejections: [
          { at: new Date(Date.now() - 90_000).toISOString(), error: 'agentId: required' },
          { at: new Date(Date.now() - 60_000).toISOString(), error: evil },
        ],
        detail: { host: 'pbx.example:5038', banner: 'Asterisk Call Manager/7.0.3', reconnects: 3, errors: 1, lastError: 'connect ECONNREFUSED' },
      };
      await route.fulfill({ json: body });
    });
    const event = JSON.stringify({ id: 'e-1', type: 'agent_state', ts: '2024-01-01T09:00:00Z', note: 'x'.repeat(300) });
    await page.route('**/api/dead-letters**', (route) =>
      route.fulfill({ json: { entries: [{ id: '1700000000000-0', entry: '1699999999999-0', reason: `apply failed: ${evil}`, event }] } }),
    );
    await page.getByTestId('sources-refresh').click();
    const ami = page.getByTestId('source-connected-ami');
    await expect(ami).toHaveAttribute('data-connected', 'false');
    await expect(ami).toContainText('■');
    await expect(ami).toContainText('disconnected');
    await expect(page.getByTestId('source-row-ami')).toContainText('pbx.example:5038 · Asterisk Call Manager/7.0.3 · reconnects 3 · errors 1 · last error: connect ECONNREFUSED');
    await expect(page.getByTestId('source-row-ami')).toContainText(/1 min ago/);
    const reasons = page.getByTestId('rejections-ami');
    await expect(reasons.locator('li').first()).toContainText(evil); // newest first, as text
    await expect(reasons.locator('li').nth(1)).toContainText('agentId: required');
    const row = page.getByTestId('dead-letter-row-1700000000000-0');
    await expect(row).toContainText('1699999999999-0');
    await expect(row).toContainText(`apply failed: ${evil}`);
    await expect(row.locator('td.event')).toHaveAttribute('data-tip', /"note": "x{300}"/);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await page.screenshot({ path: `${SHOTS}/supervisor-sources-faults-1366x768.png` });
    await page.unrouteAll({ behavior: 'wait' });

    // The label in Chinese (same sign-in).
    await page.goto('/supervisor?lang=zh-CN#sources');
    await expect(page.getByTestId('tab-sources')).toHaveText(/数据源/);
    await expect(page.getByTestId('source-connected-simulator')).toContainText('已连接', { timeout: 15_000 });
    await expect(page.getByTestId('ingest-totals')).toContainText('迟到');

    expect(problems).toEqual([]);
  });
});
