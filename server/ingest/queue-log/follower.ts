// Reads Asterisk's queue_log: `replayFile` for a historical file, `followQueueLog` for the live one (like `tail -F`:
// polls, notices rotation by inode change or truncation, finishes the old file and continues at the new file's start).
import { createReadStream } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { AcdEventInput } from '../../../shared/events.js';
import { type AsteriskMappingConfig, DEFAULT_RETRY_DELAYS_MS, deliver, type EventSink, type Logger, silentLogger } from '../ami/common.js';
import { mapQueueLogRecord, newQueueLogMapperState, type QueueLogMapperState } from './mapper.js';
import { newCounts, parseAndCount, type QueueLogCounts } from './parser.js';

export type { EventSink, Logger };

/** Turns lines into event batches: parse, count, map. One per log being read. */
export class QueueLogReader {
  readonly counts: QueueLogCounts = newCounts();
  readonly state: QueueLogMapperState = newQueueLogMapperState();
  eventsTotal = 0;

  constructor(private readonly config: AsteriskMappingConfig = {}) {}

  line(text: string): AcdEventInput[] {
    const rec = parseAndCount(text, this.counts);
    if (!rec) return [];
    const events = mapQueueLogRecord(rec, { config: this.config, state: this.state });
    this.eventsTotal += events.length;
    return events;
  }

  private decoder = new StringDecoder('utf8');
  private partial = '';
  private dropping = false;

  /** Feeds raw bytes (or text) in any split; returns the events of the lines completed. Holds at most 64 KiB. */
  chunk(data: Buffer | string): AcdEventInput[] {
    const text = typeof data === 'string' ? data : this.decoder.write(data);
    const events: AcdEventInput[] = [];
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl === -1) break;
      const line = this.partial + text.slice(start, nl);
      this.partial = '';
      start = nl + 1;
      if (this.dropping) this.dropping = false;
      else events.push(...this.line(line));
    }
    if (this.dropping) return events;
    this.partial += text.slice(start);
    if (this.partial.length > MAX_PARTIAL) {
      // A line without end: drop it (bounded memory) and skip to the next newline.
      this.counts.lines++;
      this.counts.malformed++;
      this.counts.lastMalformed.push({ reason: `line longer than ${MAX_PARTIAL} characters`, line: this.partial.slice(0, 200) });
      if (this.counts.lastMalformed.length > 10) this.counts.lastMalformed.shift();
      this.partial = '';
      this.dropping = true;
    }
    return events;
  }

  /** End of a file: its last line may lack the newline. Also resets the byte decoder for the next file. */
  end(): AcdEventInput[] {
    const rest = this.partial + this.decoder.end();
    const dropped = this.dropping;
    this.restart();
    return rest !== '' && !dropped ? this.line(rest) : [];
  }

  /** Forgets a partial line (the file was truncated or replaced). */
  restart(): void {
    this.decoder = new StringDecoder('utf8');
    this.partial = '';
    this.dropping = false;
  }

  /** Characters held for an unfinished line. */
  get bufferedChars(): number {
    return this.partial.length;
  }
}

const MAX_PARTIAL = 64 * 1024;

export interface ReplayOptions {
  config?: AsteriskMappingConfig;
  /** Events per sink call. @default 500 */
  batchSize?: number;
}

/** Reads a whole queue_log file (from its start) into the sink, in batches, and resolves with the counts. */
export async function replayFile(path: string, sink: EventSink, opts: ReplayOptions = {}): Promise<QueueLogCounts & { events: number }> {
  const reader = new QueueLogReader(opts.config);
  const batchSize = opts.batchSize ?? 500;
  let batch: AcdEventInput[] = [];
  for await (const chunk of createReadStream(path)) {
    batch.push(...reader.chunk(chunk as Buffer));
    while (batch.length >= batchSize) await sink(batch.splice(0, batchSize));
  }
  batch.push(...reader.end());
  while (batch.length) await sink(batch.splice(0, batchSize));
  return { ...reader.counts, events: reader.eventsTotal };
}

export interface FollowOptions {
  path: string;
  sink: EventSink;
  config?: AsteriskMappingConfig;
  /** Start at the end of the current file (only new lines) or at its start. @default 'end' */
  from?: 'end' | 'start';
  /** How often the file is checked. @default 500 */
  pollMs?: number;
  /** Most bytes read per check; the rest is read on the next check without waiting. @default 1 MiB */
  readBytes?: number;
  /** Events per sink call. @default 500 */
  batchSize?: number;
  log?: Logger;
  /** Clock for `status().lastEventAt`. @default Date.now */
  now?: () => number;
  /** Waits before retrying a failed sink call; the batch is dropped after the last. @default [250, 1000, 4000] */
  retryDelaysMs?: number[];
}

export interface FollowStatus {
  path: string;
  /** The file is open (it may not exist yet). */
  open: boolean;
  offset: number;
  rotations: number;
  lastEventAt: number | null;
  eventsTotal: number;
  errors: number;
  counts: QueueLogCounts;
}

export interface QueueLogFollower {
  stop(): Promise<void>;
  status(): FollowStatus;
  /** Checks the file now instead of waiting for the next poll (tests, or an fs.watch hint). */
  poll(): Promise<void>;
}

export function followQueueLog(opts: FollowOptions): QueueLogFollower {
  const log = opts.log ?? silentLogger;
  const now = opts.now ?? Date.now;
  const pollMs = opts.pollMs ?? 500;
  const readBytes = opts.readBytes ?? 1024 * 1024;
  const batchSize = opts.batchSize ?? 500;
  const reader = new QueueLogReader(opts.config);
  let fh: FileHandle | undefined;
  let ino: number | undefined;
  let offset = 0;
  let first = true;
  let rotations = 0;
  let errors = 0;
  let lastEventAt: number | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let missingLogged = false;

  const emit = async (events: AcdEventInput[]): Promise<void> => {
    for (let i = 0; i < events.length; i += batchSize) {
      const batch = events.slice(i, i + batchSize);
      const ok = await deliver(opts.sink, batch, opts.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS, (err, attempt, givingUp) => {
        errors++;
        log.error({ err, path: opts.path, events: batch.length, attempt }, givingUp ? 'queue_log: the sink failed; batch dropped' : 'queue_log: the sink failed; retrying');
      }, () => !stopped);
      if (ok) lastEventAt = now();
    }
  };

  /** Reads from the open file up to its current size. Returns true when it stopped at `readBytes`. */
  const drain = async (final: boolean): Promise<boolean> => {
    if (!fh) return false;
    const size = (await fh.stat()).size;
    if (size < offset) {
      // Truncated in place (copytruncate): start again at the beginning.
      log.info({ path: opts.path, size, offset }, 'queue_log: file truncated, reading from its start');
      rotations++;
      offset = 0;
      reader.restart();
    }
    let budget = readBytes;
    const buf = Buffer.allocUnsafe(Math.min(64 * 1024, readBytes));
    while (offset < size && budget > 0) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - offset, budget), offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
      budget -= bytesRead;
      const events = reader.chunk(buf.subarray(0, bytesRead));
      if (events.length) await emit(events);
    }
    if (final && offset >= size) {
      const events = reader.end();
      if (events.length) await emit(events);
    }
    return offset < size;
  };

  const closeFile = async (): Promise<void> => {
    const h = fh;
    fh = undefined;
    ino = undefined;
    await h?.close().catch(() => undefined);
  };

  const check = async (): Promise<boolean> => {
    let st;
    try {
      st = await stat(opts.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // Gone (between rotate and create): finish the old file, wait for the new one.
      if (fh) {
        await drain(true);
        await closeFile();
        rotations++;
      }
      if (!missingLogged) log.warn({ path: opts.path }, 'queue_log: file does not exist (yet); waiting for it');
      missingLogged = true;
      first = false;
      return false;
    }
    missingLogged = false;
    if (fh && st.ino !== ino) {
      // Rotated: read what was still written to the old file, then switch to the new one from its start.
      await drain(true);
      await closeFile();
      rotations++;
      log.info({ path: opts.path }, 'queue_log: file rotated, following the new one');
    }
    if (!fh) {
      fh = await open(opts.path, 'r');
      const opened = await fh.stat();
      ino = opened.ino;
      offset = first && (opts.from ?? 'end') === 'end' ? opened.size : 0;
      reader.restart();
    }
    first = false;
    return drain(false);
  };

  const poll = (): Promise<void> => {
    running = running.then(async () => {
      if (stopped) return;
      try {
        while ((await check()) && !stopped) {
          /* more than readBytes waiting: keep reading */
        }
      } catch (err) {
        errors++;
        log.error({ err, path: opts.path }, 'queue_log: read failed; retrying');
        await closeFile();
      }
    });
    return running;
  };

  const loop = (): void => {
    if (stopped) return;
    void poll().then(() => {
      if (!stopped) timer = setTimeout(loop, pollMs);
    });
  };
  loop();

  return {
    poll,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      await closeFile();
    },
    status() {
      return { path: opts.path, open: fh !== undefined, offset, rotations, lastEventAt, eventsTotal: reader.eventsTotal, errors, counts: reader.counts };
    },
  };
}
