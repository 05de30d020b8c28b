// A fake Asterisk for tests: a real TCP server on 127.0.0.1 that answers like AMI from scripts and recordings.
import { readFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { AmiFramer, type AmiFrame } from '../../server/ingest/ami/framer.js';

export const fixture = (name: string): string => readFileSync(fileURLToPath(new URL(`../fixtures/asterisk/${name}`, import.meta.url)), 'utf8');

export const crlf = (text: string): string => text.replace(/\r?\n/g, '\r\n');

/** One accepted connection of the fake Asterisk: what the client sent, and a way to answer. */
export class Conn {
  private framer = new AmiFramer({ expectBanner: false });
  private frames: AmiFrame[] = [];
  private waiters: Array<() => void> = [];
  closed = false;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk) => {
      this.frames.push(...this.framer.push(chunk));
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('error', () => undefined);
  }

  /** The next action the client sent (waits for it). */
  async action(name?: string, timeoutMs = 3000): Promise<AmiFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.frames.findIndex((f) => name === undefined || f.get('Action')?.toLowerCase() === name.toLowerCase());
      if (i >= 0) return this.frames.splice(i, 1)[0]!;
      if (this.closed) throw new Error(`connection closed before action ${name}`);
      if (Date.now() > deadline) throw new Error(`no action ${name} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  sent(name: string): AmiFrame[] {
    return this.frames.filter((f) => f.get('Action')?.toLowerCase() === name.toLowerCase());
  }

  write(text: string): void {
    this.socket.write(text);
  }
}

/** A fake AMI server on 127.0.0.1: each connection runs `script(conn, index)`. */
export async function fakeAsterisk(script: (conn: Conn, index: number) => Promise<void> | void): Promise<{ port: number; server: Server; conns: Conn[] }> {
  const conns: Conn[] = [];
  const server = createServer((socket) => {
    const conn = new Conn(socket);
    const index = conns.push(conn) - 1;
    Promise.resolve(script(conn, index)).catch(() => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server, conns };
}

export async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const BANNER = 'Asterisk Call Manager/5.0.1\r\n';

/** Answers Login (success) and returns the login frame. */
export async function acceptLogin(conn: Conn): Promise<AmiFrame> {
  const login = await conn.action('Login');
  conn.write(`Response: Success\r\nActionID: ${login.get('ActionID')}\r\nMessage: Authentication accepted\r\n\r\n`);
  return login;
}

/** Answers QueueStatus with the recorded panoramisk reply (its ActionID replaced by the client's). */
export async function answerQueueStatus(conn: Conn): Promise<void> {
  const qs = await conn.action('QueueStatus');
  conn.write(crlf(fixture('panoramisk/queue_status.yaml')).replaceAll('action/transaction_uid/1/1', qs.get('ActionID')!));
}

export type { AmiFrame, Server };
