// Who may see and do what, over HTTP and socket.io, against the real server and Redis.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import type { Snapshot } from '../../shared/snapshot.js';
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/socket.js';
import { addUser, createToken, revokeToken } from '../../server/auth/manage.js';
import { TEST_TOKENS, bearer, startTestFloorwatch, type TestFloorwatch } from '../support/floorwatch.js';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
let fw: TestFloorwatch;
let tokens: { display: string; ingest: string };
const sockets: Client[] = [];

const now = Date.now();
const floor = [
  ...['A1', 'A2'].map((agentId) => ({ id: `l-${agentId}`, ts: now, type: 'agent.login', agentId, teamId: 'team-a', name: `Agent ${agentId}` })),
  ...['B1', 'B2'].map((agentId) => ({ id: `l-${agentId}`, ts: now, type: 'agent.login', agentId, teamId: 'team-b', name: `Agent ${agentId}` })),
  { id: 'br-B1', ts: now, type: 'agent.state', agentId: 'B1', state: 'not_ready', reason: 'break' },
  { id: 'br-A1', ts: now, type: 'agent.state', agentId: 'A1', state: 'not_ready', reason: 'break' },
];

beforeEach(async () => {
  fw = await startTestFloorwatch({ auth: { signInAttempts: 3 } });
  await addUser(fw.usersFile, { username: 'sup', password: 'supervisor-pass', roles: ['supervisor'] });
  await addUser(fw.usersFile, { username: 'lead-a', password: 'lead-a-pass!', roles: ['lead'], teams: ['team-a'] });
  tokens = {
    display: createToken(fw.usersFile, { name: 'TV', role: 'display' }).secret,
    ingest: createToken(fw.usersFile, { name: 'connector', role: 'ingest' }).secret,
  };
  expect((await fw.post(floor)).body.accepted).toBe(floor.length);
});
afterEach(async () => {
  sockets.splice(0).forEach((s) => s.close());
  await fw.close();
});

async function signIn(username: string, password: string): Promise<{ status: number; cookie: string }> {
  const res = await fetch(`${fw.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  return { status: res.status, cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]! };
}
const get = (path: string, headers: Record<string, string> = {}) => fetch(`${fw.url}${path}`, { headers, redirect: 'manual' });

function connect(opts: { token?: string; cookie?: string }): Client {
  const s = io(fw.url, { transports: ['websocket'], auth: opts.token ? { token: opts.token } : {}, extraHeaders: opts.cookie ? { cookie: opts.cookie } : {}, reconnection: false }) as Client;
  sockets.push(s);
  return s;
}
const firstSnapshot = (s: Client) =>
  new Promise<Snapshot>((resolve, reject) => {
    s.once('snapshot', resolve);
    s.once('connect_error', (e) => reject(e));
  });

describe('HTTP: every endpoint with no credentials, the wrong role and the right role', () => {
  it('POST /api/events: 401 / 403 (supervisor, display) / 200 (ingest token from the users file)', async () => {
    const ev = JSON.stringify([{ id: 'x1', ts: now, type: 'call.queued', callId: 'c', queueId: 'q' }]);
    expect((await fw.post(ev, {})).status).toBe(401);
    expect((await fw.post(ev, bearer(TEST_TOKENS.supervisor))).status).toBe(403);
    expect((await fw.post(ev, bearer(tokens.display))).status).toBe(403);
    expect((await fw.post(ev, bearer(tokens.ingest))).status).toBe(200);
  });

  it('GET /api/snapshot: 401 / 403 (ingest) / 200 cut per role', async () => {
    expect((await get('/api/snapshot')).status).toBe(401);
    expect((await get('/api/snapshot', bearer(tokens.ingest))).status).toBe(403);
    const full = (await (await get('/api/snapshot', bearer(TEST_TOKENS.supervisor))).json()) as Snapshot;
    expect(full.agents.map((a) => a.agentId).sort()).toEqual(['A1', 'A2', 'B1', 'B2']);
    const board = (await (await get('/api/snapshot', bearer(tokens.display))).json()) as Snapshot;
    expect(board.agents).toEqual([]);
    expect(board.floor.loggedIn).toBe(4);
    const { cookie } = await signIn('lead-a', 'lead-a-pass!');
    const lead = (await (await get('/api/snapshot', { cookie })).json()) as Snapshot;
    expect(lead.agents.map((a) => a.agentId).sort()).toEqual(['A1', 'A2']);
    const teamB = lead.teams.find((t) => t.teamId === 'team-b')!;
    expect(teamB.onBreak).toBe(1); // team totals stay
    expect(teamB.onBreakAgents).toEqual([]); // but not who
    expect(lead.teams.find((t) => t.teamId === 'team-a')!.onBreakAgents.map((a) => a.agentId)).toEqual(['A1']);
  });

  it('GET /api/duty-log: 401 / 403 (lead) / 200 (supervisor), and it records sign-ins, failures and denials', async () => {
    expect((await get('/api/duty-log')).status).toBe(401);
    const { cookie } = await signIn('lead-a', 'lead-a-pass!');
    expect((await get('/api/duty-log', { cookie })).status).toBe(403);
    await signIn('sup', 'wrong password');
    const log = (await (await get('/api/duty-log', bearer(TEST_TOKENS.supervisor))).json()) as { entries: { kind: string; actor: string }[] };
    const kinds = log.entries.map((e) => `${e.kind} ${e.actor}`);
    expect(kinds).toContain('auth.signin lead-a');
    expect(kinds).toContain('auth.signin.failed sup');
    expect(kinds).toContain('auth.denied user:lead-a');
  });

  it('supervisor-only reads (thresholds, dead letters, duty-log CSV): 401 / 403 (lead, display) / 200', async () => {
    const { cookie } = await signIn('lead-a', 'lead-a-pass!');
    for (const path of ['/api/thresholds', '/api/dead-letters', '/api/duty-log.csv']) {
      expect((await get(path)).status, path).toBe(401);
      expect((await get(path, { cookie })).status, path).toBe(403);
      expect((await get(path, bearer(tokens.display))).status, path).toBe(403);
      expect((await get(path, bearer(TEST_TOKENS.supervisor))).status, path).toBe(200);
    }
  });

  it('GET /api/health: details only for a supervisor', async () => {
    expect(await (await get('/api/health')).json()).toEqual({ ok: true });
    const detailed = (await (await get('/api/health', bearer(TEST_TOKENS.supervisor))).json()) as { sources?: unknown };
    expect(detailed.sources).toBeDefined();
  });

  it('pages: sign-in redirect, 403 for a role that may not open them, 200 for one that may', async () => {
    const anonymous = await get('/supervisor');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/login?next=%2Fsupervisor');
    const { cookie } = await signIn('lead-a', 'lead-a-pass!');
    expect((await get('/supervisor', { cookie })).status).toBe(403);
    expect((await get('/lead', { cookie })).status).toBe(200);
    expect((await get('/wallboard', bearer(tokens.display))).status).toBe(200);
    expect((await get('/lead', bearer(tokens.display))).status).toBe(403);
  });

  it('exchanges a display token in the kiosk URL for a cookie and drops it from the address', async () => {
    const res = await get(`/wallboard?token=${tokens.display}`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/wallboard');
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    expect(res.headers.get('set-cookie')).toMatch(/SameSite=Strict/i);
    expect((await get('/wallboard', { cookie })).status).toBe(200);
    expect((await get('/wallboard?token=not-a-token')).status).toBe(403);
  });

  it('answers errors as JSON without details, and sends a strict Content-Security-Policy', async () => {
    const res = await get('/api/nothing-here', bearer(TEST_TOKENS.supervisor));
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'not_found' });
    const csp = (await get('/api/health')).headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect((await get('/api/health')).headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('sign-in', () => {
  it('slows brute force: after 3 failures the user name is blocked even with the right password', async () => {
    for (let i = 0; i < 3; i++) expect((await signIn('sup', `guess-${i}`)).status).toBe(401);
    const blocked = await fetch(`${fw.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'sup', password: 'supervisor-pass' }) });
    expect(blocked.status).toBe(429);
    // Retry-After is the rest of the 15-minute window, not a token second.
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(800);
  });

  it('counts only failed attempts: many good sign-ins are never blocked', async () => {
    for (let i = 0; i < 6; i++) expect((await signIn('lead-a', 'lead-a-pass!')).status).toBe(200);
  });

  it('a first-run link works once', async () => {
    const { AuthStore } = await import('../../server/store/auth-store.js');
    const { newRedis } = await import('../support/redis.js');
    const r = newRedis();
    const code = await new AuthStore(r, fw.store.keys).createFirstRunCode();
    await r.quit();
    const ok = await get(`/login?first=${code}`);
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/supervisor');
    const cookie = (ok.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect((await get('/api/duty-log', { cookie })).status).toBe(200);
    expect((await get(`/login?first=${code}`)).status).toBe(403);
  });
});

describe('socket.io', () => {
  it('refuses a connection without credentials', async () => {
    await expect(firstSnapshot(connect({}))).rejects.toThrow(/unauthorized/);
  });

  it("never gives a lead of team A team B's agent data, whatever the client asks", async () => {
    const { cookie } = await signIn('lead-a', 'lead-a-pass!');
    const s = connect({ cookie });
    const snap = await firstSnapshot(s);
    const leaked = (x: Snapshot) => JSON.stringify(x).includes('Agent B') || x.agents.some((a) => a.teamId !== 'team-a');
    expect(leaked(snap)).toBe(false);
    // Asking again, or for rooms by name, changes nothing: rooms are joined by the server.
    const again = await new Promise<Snapshot>((resolve) => s.emit('snapshot:get', resolve));
    expect(leaked(again)).toBe(false);
    (s as unknown as Socket).emit('join', 'view:full');
    await fw.post([{ id: 'later', ts: Date.now(), type: 'agent.state', agentId: 'B2', state: 'talking' }]);
    const pushed = await new Promise<Snapshot>((resolve) => s.on('snapshot', (x) => x.floor.byState.talking === 1 && resolve(x)));
    expect(leaked(pushed)).toBe(false);
  });

  it('drops a live connection when its token is revoked', async () => {
    const s = connect({ token: tokens.display });
    await firstSnapshot(s);
    const id = (await import('../../server/auth/accounts.js')).readAccounts(fw.usersFile).tokens.find((t) => t.role === 'display')!.id;
    const disconnected = new Promise((resolve) => s.once('disconnect', resolve));
    revokeToken(fw.usersFile, id);
    await disconnected;
    expect(s.connected).toBe(false);
  }, 15_000);

  it('drops a live connection when its token expires', async () => {
    const { secret } = createToken(fw.usersFile, { name: 'short-lived TV', role: 'display', days: 2 / 86_400 }); // 2 s
    const s = connect({ token: secret });
    await firstSnapshot(s);
    await new Promise((resolve) => s.once('disconnect', resolve));
    expect(s.connected).toBe(false);
    expect((await get('/api/snapshot', bearer(secret))).status).toBe(401);
  }, 15_000);

  it('refuses a connection from another site (cross-site WebSocket hijacking)', async () => {
    const s = io(fw.url, { transports: ['websocket'], auth: { token: TEST_TOKENS.supervisor }, extraHeaders: { origin: 'https://evil.example' }, reconnection: false }) as Client;
    sockets.push(s);
    await expect(firstSnapshot(s)).rejects.toBeTruthy();
  });
});

describe('the demo (built-in simulator on)', () => {
  it('opens the wallboard and its board snapshot to anyone, and sends them to sign in for the other pages', async () => {
    const demo = await startTestFloorwatch({ simulator: { historyMinutes: 5 } }, { FLOORWATCH_SIMULATOR: 'on' });
    try {
      expect((await fetch(`${demo.url}/wallboard`)).status).toBe(200);
      const sup = await fetch(`${demo.url}/supervisor`, { redirect: 'manual' });
      expect(sup.status).toBe(303);
      expect(sup.headers.get('location')).toBe('/login?next=%2Fsupervisor');
      expect(await (await fetch(`${demo.url}/api/auth/me`)).json()).toMatchObject({ id: 'demo', demo: true });
      const board = (await (await fetch(`${demo.url}/api/snapshot`)).json()) as Snapshot;
      expect(board.agents).toEqual([]);
      expect(board.floor.loggedIn).toBeGreaterThan(30);
      expect((await demo.post([{ id: 'x', ts: Date.now(), type: 'call.queued', callId: 'c', queueId: 'q' }], {})).status).toBe(401);
    } finally {
      await demo.close();
    }
  });
});
