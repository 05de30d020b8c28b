// The sign-in page, the supervisor console, the team-lead view and the kiosk link, in real Chromium against the
// product started by playwright.config.ts (npm start, built-in simulator).
//
// Needs from playwright.config.ts (webServer.env) and its global setup:
//   FLOORWATCH_USERS_FILE: 'test-results/e2e-users.json'
//   FLOORWATCH_SUPERVISOR_TOKEN: 'e2e-supervisor'
//   a global setup that writes into that file (server/auth/accounts.ts format, hashPassword from
//   server/auth/credentials.ts): user sup1 / pass-sup-1 (supervisor), user lead-delta / pass-lead-1 (lead of
//   team-delta), and a display token whose secret is e2e-display-token (role display, pages ['wallboard']).
//
// Sign-in is rate limited per address (4 x 5 attempts per 15 min): this file signs in five times.
import { expect, test, type Page } from '@playwright/test';
import type { Snapshot } from '../../shared/snapshot.js';

const SUPERVISOR = { username: 'sup1', password: 'pass-sup-1' };
const LEAD = { username: 'lead-delta', password: 'pass-lead-1', team: 'team-delta' };
const DISPLAY_TOKEN = 'e2e-display-token';
const SUPERVISOR_TOKEN = 'e2e-supervisor';
const SHOTS = 'test-results/screenshots';

const LAPTOP = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };

/** Signs in through the form; fails with a clear message when the e2e users are not set up. */
async function signIn(page: Page, user: { username: string; password: string }, next?: string): Promise<void> {
  await page.goto(next ? `/login?next=${encodeURIComponent(next)}` : '/login');
  await expect(page.getByTestId('login-form')).toBeVisible();
  await page.getByTestId('login-username').fill(user.username);
  await page.getByTestId('login-password').fill(user.password);
  await page.getByTestId('login-submit').click();
  const error = page.getByTestId('login-error');
  await Promise.race([
    page.waitForURL((u) => u.pathname !== '/login', { timeout: 15_000 }),
    error.filter({ hasText: /\S/ }).waitFor({ timeout: 15_000 }),
  ]);
  if (new URL(page.url()).pathname === '/login') {
    throw new Error(
      `sign-in as ${user.username} failed: "${(await error.innerText()).trim()}". ` +
        'Are FLOORWATCH_USERS_FILE and the e2e users set up (see the top of test/e2e/screens.spec.ts)?',
    );
  }
}

/** The full snapshot, with the supervisor bearer token (independent of the page's sign-in). */
async function fullSnapshot(page: Page): Promise<Snapshot> {
  const res = await page.request.get('/api/snapshot', { headers: { authorization: `Bearer ${SUPERVISOR_TOKEN}` } });
  expect(res.ok(), 'GET /api/snapshot with FLOORWATCH_SUPERVISOR_TOKEN').toBe(true);
  return (await res.json()) as Snapshot;
}

/** Collects Content-Security-Policy violations and script errors on a page. */
function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to (load|execute|apply)/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return problems;
}

test.describe('sign-in page', () => {
  test.use({ viewport: LAPTOP });

  test('is an accessible form, in English and Chinese', async ({ page }) => {
    const problems = watchProblems(page);
    await page.goto('/login');
    await expect(page.getByLabel('User name')).toHaveAttribute('autocomplete', 'username');
    await expect(page.getByLabel('Password', { exact: true })).toHaveAttribute('autocomplete', 'current-password');
    await expect(page.getByTestId('login-error')).toHaveAttribute('aria-live', /assertive|polite/);
    await page.screenshot({ path: `${SHOTS}/login-1366x768.png` });

    await page.goto('/login?lang=zh-CN');
    await expect(page.getByTestId('login-form')).toContainText('用户名');
    await expect(page.getByTestId('login-submit')).toHaveText('登录');
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: `${SHOTS}/login-zh-CN-390x844.png` });
    expect(problems).toEqual([]);
  });

  test('a wrong password shows the error and stays on the page', async ({ page }) => {
    await page.goto('/login');
    await page.getByTestId('login-username').fill(SUPERVISOR.username);
    await page.getByTestId('login-password').fill('not-the-password');
    await page.getByTestId('login-submit').click();
    await expect(page.getByTestId('login-error')).toHaveText(/wrong user name or password/i);
    await expect(page).toHaveURL(/\/login/);
    await expect(page.getByTestId('login-password')).toHaveAttribute('aria-invalid', 'true');
    await page.screenshot({ path: `${SHOTS}/login-wrong-password.png` });
  });
});

test.describe('supervisor', () => {
  test.use({ viewport: LAPTOP });

  test('signs in, lands on /supervisor, sees the tables, and the duty log shows the sign-in', async ({ page }) => {
    const problems = watchProblems(page);
    await signIn(page, SUPERVISOR);
    await expect(page).toHaveURL(/\/supervisor(#.*)?$/);
    await expect(page.getByTestId('supervisor-view')).toBeVisible();
    await expect(page.getByTestId('whoami')).not.toHaveText(/^…?$/);
    const snap = await fullSnapshot(page);

    // The KPI strip, the same as the TV's.
    await expect(page.getByTestId('kpi-agents')).toBeVisible({ timeout: 15_000 });

    // Queues: a row per queue; the headers sort (aria-sort) and explain their formula.
    await page.getByTestId('tab-queues').click();
    for (const q of snap.queues) await expect(page.getByTestId(`sup-queue-row-${q.queueId}`)).toBeVisible();
    const slHeader = page.getByTestId('sup-queues-table').locator('th.c-sl');
    await slHeader.locator('button').click();
    await expect(slHeader).toHaveAttribute('aria-sort', 'ascending');
    await slHeader.locator('button').click();
    await expect(slHeader).toHaveAttribute('aria-sort', 'descending');
    await expect(slHeader.locator('button')).toHaveAttribute('data-tip', /answered within T/);

    // Teams: a row per team, CV with its word.
    await page.getByTestId('tab-teams').click();
    await expect(page.getByTestId('tab-teams')).toHaveAttribute('aria-selected', 'true');
    for (const t of snap.teams) await expect(page.getByTestId(`sup-team-row-${t.teamId}`)).toBeVisible();
    await page.screenshot({ path: `${SHOTS}/supervisor-teams-1366x768.png` });

    // Agents: every agent the snapshot holds, filterable by name; only the rows in view are rendered.
    await page.getByTestId('tab-agents').click();
    const table = page.getByTestId('agents-table');
    await expect(table).toBeVisible();
    expect(Number(await table.getAttribute('data-rows'))).toBeGreaterThan(30);
    const someone = snap.agents.find((a) => a.loggedIn) ?? snap.agents[0]!;
    await page.getByTestId('filter-name').fill(someone.name);
    await expect(page.getByTestId(`agent-row-${someone.agentId}`)).toBeVisible();
    await expect(page.getByTestId('agents-count')).toContainText(/^\s*\d+ of \d+ agents/);
    await page.getByTestId('filter-name').fill('');
    const breakHeader = table.locator('th.c-breakRate');
    await breakHeader.locator('button').click();
    await expect(breakHeader).toHaveAttribute('aria-sort', 'descending');
    await page.screenshot({ path: `${SHOTS}/supervisor-agents-1366x768.png` });

    // Duty log: newest first, with this sign-in.
    await page.getByTestId('tab-duty-log').click();
    const log = page.getByTestId('duty-log-table');
    await expect(log.locator('tr[data-kind="auth.signin"]', { hasText: SUPERVISOR.username }).first()).toBeVisible();
    await page.getByTestId('duty-log-refresh').click();
    await expect(log.locator('tr[data-kind="auth.signin"]', { hasText: SUPERVISOR.username }).first()).toBeVisible();
    await page.screenshot({ path: `${SHOTS}/supervisor-duty-log-1366x768.png` });

    await page.getByTestId('tab-queues').click();
    await page.screenshot({ path: `${SHOTS}/supervisor-1366x768.png` });
    expect(problems).toEqual([]);

    // Sign out: back to the sign-in page, and the session is gone.
    await page.getByTestId('sign-out').click();
    await expect(page).toHaveURL(/\/login/);
    const me = await page.request.get('/api/auth/me');
    if (me.ok()) expect(((await me.json()) as { id: string }).id).not.toContain(SUPERVISOR.username);
  });
});

test.describe('team lead', () => {
  test('signs in, lands on /lead, sees only team-delta agents and the team CV; phone layout', async ({ page }) => {
    const problems = watchProblems(page);
    await page.setViewportSize(LAPTOP);
    await signIn(page, LEAD, '/lead');
    await expect(page).toHaveURL(/\/lead$/);
    await expect(page.getByTestId('lead-view')).toBeVisible();
    const team = page.getByTestId(`lead-team-${LEAD.team}`);
    await expect(team).toBeVisible({ timeout: 15_000 });
    // Only the lead's team is on the page.
    await expect(page.locator('[data-testid^="lead-team-"]')).toHaveCount(1);

    // The full floor has agents of other teams, and none of them reaches the lead's page.
    const full = await fullSnapshot(page);
    expect(full.agents.some((a) => a.teamId !== LEAD.team)).toBe(true);
    const rows = page.locator('[data-testid^="lead-agent-row-"]');
    await expect(rows.first()).toBeVisible();
    const teamsOfRows = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-team')));
    expect(teamsOfRows.length).toBeGreaterThan(0);
    expect(new Set(teamsOfRows)).toEqual(new Set([LEAD.team]));
    for (const a of full.agents.filter((x) => x.teamId !== LEAD.team).slice(0, 5)) {
      await expect(page.getByTestId(`lead-agent-row-${a.agentId}`)).toHaveCount(0);
    }

    // The team's CV against the 0.16 limit, in shape and word, agreeing with the lead's own snapshot.
    const cv = page.getByTestId(`lead-cv-${LEAD.team}`);
    await expect(cv).toContainText(/in control|OUT OF CONTROL|not enough agents/);
    await expect
      .poll(
        async () => {
          const mine = (await (await page.request.get('/api/snapshot')).json()) as Snapshot;
          const w = mine.teams.find((t) => t.teamId === LEAD.team)!.windows['60m'];
          const shown = (await page.getByTestId(`lead-cv-value-${LEAD.team}`).innerText()).trim();
          if (w.breakRateCv === null) return shown === '–';
          return Math.abs(Number(shown) - w.breakRateCv) < 0.05 && (await cv.getAttribute('data-in-control')) === String(w.inControl);
        },
        { timeout: 20_000 },
      )
      .toBe(true);
    await expect(page.getByTestId(`team-cv-${LEAD.team}`)).toBeVisible();
    await page.screenshot({ path: `${SHOTS}/lead-1366x768.png`, fullPage: true });

    // The same page on a phone: no sideways scrolling.
    await page.setViewportSize(PHONE);
    await expect(team).toBeVisible();
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: `${SHOTS}/lead-390x844.png` });
    await page.screenshot({ path: `${SHOTS}/lead-390x844-full.png`, fullPage: true });
    expect(problems).toEqual([]);
  });

  test('a lead opening /supervisor gets 403', async ({ page }) => {
    await signIn(page, LEAD);
    await expect(page).toHaveURL(/\/lead$/);
    const res = await page.goto('/supervisor');
    expect(res?.status()).toBe(403);
  });
});

test.describe('wallboard kiosk', () => {
  test.use({ viewport: { width: 1920, height: 1080 } });

  test('a display token in the URL signs the TV in and leaves the address bar clean', async ({ page }) => {
    const problems = watchProblems(page);
    await page.goto(`/wallboard?token=${DISPLAY_TOKEN}`);
    await expect(page).toHaveURL(/\/wallboard$/);
    expect(page.url()).not.toContain(DISPLAY_TOKEN);
    await expect(page.getByTestId('wallboard')).toBeVisible({ timeout: 15_000 });
    await expect(page.getByTestId('live-indicator')).toHaveAttribute('data-state', 'live');
    // The cookie is a session of the display token, not the demo's anonymous viewer.
    const me = (await (await page.request.get('/api/auth/me')).json()) as { id: string; roles: string[] };
    expect(me.roles).toEqual(['display']);
    expect(me.id).toMatch(/^token:/);
    await page.screenshot({ path: `${SHOTS}/wallboard-kiosk-1920x1080.png` });
    // the screen's options survive the exchange; only the token leaves the address bar
    await page.goto(`/wallboard?token=${DISPLAY_TOKEN}&rotate=30&lang=zh-CN`);
    await expect(page).toHaveURL(/\/wallboard\?rotate=30&lang=zh-CN$/);
    await expect(page.getByTestId('wallboard')).toBeVisible({ timeout: 15_000 });
    expect(problems).toEqual([]);
  });
});
