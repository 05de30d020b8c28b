// Redis Stream input: connectors XADD events (field `event` = the JSON) to a stream; every server process reads it
// through one consumer group, applies a batch, and only then XACKs it. On start, entries left pending by a consumer
// that died are claimed (XAUTOCLAIM). Application is idempotent (event ids), so a crash between apply and ack
// neither loses nor double-counts. An entry that makes the apply fail (not merely invalid: that is rejected and
// counted) is retried on its own and, failing again, parked in the dead-letter stream so it never blocks the rest.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { deadLetterKey } from '../store/keys.js';
import { invalidItem } from './pipeline.js';
import type { SourceSink } from './sources.js';

export interface StreamOptions {
  key: string;
  group: string;
  consumer: string;
  batchSize: number;
  claimIdleMs: number;
  /** How long one XREADGROUP blocks waiting for entries. */
  blockMs?: number;
}

export interface StreamStatus {
  running: boolean;
  entriesRead: number;
  lastEntryAt: number | null;
  errors: number;
  /** Entries that failed to apply twice on their own, moved to the dead-letter stream <key>:dead. */
  deadLettered: number;
}


export interface DeadLetter {
  id: string;
  /** The original stream entry id. */
  entry: string;
  reason: string;
  /** The entry's `event` field as it was. */
  event: string;
}

/** The newest dead letters first. */
export async function readDeadLetters(redis: Redis, key: string, count: number): Promise<DeadLetter[]> {
  const rows = await redis.xrevrange(deadLetterKey(key), '+', '-', 'COUNT', count);
  return rows.map(([id, fields]) => {
    const get = (f: string) => fields[fields.indexOf(f) + 1] ?? '';
    return { id, entry: get('entry'), reason: get('reason'), event: fields.includes('event') ? get('event') : '' };
  });
}

type Entry = [id: string, fields: string[]];

function decodeEntry([, fields]: Entry): unknown {
  const i = fields.indexOf('event');
  if (i < 0 || i % 2 !== 0) return invalidItem('stream entry has no "event" field');
  try {
    return JSON.parse(fields[i + 1] ?? '');
  } catch {
    return invalidItem('field "event" is not JSON');
  }
}

/**
 * Starts the consumer loop on its own (blocking) Redis connection. Returns a stop function that ends the loop and
 * waits for the batch in hand to be applied and acknowledged.
 */
export function startStreamConsumer(redis: Redis, sink: SourceSink, options: StreamOptions, log: Logger, status: StreamStatus) {
  const controller = new AbortController();
  const { key, group, consumer, batchSize } = options;
  const blockMs = options.blockMs ?? 1000;

  async function ensureGroup() {
    try {
      await redis.xgroup('CREATE', key, group, '0', 'MKSTREAM');
    } catch (e) {
      if (!String((e as Error).message).includes('BUSYGROUP')) throw e;
    }
  }

  // An entry that is not even JSON is rejected and counted by the pipeline with its reason.
  const toEvents = (entries: Entry[]) => entries.map(decodeEntry);

  async function applyEntries(entries: Entry[]) {
    if (entries.length === 0) return;
    // A thrown error (Redis unreachable) leaves the batch pending: it is read again.
    const result = await sink(toEvents(entries));
    for (const r of result.rejected) log.warn({ entry: entries[r.index]![0], reason: r.error }, 'stream entry rejected');
    for (const f of result.failed) await retryOrPark(entries[f.index]!, f.error);
    await redis.xack(key, group, ...entries.map((e) => e[0]));
    status.entriesRead += entries.length;
    status.lastEntryAt = Date.now();
  }

  /** An entry that failed to apply gets one more try on its own, then goes to the dead-letter stream. */
  async function retryOrPark(entry: Entry, firstError: string) {
    const again = await sink(toEvents([entry]));
    if (again.failed.length === 0) return;
    const reason = again.failed[0]?.error ?? firstError;
    await redis.xadd(deadLetterKey(key), 'MAXLEN', '~', 10_000, '*', 'entry', entry[0], 'reason', reason.slice(0, 500), ...entry[1]);
    status.deadLettered++;
    log.error({ entry: entry[0], reason }, 'stream entry failed twice: moved to the dead-letter stream');
  }

  async function claimAbandoned() {
    let cursor = '0-0';
    do {
      const [next, entries] = (await redis.xautoclaim(key, group, consumer, options.claimIdleMs, cursor, 'COUNT', batchSize)) as [string, Entry[], ...unknown[]];
      await applyEntries(entries.filter((e) => e[1] !== null));
      cursor = next;
    } while (cursor !== '0-0' && !controller.signal.aborted);
  }

  /**
   * Entries every consumer of the group has read and acknowledged are of no more use: trim them (approximately, so
   * Redis trims whole nodes). The stream is Floorwatch's own; another reader of it would need its own copy.
   */
  async function trimAcknowledged() {
    const [, oldestPending] = (await redis.xpending(key, group)) as [number, string | null, ...unknown[]];
    const groups = (await redis.xinfo('GROUPS', key)) as unknown[][];
    const info = groups.map((g) => Object.fromEntries(g.reduce<[string, unknown][]>((acc, v, i) => (i % 2 ? acc : [...acc, [String(v), g[i + 1]]]), [])));
    const delivered = info.find((g) => g.name === group)?.['last-delivered-id'] as string | undefined;
    const keepFrom = oldestPending ?? delivered;
    if (keepFrom) await redis.xtrim(key, 'MINID', '~', keepFrom);
  }

  // Two batches are in hand at most: the next one is read and decoded while Redis applies the one before (so that Node
  // and Redis work at the same time). Batches are independent (events carry their own ids and times, and each batch is
  // acknowledged after it is applied), as are concurrent HTTP posts.
  const MAX_IN_FLIGHT = 2;
  const inFlight = new Set<Promise<void>>();
  // the error of a batch in hand that could not be applied or acknowledged (it stays pending)
  const failed: { error?: unknown; any: boolean } = { any: false };
  function startApply(entries: Entry[]) {
    if (entries.length === 0) return;
    const p: Promise<void> = applyEntries(entries)
      .catch((error: unknown) => {
        if (!failed.any) Object.assign(failed, { error, any: true });
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  const drain = () => Promise.all(inFlight);
  // The next batch is asked for before the one just read is decoded and sent to be applied: Redis serves a read only
  // between two scripts, so a read sent after the script would leave Redis idle while Node decodes each batch. A read
  // made while a batch is in hand never blocks (that batch's acknowledgement goes over this connection too). Entries
  // read ahead but not applied (an error, a stop) stay pending for this consumer, which reads its own first.
  let readAhead: Promise<Entry[]> | null = null;
  const readNew = (block: boolean) => {
    const reply = redis.xreadgroup('GROUP', group, consumer, 'COUNT', batchSize, ...((block ? ['BLOCK', blockMs] : []) as ['BLOCK', number]), 'STREAMS', key, '>') as Promise<
      [string, Entry[]][] | null
    >;
    return reply.then((r) => r?.[0]?.[1] ?? []);
  };

  const done = (async () => {
    status.running = true;
    let claimedAt = 0;
    let groupReady = false;
    // Our own unacknowledged entries (after a crash of this consumer, or a batch that failed) are read first. Batches
    // in hand are pending too, so this is done only with none in hand: at the start and after an error.
    let readOwn = true;
    let batches = 0;
    while (!controller.signal.aborted) {
      try {
        if (failed.any) throw failed.error;
        if (!groupReady) {
          await ensureGroup();
          groupReady = true;
        }
        if (++batches % 50 === 0) await trimAcknowledged();
        if (readOwn) {
          await drain();
          if (failed.any) continue;
          const own = (await redis.xreadgroup('GROUP', group, consumer, 'COUNT', batchSize, 'STREAMS', key, '0')) as [string, Entry[]][] | null;
          const entries = own?.[0]?.[1] ?? [];
          await applyEntries(entries);
          readOwn = entries.length >= batchSize; // more may be left
          if (readOwn) continue;
        }
        // then others' abandoned ones
        if (Date.now() - claimedAt > options.claimIdleMs) {
          await drain();
          if (failed.any) continue;
          await claimAbandoned();
          claimedAt = Date.now();
        }
        while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
        const read = readAhead ?? readNew(inFlight.size === 0);
        readAhead = null;
        const entries = await read;
        if (entries.length === 0) {
          await drain();
          continue;
        }
        readAhead = readNew(false);
        readAhead.catch(() => {}); // seen when awaited
        startApply(entries);
      } catch (e) {
        readAhead = null;
        await drain();
        failed.any = false;
        failed.error = undefined;
        if (controller.signal.aborted) break;
        groupReady = false; // the stream may have been deleted: create the group again
        readOwn = true;
        status.errors++;
        log.error({ err: e }, 'stream consumer error; retrying in 1 s');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    await drain();
    status.running = false;
  })();

  return async function stop() {
    controller.abort();
    // Interrupts a blocking read; entries read but not yet acknowledged stay pending and are claimed again later.
    redis.disconnect();
    await done;
  };
}
