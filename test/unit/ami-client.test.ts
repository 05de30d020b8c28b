import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { AcdEventInput } from '../../shared/events.js';
import { type AmiClient, startAmiClient } from '../../server/ingest/ami/client.js';
import { BANNER, acceptLogin, answerQueueStatus, crlf, fakeAsterisk, fixture, waitFor, type AmiFrame, type Server } from '../support/fake-asterisk.js';

const NOW = 1_700_000_000_000;

let servers: Server[] = [];
let clients: AmiClient[] = [];
afterEach(async () => {
  await Promise.all(clients.map((c) => c.stop()));
  for (const s of servers) s.close();
  servers = [];
  clients = [];
});

function start(port: number, extra: Partial<Parameters<typeof startAmiClient>[0]> = {}) {
  const received: AcdEventInput[][] = [];
  const client = startAmiClient({
    host: '127.0.0.1',
    port,
    username: 'floorwatch',
    secret: 's3cret',
    now: () => NOW,
    sink: async (events) => {
      received.push(events);
    },
    backoff: { initialMs: 10, maxMs: 40, factor: 2, jitter: 0.5 },
    random: () => 0.5,
    ...extra,
  });
  clients.push(client);
  return { client, received, events: () => received.flat() };
}

describe('AMI client against a fake Asterisk', () => {
  it('logs in with Events: on, resyncs with QueueStatus, maps the reply and later events', async () => {
    const fake = await fakeAsterisk(async (conn) => {
      conn.write(BANNER);
      await acceptLogin(conn);
      await answerQueueStatus(conn);
      conn.write('Event: QueueMemberPause\r\nPrivilege: agent,all\r\nQueue: xxxxxxxxxxxxxxxx-tous\r\nMemberName: Agent/220\r\nInterface: Local/id-9@agentcallback\r\nPaused: 1\r\nPausedReason: pause-dej\r\n\r\n');
    });
    servers.push(fake.server);
    const { client, events } = start(fake.port);
    await waitFor(() => events().some((e) => e.type === 'agent.state' && e.state === 'not_ready' && e.reason === 'pause-dej'));

    const st = client.status();
    expect(st.connected).toBe(true);
    expect(st.banner).toBe('Asterisk Call Manager/5.0.1');
    expect(st.lastEventAt).toBe(NOW);
    // 6 members x (login + state) from the recorded reply, then the pause.
    expect(events().filter((e) => e.type === 'agent.login')).toHaveLength(6);
    expect(events().filter((e) => e.type === 'agent.state').map((e) => (e.type === 'agent.state' ? e.state : ''))).toEqual([
      'idle',
      'idle',
      'idle',
      'idle',
      'idle',
      'not_ready',
      'not_ready',
    ]);
    expect(st.eventsTotal).toBe(13);
    expect(st.errors).toBe(0);
  });

  it('sends username, secret and Events: on in the Login action', async () => {
    let login: AmiFrame | undefined;
    const fake = await fakeAsterisk(async (conn) => {
      conn.write(BANNER);
      login = await acceptLogin(conn);
    });
    servers.push(fake.server);
    const { client } = start(fake.port);
    await waitFor(() => client.status().connected);
    expect(login!.get('Username')).toBe('floorwatch');
    expect(login!.get('Secret')).toBe('s3cret');
    expect(login!.get('Events')).toBe('on');
    // QueueStatus follows the login.
    await fake.conns[0]!.action('QueueStatus');
  });

  it('a disconnect in the middle of a message: the half message is dropped, the client reconnects and resyncs', async () => {
    const fake = await fakeAsterisk(async (conn, index) => {
      conn.write(BANNER);
      await acceptLogin(conn);
      if (index === 0) {
        await conn.action('QueueStatus');
        // Half of a pause event (no blank line), then the connection drops.
        conn.write('Event: QueueMemberPause\r\nQueue: sales\r\nInterface: PJSIP/201\r\nMemberName: Alice\r\nPaused: 1\r\nPausedReason: bre');
        setTimeout(() => conn.socket.destroy(), 30);
        return;
      }
      await answerQueueStatus(conn);
    });
    servers.push(fake.server);
    const { client, events } = start(fake.port);
    await waitFor(() => events().length >= 12);
    expect(fake.conns).toHaveLength(2);
    expect(events().some((e) => e.type === 'agent.state' && e.reason?.startsWith('bre'))).toBe(false);
    expect(events().some((e) => e.type === 'agent.login' && e.agentId === 'PJSIP/201')).toBe(false);
    expect(client.status().reconnects).toBe(1);
    expect(client.status().connected).toBe(true);
  });

  it('a failed login (recorded reply) is counted and retried with backoff, not a crash', async () => {
    const failed = crlf(fixture('panoramisk/login_failed.yaml')).split('\r\n').slice(7).join('\r\n'); // the server's half
    const fake = await fakeAsterisk(async (conn, index) => {
      conn.write(BANNER);
      if (index < 2) {
        const login = await conn.action('Login');
        conn.write(failed.replace('action/transaction_uid/1/1', login.get('ActionID')!));
        return;
      }
      await acceptLogin(conn);
      await answerQueueStatus(conn);
    });
    servers.push(fake.server);
    const { client, events } = start(fake.port);
    await waitFor(() => events().length === 12);
    const st = client.status();
    expect(fake.conns).toHaveLength(3);
    expect(st.errors).toBe(2);
    expect(st.lastError).toContain('Authentication failed');
    expect(st.reconnects).toBe(2);
    expect(st.connected).toBe(true);
  });

  it('backs off exponentially with jitter, capped, while nothing listens', async () => {
    const fake = await fakeAsterisk(() => undefined);
    const port = fake.port;
    await new Promise<void>((resolve) => fake.server.close(() => resolve()));
    const delays: number[] = [];
    const { client } = start(port, {
      backoff: { initialMs: 5, maxMs: 40, factor: 2, jitter: 0.5 },
      random: () => 0, // lowest jitter: delay = base * 0.5
      log: { info: (o: object) => void ('delayMs' in o && delays.push((o as { delayMs: number }).delayMs)), warn() {}, error() {} },
    });
    await waitFor(() => delays.length >= 6);
    await client.stop();
    expect(delays.slice(0, 6)).toEqual([3, 5, 10, 20, 20, 20]);
    expect(client.status().errors).toBeGreaterThanOrEqual(6);
    expect(client.status().connected).toBe(false);
  });

  it('keep-alive: Ping every interval; a server that stops answering is dropped and reconnected', async () => {
    const fake = await fakeAsterisk(async (conn, index) => {
      conn.write(BANNER);
      await acceptLogin(conn);
      if (index === 0) {
        const ping = await conn.action('Ping');
        conn.write(`Response: Success\r\nActionID: ${ping.get('ActionID')}\r\nPing: Pong\r\nTimestamp: 1409169929.412068\r\n\r\n`);
        await conn.action('Ping'); // not answered
      }
    });
    servers.push(fake.server);
    const { client } = start(fake.port, { pingIntervalMs: 60 });
    await waitFor(() => fake.conns.length === 2 && client.status().connected);
    expect(client.status().lastError).toContain('Ping');
    expect(client.status().reconnects).toBe(1);
  });

  it('MD5 login: asks for a challenge and sends md5(challenge + secret), never the secret', async () => {
    let login: AmiFrame | undefined;
    const fake = await fakeAsterisk(async (conn) => {
      conn.write(BANNER);
      const ch = await conn.action('Challenge');
      expect(ch.get('AuthType')).toBe('MD5');
      conn.write(`Response: Success\r\nActionID: ${ch.get('ActionID')}\r\nChallenge: 840415273\r\n\r\n`);
      login = await acceptLogin(conn);
    });
    servers.push(fake.server);
    const { client } = start(fake.port, { md5: true });
    await waitFor(() => client.status().connected);
    expect(login!.get('AuthType')).toBe('MD5');
    expect(login!.get('Key')).toBe(createHash('md5').update('840415273s3cret').digest('hex'));
    expect(login!.get('Secret')).toBeUndefined();
  });

  it('stop() logs off, closes and does not reconnect; events read before are delivered', async () => {
    const fake = await fakeAsterisk(async (conn) => {
      conn.write(BANNER);
      await acceptLogin(conn);
      await answerQueueStatus(conn);
    });
    servers.push(fake.server);
    const { client, events } = start(fake.port);
    await waitFor(() => events().length === 12);
    await client.stop();
    await waitFor(() => fake.conns[0]!.closed);
    expect(fake.conns[0]!.sent('Logoff')).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(fake.conns).toHaveLength(1);
    expect(client.status().connected).toBe(false);
  });

  it('a failing sink is retried, then the batch is dropped and counted; the connection stays up', async () => {
    const fake = await fakeAsterisk(async (conn) => {
      conn.write(BANNER);
      await acceptLogin(conn);
      await conn.action('QueueStatus');
      conn.write('Event: QueueMemberAdded\r\nQueue: sales\r\nMemberName: Alice\r\nInterface: PJSIP/201\r\nStatus: 1\r\nPaused: 0\r\n\r\n');
    });
    servers.push(fake.server);
    let calls = 0;
    const client = startAmiClient({
      host: '127.0.0.1',
      port: fake.port,
      username: 'u',
      secret: 's',
      now: () => NOW,
      sink: async () => {
        calls++;
        throw new Error('redis down');
      },
      retryDelaysMs: [5, 5],
    });
    clients.push(client);
    await waitFor(() => calls === 3);
    await waitFor(() => client.status().errors === 3);
    expect(client.status().lastError).toContain('dropped');
    expect(client.status().connected).toBe(true);
  });
});
