// Automated accessibility check (axe-core) of the three screens, in real Chromium against the product started by
// playwright.config.ts (npm start, built-in simulator): the TV wallboard at 1920x1080 (each page), the supervisor
// console at 1366x768 (each tab) and the team-lead view at 1366x768 and on a 390x844 phone. Fails on any violation of
// impact "serious" or "critical", listing the rule, the help text and the elements. No rule is switched off.
//
// Needs the e2e users described at the top of test/e2e/screens.spec.ts. Signs in twice (sign-in failures are rate
// limited per address; successful sign-ins are not).
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';

const SUPERVISOR = { username: 'sup1', password: 'pass-sup-1' };
const LEAD = { username: 'lead-delta', password: 'pass-lead-1', team: 'team-delta' };
const TV = { width: 1920, height: 1080 };
const LAPTOP = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };
const TABS = ['alerts', 'queues', 'teams', 'agents', 'duty-log', 'broadcast', 'thresholds', 'sources'] as const;

/** The serious and critical violations on the page as it is now, one readable line per element. */
async function seriousViolations(page: Page, label: string): Promise<string[]> {
  // Let transitions and fades end, so colours are measured as they settle.
  await page.waitForTimeout(700);
  const results = await new AxeBuilder({ page }).analyze();
  const out: string[] = [];
  for (const v of results.violations) {
    if (v.impact !== 'serious' && v.impact !== 'critical') continue;
    for (const n of v.nodes) out.push(`[${label}] ${v.id} (${v.impact}): ${v.help} -> ${n.target.join(' ')} | ${n.failureSummary?.replace(/\s+/g, ' ').slice(0, 240)}`);
  }
  return out;
}

async function signIn(page: Page, user: { username: string; password: string }, path: string): Promise<void> {
  await page.goto(`/login?next=${encodeURIComponent(path)}`);
  await page.getByTestId('login-username').fill(user.username);
  await page.getByTestId('login-password').fill(user.password);
  await page.getByTestId('login-submit').click();
  await page.waitForURL((u) => u.pathname === path, { timeout: 15_000 });
}

test.describe('accessibility (axe-core): no serious or critical violations', () => {
  test('TV wallboard, 1920x1080, every page, English and Chinese', async ({ page }) => {
    test.setTimeout(90_000);
    await page.setViewportSize(TV);
    const found: string[] = [];
    for (const [name, lang] of [
      ['overview', 'en'],
      ['teams', 'en'],
      ['queues', 'en'],
      ['overview', 'zh-CN'],
    ] as const) {
      await page.goto(`/wallboard?rotate=600&pages=${name},overview,teams,queues&lang=${lang}`);
      await expect(page.getByTestId('wallboard-page')).toHaveAttribute('data-page', name, { timeout: 15_000 });
      found.push(...(await seriousViolations(page, `wallboard ${name} ${lang}`)));
    }
    expect(found, found.join('\n')).toEqual([]);
  });

  test('supervisor console, 1366x768, every tab', async ({ page }) => {
    test.setTimeout(120_000);
    await page.setViewportSize(LAPTOP);
    await signIn(page, SUPERVISOR, '/supervisor');
    await expect(page.getByTestId('kpi-agents')).toBeVisible({ timeout: 15_000 });
    const found: string[] = [];
    for (const tab of TABS) {
      await page.getByTestId(`tab-${tab}`).click();
      await expect(page.getByTestId(`tab-${tab}`)).toHaveAttribute('aria-selected', 'true');
      await expect(page.getByTestId(`panel-${tab}`)).toBeVisible();
      found.push(...(await seriousViolations(page, `supervisor ${tab}`)));
    }
    expect(found, found.join('\n')).toEqual([]);
  });

  test('team-lead view, 1366x768 and 390x844', async ({ page }) => {
    test.setTimeout(90_000);
    await page.setViewportSize(LAPTOP);
    await signIn(page, LEAD, '/lead');
    await expect(page.getByTestId(`lead-team-${LEAD.team}`)).toBeVisible({ timeout: 15_000 });
    const found = await seriousViolations(page, 'lead 1366x768');
    await page.setViewportSize(PHONE);
    await expect(page.getByTestId(`lead-team-${LEAD.team}`)).toBeVisible();
    found.push(...(await seriousViolations(page, 'lead 390x844')));
    expect(found, found.join('\n')).toEqual([]);
  });

  test('sign-in page, 1366x768 and 390x844', async ({ page }) => {
    await page.setViewportSize(LAPTOP);
    await page.goto('/login');
    await expect(page.getByTestId('login-form')).toBeVisible();
    const found = await seriousViolations(page, 'login 1366x768');
    await page.setViewportSize(PHONE);
    found.push(...(await seriousViolations(page, 'login 390x844')));
    expect(found, found.join('\n')).toEqual([]);
  });
});
