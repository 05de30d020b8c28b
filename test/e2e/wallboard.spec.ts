// The product started as the README says (npm start, built-in simulator), seen in real Chromium.
import { expect, test } from '@playwright/test';
import type { Snapshot } from '../../shared/snapshot.js';

test.use({ viewport: { width: 1920, height: 1080 } });

test('the wallboard shows the live snapshot and its numbers change', async ({ page, request }) => {
  await page.goto('/wallboard');
  await expect(page.getByTestId('wallboard')).toBeVisible();
  await expect(page.getByTestId('connecting')).toHaveCount(0, { timeout: 15_000 });

  // The board agrees with the API's snapshot: logged-in agents and teams.
  const snap = (await (await request.get('/api/snapshot')).json()) as Snapshot;
  expect(snap.floor.loggedIn).toBeGreaterThan(30);
  await expect(page.getByTestId('kpi-agents')).toContainText(`${snap.floor.loggedIn}`);
  for (const team of snap.teams) await expect(page.getByTestId(`team-row-${team.teamId}`)).toBeVisible();
  // The demo has a team whose breaks are out of control, and the chart says so in words, not only colour.
  const outOfControl = snap.teams.filter((t) => t.windows['60m'].inControl === false);
  expect(outOfControl.length).toBeGreaterThan(0);
  for (const t of outOfControl) {
    await expect(page.getByTestId(`team-row-${t.teamId}`)).toHaveAttribute('data-in-control', 'false');
    await expect(page.getByTestId(`team-cv-${t.teamId}`)).toContainText(/OUT OF CONTROL/);
  }

  // Live: the agents tile and the clock change as the simulator feeds events.
  const before = await page.getByTestId('kpi-agents').innerText();
  const clockBefore = await page.getByTestId('clock').innerText();
  await expect.poll(async () => page.getByTestId('kpi-agents').innerText(), { timeout: 30_000 }).not.toBe(before);
  expect(await page.getByTestId('clock').innerText()).not.toBe(clockBefore);
  await page.screenshot({ path: 'test-results/screenshots/wallboard-1920x1080.png' });
});

test('the wallboard fills a 1920x1080 screen with no scrollbars and large figures', async ({ page }) => {
  await page.goto('/wallboard');
  await expect(page.getByTestId('kpi-waiting-value')).toBeVisible({ timeout: 15_000 });
  const size = await page.evaluate(() => ({
    scrollW: document.documentElement.scrollWidth,
    scrollH: document.documentElement.scrollHeight,
  }));
  expect(size.scrollW).toBeLessThanOrEqual(1920);
  expect(size.scrollH).toBeLessThanOrEqual(1080);
  // Main figures at least 6% of the screen height (readable from 5 m).
  const box = await page.getByTestId('kpi-waiting-value').boundingBox();
  expect(box!.height).toBeGreaterThanOrEqual(0.06 * 1080);
});

test('zh-CN shows Chinese labels', async ({ page }) => {
  await page.goto('/wallboard?lang=zh-CN');
  await expect(page.getByTestId('kpi-waiting')).toContainText('排队等待', { timeout: 15_000 });
  await expect(page.getByTestId('kpi-service-level')).toContainText('服务水平');
  await page.screenshot({ path: 'test-results/screenshots/wallboard-zh-CN.png' });
});
