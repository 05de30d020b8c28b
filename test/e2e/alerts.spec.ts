// Alerts, callback mode, broadcast, thresholds and the duty log, in real Chromium against the product started by
// playwright.config.ts (npm start, built-in simulator; the demo's team-delta takes its breaks out of control).
//
// A supervisor socket (bearer token e2e-supervisor, no Origin header from Node) changes the thresholds so that
// team-delta's break alert is raised at once, and puts every threshold back at the end. Users and the token come
// from global-setup.ts and playwright.config.ts (see the top of screens.spec.ts).
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { io, type Socket } from 'socket.io-client';
import type { Snapshot } from '../../shared/snapshot.js';
import type { ActionReply } from '../../shared/socket.js';

const SUPERVISOR = { username: 'sup1', password: 'pass-sup-1' };
const LEAD = { username: 'lead-delta', password: 'pass-lead-1', team: 'team-delta', name: 'Lead Delta' };
const SUPERVISOR_TOKEN = 'e2e-supervisor';
const SHOTS = 'test-results/screenshots';
const LAPTOP = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };
const TV = { width: 1920, height: 1080 };
const TV_4K = { width: 3840, height: 2160 };
const NOTE = 'e2e: spoke to Delta, breaks staggered from now';

type Thresholds = Record<string, Record<string, unknown>>;

let socket: Socket;
let before: Thresholds;
/** Callback modes and the broadcast this file switched on, to switch off whatever happens. */
const switchedQueues = new Set<string>();

function act(event: string, request: unknown): Promise<ActionReply> {
  return socket.timeout(10_000).emitWithAck(event, request) as Promise<ActionReply>;
}

async function apiGet<T>(page: Page, path: string): Promise<T> {
  const res = await page.request.get(path, { headers: { authorization: `Bearer ${SUPERVISOR_TOKEN}` } });
  expect(res.ok(), `GET ${path} with the supervisor token`).toBe(true);
  return (await res.json()) as T;
}

/** A fresh browser context (its own cookies) signed in through the sign-in form. */
async function signedIn(browser: Browser, user: { username: string; password: string }, path: string, viewport = LAPTOP) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(`/login?next=${encodeURIComponent(path)}`);
  await page.getByTestId('login-username').fill(user.username);
  await page.getByTestId('login-password').fill(user.password);
  await page.getByTestId('login-submit').click();
  await page.waitForURL((u) => u.pathname === path, { timeout: 15_000 });
  return { context, page };
}

/** CSP violations and script errors on a page. */
function problemsOf(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to (load|execute|apply)/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return problems;
}

/** The page fits the screen: no scrollbars, and the main figure is at least 6% of the screen height. */
async function expectTvFits(page: Page, size: { width: number; height: number }) {
  const scroll = await page.evaluate(() => ({ w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight }));
  expect(scroll.w).toBeLessThanOrEqual(size.width);
  expect(scroll.h).toBeLessThanOrEqual(size.height);
  const box = await page.getByTestId('kpi-waiting-value').boundingBox();
  expect(box!.height).toBeGreaterThanOrEqual(0.06 * size.height);
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ baseURL, request }) => {
  const res = await request.get('/api/thresholds', { headers: { authorization: `Bearer ${SUPERVISOR_TOKEN}` } });
  expect(res.ok()).toBe(true);
  before = ((await res.json()) as { thresholds: Thresholds }).thresholds;

  socket = io(baseURL!, { path: '/socket.io', auth: { token: SUPERVISOR_TOKEN }, reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  // Quiet first: any break alert already raised clears, so the one the lead sees later is new to their page.
  const quiet = await act('thresholds:set', { breakControl: { cvLimit: 50, clearBelow: 49, clearForSeconds: 0 } });
  expect(quiet).toEqual({ ok: true });
});

test.afterAll(async () => {
  if (!socket) return;
  for (const id of switchedQueues) await act('callback:set', { scope: 'queue', id, on: false });
  await act('broadcast:set', { text: '', audience: 'all', minutes: 1 });
  if (before) expect(await act('thresholds:set', before)).toEqual({ ok: true });
  socket.close();
});

test('a new break alert pops up for the team lead, who acknowledges it; the supervisor sees who and the note', async ({ browser }) => {
  test.setTimeout(120_000);
  const lead = await signedIn(browser, LEAD, '/lead');
  const problems = problemsOf(lead.page);
  const page = lead.page;
  await expect(page.getByTestId('lead-alerts')).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId(`lead-team-${LEAD.team}`)).toBeVisible();

  // Now the break rule may fire at once: the alert is raised after the page opened, so it pops up.
  const bc = before.breakControl!;
  expect(
    await act('thresholds:set', { breakControl: { forSeconds: 0, window: '60m', cvLimit: bc.cvLimit, clearBelow: bc.clearBelow, clearForSeconds: bc.clearForSeconds } }),
  ).toEqual({ ok: true });

  const toast = page.locator(`[data-testid^="lead-toast-"][data-rule="break_out_of_control"][data-team="${LEAD.team}"]`);
  await expect(toast).toBeVisible({ timeout: 30_000 });
  const alertId = (await toast.getAttribute('data-testid'))!.slice('lead-toast-'.length);
  await expect(toast).toContainText(/Breaks out of control/);
  await expect(toast).toContainText(/Delta/);
  await expect(toast).toContainText(/CV \d\.\d\d · limit 0\.16/);

  // Nothing of another team reaches the lead: no toast, no listed alert.
  const full = await apiGet<Snapshot>(page, '/api/snapshot');
  for (const a of full.alerts.filter((x) => x.subject.teamId !== LEAD.team)) {
    await expect(page.getByTestId(`lead-toast-${a.id}`)).toHaveCount(0);
    await expect(page.getByTestId(`alert-row-${a.id}`)).toHaveCount(0);
  }
  const teamsShown = await page
    .locator('[data-testid^="lead-toast-"][data-rule], [data-testid^="alert-row-"]')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-team')));
  expect(teamsShown.length).toBeGreaterThan(0);
  expect(new Set(teamsShown)).toEqual(new Set([LEAD.team]));
  // The same alert is listed in the page's alerts section too.
  await expect(page.getByTestId(`alert-row-${alertId}`)).toHaveAttribute('data-state', 'active');

  await page.screenshot({ path: `${SHOTS}/lead-toast-1366x768.png` });
  await page.setViewportSize(PHONE);
  await expect(toast).toBeInViewport();
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
  await page.screenshot({ path: `${SHOTS}/lead-toast-390x844.png` });

  // Acknowledge from the toast, with a note: the toast closes, the section says who.
  await toast.getByTestId('alert-ack-note').fill(NOTE);
  await page.getByTestId(`lead-toast-ack-${alertId}`).click();
  await expect(page.getByTestId(`lead-toast-${alertId}`)).toHaveCount(0, { timeout: 10_000 });
  const row = page.getByTestId(`alert-row-${alertId}`);
  await expect(row).toHaveAttribute('data-state', /acknowledged|cleared/);
  await expect(row).toContainText(LEAD.name);
  await page.setViewportSize(LAPTOP);

  // The beep is off until the lead turns it on; the choice is kept in this browser.
  const sound = page.getByTestId('sound-toggle');
  await expect(sound).not.toBeChecked();
  await sound.check();
  expect(await page.evaluate(() => localStorage.getItem('floorwatch.alertSound'))).toBe('on');
  await page.reload();
  await expect(page.getByTestId('sound-toggle')).toBeChecked({ timeout: 15_000 });
  // After a reload the acknowledged alert is listed, and nothing already there pops up again.
  await expect(page.getByTestId(`alert-row-${alertId}`)).toContainText(NOTE);
  await expect(page.locator('[data-testid^="lead-toast-"][data-rule]')).toHaveCount(0);
  expect(problems).toEqual([]);

  // The supervisor's inbox shows it acknowledged by the lead, with the note.
  const sup = await signedIn(browser, SUPERVISOR, '/supervisor');
  const supProblems = problemsOf(sup.page);
  await sup.page.getByTestId('tab-alerts').click();
  const inbox = sup.page.getByTestId('alert-inbox');
  await expect(inbox).toBeVisible({ timeout: 15_000 });
  const supRow = inbox.getByTestId(`alert-row-${alertId}`);
  await expect(supRow).toHaveAttribute('data-rule', 'break_out_of_control');
  await expect(supRow).toHaveAttribute('data-state', /acknowledged|cleared/);
  await expect(supRow).toContainText(`Acknowledged by ${LEAD.name}`);
  await expect(supRow).toContainText(NOTE);
  await expect(supRow.getByTestId(`alert-ack-${alertId}`)).toHaveCount(0);
  await expect(sup.page.getByTestId('alert-count')).toBeVisible();
  await sup.page.screenshot({ path: `${SHOTS}/supervisor-inbox-1366x768.png` });
  expect(supProblems).toEqual([]);

  await lead.context.close();
  await sup.context.close();
});

test('callback mode and a broadcast reach the wallboard; thresholds are checked, by the page and by the server', async ({ browser }) => {
  test.setTimeout(180_000);
  // Every queue "needs" callback mode at once (longest wait >= 0 s), so the recommendation shows beside the switch.
  expect(await act('thresholds:set', { callbackEnter: { longestWaitSeconds: 0, forSeconds: 0 } })).toEqual({ ok: true });

  const sup = await signedIn(browser, SUPERVISOR, '/supervisor');
  const page = sup.page;
  const problems = problemsOf(page);
  const tvContext: BrowserContext = await browser.newContext({ viewport: TV });
  const tv = await tvContext.newPage();
  const tvProblems = problemsOf(tv);
  await tv.goto('/wallboard');
  await expect(tv.getByTestId('wallboard')).toBeVisible({ timeout: 15_000 });
  await expect(tv.getByTestId('callback-banner')).toHaveCount(0);

  const snap = await apiGet<Snapshot>(page, '/api/snapshot');
  const queue = snap.queues.find((q) => q.queueId === 'sales') ?? snap.queues[0]!;
  switchedQueues.add(queue.queueId);

  // Queues tab: the recommendation, then the switch.
  await page.getByTestId('tab-queues').click();
  await expect(page.getByTestId(`callback-advice-${queue.queueId}`)).toHaveAttribute('data-rule', 'callback_enter', { timeout: 15_000 });
  const sw = page.getByTestId(`callback-switch-queue-${queue.queueId}`);
  await expect(sw).toHaveAttribute('aria-checked', 'false');
  await sw.click();
  await expect(sw).toHaveAttribute('data-on', 'true', { timeout: 10_000 });
  await expect(sw).toHaveAttribute('aria-checked', 'true');
  // The floor's recommendation for that queue is over once it is in callback mode.
  await expect(page.getByTestId(`callback-advice-${queue.queueId}`)).toHaveCount(0, { timeout: 15_000 });
  await page.screenshot({ path: `${SHOTS}/supervisor-queues-callback-1366x768.png` });

  // The supervisor acknowledges a recommendation from the inbox, with a note.
  await page.getByTestId('tab-alerts').click();
  const open = page.getByTestId('alert-inbox').locator(`[data-rule="callback_enter"][data-state="active"]:not([data-subject="${queue.queueId}"])`).first();
  await expect(open).toBeVisible();
  const openId = (await open.getAttribute('data-testid'))!.slice('alert-row-'.length);
  await open.getByTestId('alert-ack-note').fill('e2e: two agents moved from billing');
  await open.getByTestId(`alert-ack-${openId}`).click();
  const acked = page.getByTestId(`alert-row-${openId}`);
  await expect(acked).toHaveAttribute('data-state', /acknowledged|cleared/, { timeout: 10_000 });
  await expect(acked).toContainText('Acknowledged by Supervisor One');
  await expect(acked).toContainText('e2e: two agents moved from billing');

  const banner = tv.getByTestId('callback-banner');
  await expect(banner).toBeVisible({ timeout: 10_000 });
  await expect(banner).toContainText('CALLBACK MODE ON');
  await expect(banner).toContainText(queue.name);
  await expect(banner).toContainText(/\d+ callbacks pending/);
  await expect(tv.getByTestId(`queue-callback-${queue.queueId}`)).toBeVisible();

  // Teams tab has a switch per team too.
  await page.getByTestId('tab-teams').click();
  await expect(page.getByTestId(`callback-switch-team-${LEAD.team}`)).toHaveAttribute('aria-checked', 'false');

  // Broadcast: long enough to scroll on the TV.
  const message =
    'System maintenance at 22:00 - use the paper form for refunds until 22:30. Team leads: please brief your agents before the evening peak, thank you!';
  await page.getByTestId('tab-broadcast').click();
  await expect(page.getByTestId('broadcast-none')).toBeVisible();
  await page.getByTestId('broadcast-text').fill(message);
  await expect(page.getByTestId('broadcast-audience').getByLabel(/Everyone/)).toBeChecked();
  await page.getByTestId('broadcast-minutes').fill('0');
  await page.getByTestId('broadcast-send').click();
  await expect(page.getByTestId('broadcast-message')).toContainText('from 1 to 1440');
  await page.getByTestId('broadcast-minutes').fill('15');
  await page.getByTestId('broadcast-send').click();
  await expect(page.getByTestId('broadcast-message')).toContainText('Sent');
  await expect(page.getByTestId('broadcast-current')).toContainText(message);

  const ticker = tv.getByTestId('broadcast-ticker');
  await expect(ticker).toContainText(message, { timeout: 10_000 });
  await expect(ticker).toHaveAttribute('data-scrolling', 'true');
  await expect(tv.getByTestId('floor-alerts')).toBeVisible();
  await expectTvFits(tv, TV);
  await tv.screenshot({ path: `${SHOTS}/wallboard-alerts-1920x1080.png` });
  // The board with the callback banner, the alert row and the ticker passes axe too (see a11y.spec.ts).
  const axe = await new AxeBuilder({ page: tv }).analyze();
  const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help} -> ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  await tv.setViewportSize(TV_4K);
  await expect(ticker).toBeVisible();
  await expectTvFits(tv, TV_4K);
  await tv.screenshot({ path: `${SHOTS}/wallboard-alerts-3840x2160.png` });
  await tv.setViewportSize(TV);

  // Thresholds: the page checks ranges itself; the server checks the whole and says why.
  await page.getByTestId('tab-thresholds').click();
  const editor = page.getByTestId('threshold-editor');
  await expect(editor.getByTestId('threshold-breakControl.cvLimit')).toHaveValue('0.16', { timeout: 10_000 });
  await expect(editor.getByTestId('threshold-breakControl.forSeconds')).toHaveValue('0');
  await editor.getByTestId('threshold-longBreak.minutes').fill('-3');
  await expect(editor.getByTestId('threshold-error-longBreak.minutes')).toContainText('more than 0');
  await editor.getByTestId('threshold-save').click();
  await expect(editor.getByTestId('threshold-message')).toContainText('Fix the fields marked in red first (1)');
  await editor.getByTestId('threshold-longBreak.minutes').fill('20');
  await editor.getByTestId('threshold-breakControl.clearBelow').fill('0.5');
  await editor.getByTestId('threshold-save').click();
  await expect(editor.getByTestId('threshold-message')).toContainText('The server refused: breakControl.clearBelow must not exceed cvLimit');
  await page.screenshot({ path: `${SHOTS}/supervisor-thresholds-error-1366x768.png` });
  await editor.getByTestId('threshold-breakControl.clearBelow').fill(String(before.breakControl!.clearBelow));
  await editor.getByTestId('threshold-save').click();
  await expect(editor.getByTestId('threshold-message')).toContainText('Saved (1 changed)');
  const after = await apiGet<{ thresholds: Thresholds }>(page, '/api/thresholds');
  expect(after.thresholds.longBreak!.minutes).toBe(20);
  expect(after.thresholds.breakControl!.clearBelow).toBe(before.breakControl!.clearBelow);
  await expect(editor.getByTestId('threshold-longBreak.minutes')).toHaveValue('20');

  // Duty log: a note, then the CSV for the handover has it.
  await page.getByTestId('tab-duty-log').click();
  const note = `e2e handover note ${Date.now()}`;
  await page.getByTestId('note-text').fill(note);
  await page.getByTestId('note-add').click();
  await expect(page.getByTestId('duty-log-table').locator('tr[data-kind="note"]', { hasText: note })).toBeVisible({ timeout: 10_000 });
  await expect(page.getByTestId('duty-log-table').locator('tr[data-kind="thresholds.changed"]').first()).toBeVisible();
  const csvLink = page.getByTestId('duty-log-csv');
  await expect(csvLink).toHaveAttribute('href', '/api/duty-log.csv');
  const csv = await page.request.get('/api/duty-log.csv');
  expect(csv.ok()).toBe(true);
  expect(csv.headers()['content-type']).toMatch(/text\/csv/);
  expect(await csv.text()).toContain(note);

  // Clear both: the wallboard drops the ticker and the banner.
  await page.getByTestId('tab-broadcast').click();
  await page.getByTestId('broadcast-clear').click();
  await expect(page.getByTestId('broadcast-none')).toBeVisible({ timeout: 10_000 });
  await expect(tv.getByTestId('broadcast-ticker')).toHaveCount(0, { timeout: 10_000 });
  await page.getByTestId('tab-queues').click();
  await sw.click();
  await expect(sw).toHaveAttribute('data-on', 'false', { timeout: 10_000 });
  switchedQueues.delete(queue.queueId);
  await expect(tv.getByTestId('callback-banner')).toHaveCount(0, { timeout: 10_000 });

  expect(problems).toEqual([]);
  expect(tvProblems).toEqual([]);
  await tvContext.close();
  await sup.context.close();
});
