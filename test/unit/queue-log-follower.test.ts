import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AcdEventInput } from '../../shared/events.js';
import { followQueueLog, type QueueLogFollower, replayFile } from '../../server/ingest/queue-log/follower.js';

const fixturePath = fileURLToPath(new URL('../fixtures/asterisk/asterisk2slack/queue_log', import.meta.url));

let dir: string;
let followers: QueueLogFollower[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-queue-log-'));
});
afterEach(async () => {
  await Promise.all(followers.map((f) => f.stop()));
  followers = [];
  rmSync(dir, { recursive: true, force: true });
});

/** A follower driven by hand (`poll()`): its own timer waits a minute. */
function follow(path: string, from: 'start' | 'end') {
  const batches: AcdEventInput[][] = [];
  const f = followQueueLog({ path, from, pollMs: 60_000, now: () => 42, sink: async (events) => void batches.push(events) });
  followers.push(f);
  const summary = () => batches.flat().map((e) => `${e.type}:${'callId' in e ? e.callId : e.agentId}`);
  return { f, batches, summary };
}

const enter = (t: number, call: string) => `${t}|${call}|sales|NONE|ENTERQUEUE||555|1\n`;

describe('queue_log replay', () => {
  it('replays the recorded file: the same events as mapping it line by line, in batches', async () => {
    const batches: AcdEventInput[][] = [];
    const counts = await replayFile(fixturePath, async (events) => void batches.push(events), { batchSize: 5 });
    // 21 events worked out in queue-log-mapper.test.ts from the 23 lines.
    expect(counts).toMatchObject({ lines: 23, records: 20, blank: 2, unknownTotal: 1, malformed: 0, events: 21 });
    expect(batches.map((b) => b.length)).toEqual([5, 5, 5, 5, 1]);
    expect(batches.flat()[0]).toMatchObject({ type: 'call.queued', callId: '1546015415.757927', ts: 1546015415000 });
  });

  it('a last line without newline is read', async () => {
    const p = join(dir, 'queue_log');
    writeFileSync(p, enter(1, 'a') + enter(2, 'b').trimEnd());
    const seen: AcdEventInput[] = [];
    await replayFile(p, async (e) => void seen.push(...e));
    expect(seen.map((e) => e.type === 'call.queued' && e.callId)).toEqual(['a', 'b']);
  });
});

describe('queue_log follower', () => {
  it('from the start: reads what is there, then each appended line; waits for the end of a partial line', async () => {
    const p = join(dir, 'queue_log');
    writeFileSync(p, readFileSync(fixturePath));
    const { f, batches, summary } = follow(p, 'start');
    await f.poll();
    expect(batches.flat()).toHaveLength(21);
    appendFileSync(p, '1546030000|9.9|201|NONE|ENTER');
    await f.poll();
    expect(batches.flat()).toHaveLength(21);
    appendFileSync(p, 'QUEUE||555|1\n');
    await f.poll();
    expect(summary().at(-1)).toBe('call.queued:9.9');
    expect(f.status()).toMatchObject({ open: true, rotations: 0, eventsTotal: 22, errors: 0, lastEventAt: 42 });
  });

  it('from the end: only lines written after the start', async () => {
    const p = join(dir, 'queue_log');
    writeFileSync(p, enter(1, 'old'));
    const { f, summary } = follow(p, 'end');
    await f.poll();
    appendFileSync(p, enter(2, 'new'));
    await f.poll();
    expect(summary()).toEqual(['call.queued:new']);
  });

  it('rotation by rename: finishes the old file, then reads the new one from its start', async () => {
    const p = join(dir, 'queue_log');
    writeFileSync(p, enter(1, 'a'));
    const { f, summary } = follow(p, 'start');
    await f.poll();
    renameSync(p, p + '.1');
    appendFileSync(p + '.1', enter(2, 'b')); // Asterisk still had the old file open
    writeFileSync(p, enter(3, 'c'));
    await f.poll();
    appendFileSync(p, enter(4, 'd'));
    await f.poll();
    expect(summary()).toEqual(['call.queued:a', 'call.queued:b', 'call.queued:c', 'call.queued:d']);
    expect(f.status().rotations).toBe(1);
  });

  it('rotation with a gap (file missing for a while), and a file that does not exist at start', async () => {
    const p = join(dir, 'queue_log');
    const { f, summary } = follow(p, 'end');
    await f.poll();
    expect(f.status().open).toBe(false);
    writeFileSync(p, enter(1, 'a')); // created after the start: read from its beginning
    await f.poll();
    unlinkSync(p);
    await f.poll();
    expect(f.status().open).toBe(false);
    writeFileSync(p, enter(2, 'b'));
    await f.poll();
    expect(summary()).toEqual(['call.queued:a', 'call.queued:b']);
  });

  it('truncation in place (copytruncate): starts again at the beginning', async () => {
    const p = join(dir, 'queue_log');
    writeFileSync(p, enter(1, 'a') + enter(2, 'b'));
    const { f, summary } = follow(p, 'start');
    await f.poll();
    truncateSync(p, 0);
    appendFileSync(p, enter(3, 'c'));
    await f.poll();
    expect(summary()).toEqual(['call.queued:a', 'call.queued:b', 'call.queued:c']);
    expect(f.status().rotations).toBe(1);
  });

  it('polls by itself and stops cleanly', async () => {
    const p = join(dir, 'queue_log');
    writeFileSync(p, '');
    const seen: AcdEventInput[] = [];
    const f = followQueueLog({ path: p, from: 'end', pollMs: 10, sink: async (e) => void seen.push(...e) });
    followers.push(f);
    const deadline = Date.now() + 3000;
    while (!f.status().open && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5)); // "the end" is taken at open
    appendFileSync(p, enter(1, 'x'));
    while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(seen).toHaveLength(1);
    await f.stop();
    expect(f.status().open).toBe(false);
  });
});
