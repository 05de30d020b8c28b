import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newCounts, parseAndCount, parseQueueLogLine } from '../../server/ingest/queue-log/parser.js';
import { QueueLogReader } from '../../server/ingest/queue-log/follower.js';

const fixture = readFileSync(fileURLToPath(new URL('../fixtures/asterisk/asterisk2slack/queue_log', import.meta.url)), 'utf8');

describe('queue_log parser', () => {
  it('splits the fixed columns and the data fields', () => {
    expect(parseQueueLogLine('1546015425|1546015415.757927|201|Agent Delta|CONNECT|10|1546015415.757936|9')).toEqual({
      kind: 'record',
      record: {
        epoch: 1546015425,
        ts: 1546015425000,
        callId: '1546015415.757927',
        queue: '201',
        agent: 'Agent Delta',
        event: 'CONNECT',
        data: ['10', '1546015415.757936', '9'],
        raw: '1546015425|1546015415.757927|201|Agent Delta|CONNECT|10|1546015415.757936|9',
      },
    });
    // ENTERQUEUE with an empty URL field; CRLF line end; events with no data at all.
    const enter = parseQueueLogLine('1546015415|1546015415.757927|201|NONE|ENTERQUEUE||+15550109471|1\r');
    expect(enter.kind === 'record' && enter.record.data).toEqual(['', '+15550109471', '1']);
    const start = parseQueueLogLine('1366720340|NONE|NONE|NONE|QUEUESTART');
    expect(start.kind === 'record' && start.record.data).toEqual([]);
  });

  it('reads the old one-data-field form (`data` holding `|`) the same way', () => {
    // Asterisk 1.4 wrote `ast_queue_log(..., "CONNECT", "%ld|%s", holdtime, uniqueid)`: one field with a pipe inside.
    const r = parseQueueLogLine('1187965311|1187965302.7|support|SIP/201|CONNECT|9|1187965302.8');
    expect(r.kind === 'record' && r.record.data).toEqual(['9', '1187965302.8']);
  });

  it('skips unknown events, rejects malformed lines with a reason, never throws', () => {
    expect(parseQueueLogLine('1546015415|1546015415.757927|201|NONE|DID|+15550007775')).toEqual({ kind: 'unknown', event: 'DID' });
    expect(parseQueueLogLine('1546015415|x|q|NONE|INFO|something')).toEqual({ kind: 'unknown', event: 'INFO' });
    expect(parseQueueLogLine('')).toEqual({ kind: 'blank' });
    expect(parseQueueLogLine('   \r')).toEqual({ kind: 'blank' });
    const bad = ['hello', '1|2|3|4', 'yesterday|1.1|q|a|CONNECT|1|2|3', '1546015415|1.1|q|a||x', 'x'.repeat(9000)];
    for (const line of bad) {
      const r = parseQueueLogLine(line);
      expect(r.kind).toBe('malformed');
      expect(r.kind === 'malformed' && r.reason.length).toBeGreaterThan(5);
    }
  });

  it('counts the recorded file: 23 lines, 20 records, 1 DID skipped, 2 blank, nothing malformed', () => {
    const counts = newCounts();
    const records = fixture.split('\n').map((l) => parseAndCount(l, counts));
    // split('\n') gives one more (empty) element after the final newline
    expect(counts).toMatchObject({ lines: 24, records: 20, blank: 3, unknownTotal: 1, malformed: 0 });
    expect(counts.unknown).toEqual({ DID: 1 });
    expect(records.filter(Boolean).map((r) => r!.event)).toEqual([
      'ENTERQUEUE',
      'RINGNOANSWER',
      'RINGNOANSWER',
      'RINGNOANSWER',
      'CONNECT',
      'COMPLETECALLER',
      ...Array(6).fill('ENTERQUEUE'),
      'ENTERQUEUE',
      'CONNECT',
      'CONNECT',
      'COMPLETECALLER',
      'COMPLETEAGENT',
      'COMPLETEAGENT',
      'COMPLETEAGENT',
      'COMPLETEAGENT',
    ]);
  });

  it('fuzz: never throws on any line', () => {
    const field = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('NONE', '', 'CONNECT', 'PAUSE', 'ENTERQUEUE', '1546015415', '1.5'));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.array(field, { maxLength: 10 }).map((f) => f.join('|'))), (line) => {
        const r = parseQueueLogLine(line);
        expect(['record', 'unknown', 'malformed', 'blank']).toContain(r.kind);
      }),
      { numRuns: 2000 },
    );
  });

  it('fuzz: the line reader never throws and holds at most 64 KiB, whatever the chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.string({ maxLength: 200 })), { maxLength: 30 }), (chunks) => {
        const reader = new QueueLogReader();
        for (const c of chunks) {
          reader.chunk(typeof c === 'string' ? c : Buffer.from(c));
          expect(reader.bufferedChars).toBeLessThanOrEqual(64 * 1024);
        }
        reader.end();
      }),
      { numRuns: 500 },
    );
  });

  it('10 MB without a newline: memory stays bounded, the line is counted malformed, reading goes on', () => {
    const reader = new QueueLogReader();
    const block = Buffer.alloc(256 * 1024, 0x41);
    for (let fed = 0; fed < 10 * 1024 * 1024; fed += block.length) {
      expect(reader.chunk(block)).toEqual([]);
      expect(reader.bufferedChars).toBeLessThanOrEqual(64 * 1024);
    }
    const events = reader.chunk('\n1546015415|1.1|sales|NONE|ENTERQUEUE||555|1\n');
    expect(events.map((e) => e.type)).toEqual(['call.queued']);
    expect(reader.counts.malformed).toBe(1);
  });
});
