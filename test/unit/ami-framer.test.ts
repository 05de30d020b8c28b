import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AmiFramer, type AmiFrame, type AmiFramerError } from '../../server/ingest/ami/framer.js';

const fixture = (name: string): Buffer => readFileSync(fileURLToPath(new URL(`../fixtures/asterisk/${name}`, import.meta.url)));

/** Feeds `data` cut at the given offsets (a Buffer split may fall inside a UTF-8 character). */
function feed(framer: AmiFramer, data: Buffer, cuts: number[] = []): AmiFrame[] {
  const points = [...new Set(cuts.map((c) => Math.max(0, Math.min(data.length, c))))].sort((a, b) => a - b);
  const frames: AmiFrame[] = [];
  let at = 0;
  for (const p of [...points, data.length]) {
    frames.push(...framer.push(data.subarray(at, p)));
    at = p;
  }
  return frames;
}

const plain = (frames: AmiFrame[]) => frames.map((f) => ({ fields: f.fields, text: f.text, follows: f.follows }));

describe('AMI framer: format rules', () => {
  it('splits messages at blank lines, accepts LF and CRLF, keeps repeated keys in order', () => {
    const framer = new AmiFramer();
    const frames = framer.push('Event: Newchannel\r\nChanVariable: a=1\r\nChanVariable: b=2\r\nUniqueid: 1.1\r\n\r\nEvent: Hangup\nUniqueid: 1.1\n\n');
    expect(frames).toHaveLength(2);
    expect(frames[0]!.get('event')).toBe('Newchannel');
    expect(frames[0]!.all('CHANVARIABLE')).toEqual(['a=1', 'b=2']);
    expect(frames[0]!.get('ChanVariable')).toBe('a=1');
    expect(frames[1]!.fields).toEqual([
      ['Event', 'Hangup'],
      ['Uniqueid', '1.1'],
    ]);
    expect(frames[1]!.get('Missing')).toBeUndefined();
    expect(frames[1]!.all('Missing')).toEqual([]);
  });

  it('reports the banner separately and only on the first line of a connection', () => {
    const banners: string[] = [];
    const framer = new AmiFramer({ onBanner: (b, v) => banners.push(`${b} | ${v}`) });
    const frames = framer.push(fixture('panoramisk/login_ok.yaml'));
    expect(banners).toEqual(['Asterisk Call Manager/1.3 | 1.3']);
    expect(framer.banner).toBe('Asterisk Call Manager/1.3');
    // login_ok.yaml: the client's Login action, the success response, FullyBooted.
    expect(frames.map((f) => f.get('Action') ?? f.get('Response') ?? f.get('Event'))).toEqual(['login', 'Success', 'FullyBooted']);
    expect(frames[1]!.get('Message')).toBe('Authentication accepted');
    expect(frames[2]!.get('Status')).toBe('Fully Booted');
    // A later line that looks like a banner is just text.
    expect(framer.push('Asterisk Call Manager/9.9.9\r\n\r\n')[0]!.text).toEqual(['Asterisk Call Manager/9.9.9']);
    // After reset (a new connection) the banner is expected again.
    framer.reset();
    framer.push('Asterisk Call Manager/5.0.1\r\n');
    expect(banners).toHaveLength(2);
  });

  it('keeps colon-less lines as text, consumes Response: Follows blocks whole (ami.dump)', () => {
    const frames = new AmiFramer().push(fixture('asterisk-ami-events-stream/ami.dump'));
    // Read from the file: HangupRequest, Hangup, HangupRequest, a block of three colon-less rows, Response Success with
    // Value, a Follows block whose output has a blank line inside, HangupRequest, a second Follows block, Pong, Ping.
    expect(plain(frames)).toEqual([
      { fields: [['Event', 'HangupRequest'], ['Privilege', 'call,all'], ['Channel', 'Local/183@from-queue-002e58e1;2'], ['Uniqueid', '1418896538.6181853']], text: [], follows: undefined },
      {
        fields: [
          ['Event', 'Hangup'],
          ['Privilege', 'call,all'],
          ['Channel', 'Local/183@from-queue-002e58e1;1'],
          ['Uniqueid', '1418896538.6181852'],
          ['CallerIDNum', '183'],
          ['CallerIDName', 'A -VIP'],
          ['ConnectedLineNum', '11111111111'],
          ['ConnectedLineName', 'V.I.P.-11111111111'],
          ['AccountCode', ''],
          ['Cause', '0'],
          ['Cause-txt', 'Unknown'],
        ],
        text: [],
        follows: undefined,
      },
      { fields: [['Event', 'HangupRequest'], ['Privilege', 'call,all'], ['Channel', 'Local/160@from-queue-002e58e5;2'], ['Uniqueid', '1418896538.6181877']], text: [], follows: undefined },
      { fields: [], text: ['row 1 of extended response', 'row 2 of extended response', 'row 3 of extended response'], follows: undefined },
      { fields: [['Response', 'Success'], ['Value', '1254']], text: [], follows: undefined },
      { fields: [['Response', 'Follows']], text: ['first extended response, row 1', 'first extended response, row 2', '', 'first extended response, row 3'], follows: { truncated: false } },
      { fields: [['Event', 'HangupRequest'], ['Privilege', 'call,all'], ['Channel', 'Local/160@from-queue-002e58e7;2'], ['Uniqueid', '1418896538.6181899']], text: [], follows: undefined },
      { fields: [['Response', 'Follows']], text: ['second extended response, row 1'], follows: { truncated: false } },
      { fields: [['Response', 'Pong']], text: [], follows: undefined },
      { fields: [['Action', 'Ping']], text: [], follows: undefined },
    ]);
  });

  it('Follows: headers, output with colons, --END COMMAND-- glued to the last line', () => {
    const framer = new AmiFramer({ expectBanner: false });
    const frames = framer.push(
      'Response: Follows\r\nPrivilege: Command\r\nActionID: 7\r\nName/username  Host: 10.0.0.1\r\nlast line--END COMMAND--\r\n\r\nEvent: FullyBooted\r\n\r\n',
    );
    expect(plain(frames)).toEqual([
      { fields: [['Response', 'Follows'], ['Privilege', 'Command'], ['ActionID', '7']], text: ['Name/username  Host: 10.0.0.1', 'last line'], follows: { truncated: false } },
      { fields: [['Event', 'FullyBooted']], text: [], follows: undefined },
    ]);
  });

  it('recovers the edited goami2 transcript: a Follows block without --END COMMAND--, messages without their blank line', () => {
    const framer = new AmiFramer();
    const frames = framer.push(fixture('goami2/queues.ami'));
    // The file (CRLF) holds 8 client actions, a truncated `Response: Follows`, 6 QueueStatus replies with 9 QueueMember
    // events in all, and 5 ConfbridgeList actions with their 5 error responses.
    const follows = frames.filter((f) => f.follows);
    expect(follows).toHaveLength(1);
    expect(follows[0]!.follows).toEqual({ truncated: true });
    expect(follows[0]!.get('ActionID')).toBe('bef2eb20211b9@okon.ferry.sip.com');
    // The Action that followed the truncated block was not swallowed by it.
    expect(frames.filter((f) => f.get('Action') === 'QueueStatus').map((f) => f.get('Queue'))).toEqual([
      'Shipping_12',
      'Books_12',
      'Sales_12',
      'Financing_12',
      'ISupport02_12',
      'Bar_12',
    ]);
    // 8194@ and 7853@ follow the previous QueueMember without a blank line: they are separate messages.
    const members = frames.filter((f) => f.get('Event') === 'QueueMember').map((f) => f.get('Name'));
    expect(members).toEqual([
      '9170@okon.ferry.sip.com',
      '8194@okon.ferry.sip.com',
      '9921@okon.ferry.sip.com',
      '9922@okon.ferry.sip.com',
      '8895@okon.ferry.sip.com',
      '9068@okon.ferry.sip.com',
      '7855@okon.ferry.sip.com',
      '7853@okon.ferry.sip.com',
      '1245@okon.ferry.sip.com',
    ]);
    expect(frames.filter((f) => f.get('Event') === 'QueueParams')).toHaveLength(6);
    expect(frames.filter((f) => f.get('Event') === 'QueueStatusComplete')).toHaveLength(6);
    expect(frames.filter((f) => f.get('Response') === 'Error')).toHaveLength(5);
    expect(framer.stats.recovered).toBe(2);
  });

  it('keeps a Response field inside an event (OriginateResponse) and an Action field (UserEvent)', () => {
    const frames = new AmiFramer({ expectBanner: false }).push(
      'Event: OriginateResponse\r\nActionID: 3\r\nResponse: Failure\r\nChannel: PJSIP/1\r\n\r\nEvent: UserEvent\r\nUserEvent: AgentLogin\r\nAction: UserEvent\r\n\r\n',
    );
    expect(frames).toHaveLength(2);
    expect(frames[0]!.get('Response')).toBe('Failure');
    expect(frames[1]!.get('Action')).toBe('UserEvent');
  });

  it('parses the goami2 call recording into its 51 events', () => {
    const frames = new AmiFramer().push(fixture('goami2/call.ami'));
    // 51 `Event:` lines in the file; two of them follow the previous event without a blank line.
    expect(frames).toHaveLength(51);
    expect(frames.every((f) => f.get('Event') !== undefined)).toBe(true);
    const newchannel = frames.find((f) => f.get('Event') === 'Newchannel')!;
    expect(newchannel.get('Uniqueid')).toBe('1598887681.60');
    expect(newchannel.all('ChanVariable')).toEqual(['realm=', 'SIPDOMAIN=', 'SIPCALLID=']);
  });

  it('gives the same messages however the bytes are split (UTF-8 characters included)', () => {
    const data = Buffer.concat([fixture('goami2/call.ami'), Buffer.from('Event: UserEvent\r\nName: 小休 café\r\n\r\n')]);
    const whole = plain(new AmiFramer().push(data));
    fc.assert(
      fc.property(fc.array(fc.nat({ max: data.length }), { maxLength: 40 }), (cuts) => {
        expect(plain(feed(new AmiFramer(), data, cuts))).toEqual(whole);
      }),
      { numRuns: 200 },
    );
    expect(whole.at(-1)!.fields).toContainEqual(['Name', '小休 café']);
  });

  it('reset() drops a half-received message: it is never emitted', () => {
    const framer = new AmiFramer();
    expect(framer.push('Event: QueueMemberPause\r\nQueue: sales\r\nInterface: PJSIP/201\r\nPau')).toEqual([]);
    framer.reset();
    const frames = framer.push('Asterisk Call Manager/7.0.3\r\nEvent: FullyBooted\r\n\r\n');
    expect(plain(frames)).toEqual([{ fields: [['Event', 'FullyBooted']], text: [], follows: undefined }]);
    expect(framer.banner).toBe('Asterisk Call Manager/7.0.3');
  });
});

describe('AMI framer: bounded memory', () => {
  it('drops a message past the line limit, reports it, and resyncs at the next blank line', () => {
    const errors: AmiFramerError[] = [];
    const framer = new AmiFramer({ expectBanner: false, maxFrameLines: 10, onError: (e) => errors.push(e) });
    let frames = framer.push('Event: Big\r\n' + 'Key: v\r\n'.repeat(30));
    expect(frames).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.code).toBe('frame_too_large');
    // The rest of the oversized message is skipped up to its blank line; the next message is intact.
    frames = framer.push('Key: v\r\n\r\nEvent: After\r\nA: 1\r\n\r\n');
    expect(plain(frames)).toEqual([{ fields: [['Event', 'After'], ['A', '1']], text: [], follows: undefined }]);
    expect(framer.stats.dropped).toBe(1);
  });

  it('stays under the limit while fed 10 MB of lines that never end a message', () => {
    const limit = 64 * 1024;
    const errors: AmiFramerError[] = [];
    const framer = new AmiFramer({ expectBanner: false, onError: (e) => errors.push(e) });
    const chunk = Buffer.from('Variable: ' + 'x'.repeat(90) + '\r\n'); // 102 bytes, never a blank line
    const block = Buffer.concat(Array.from({ length: 640 }, () => chunk)); // ~64 KiB per push
    let max = 0;
    let fed = 0;
    while (fed < 10 * 1024 * 1024) {
      expect(framer.push(block)).toEqual([]);
      fed += block.length;
      max = Math.max(max, framer.bufferedChars);
    }
    expect(max).toBeLessThanOrEqual(limit);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(framer.push('\r\nEvent: Alive\r\n\r\n').map((f) => f.get('Event'))).toEqual(['Alive']);
  });

  it('stays under the limit on 10 MB without any newline, then resyncs', () => {
    const framer = new AmiFramer({ expectBanner: false, maxFrameChars: 4096 });
    const block = 'y'.repeat(64 * 1024);
    for (let fed = 0; fed < 10 * 1024 * 1024; fed += block.length) {
      framer.push(block);
      expect(framer.bufferedChars).toBeLessThanOrEqual(4096);
    }
    expect(framer.stats.dropped).toBe(1);
    expect(framer.push('\r\n\r\nEvent: Alive\r\n\r\n').map((f) => f.get('Event'))).toEqual(['Alive']);
  });

  it('an endless Follows block is dropped and the stream resyncs at --END COMMAND--', () => {
    const framer = new AmiFramer({ expectBanner: false, maxFrameLines: 50 });
    framer.push('Response: Follows\r\nPrivilege: Command\r\n');
    for (let i = 0; i < 200; i++) framer.push(`row ${i}\r\n\r\n`);
    expect(framer.stats.dropped).toBe(1);
    const frames = framer.push('last row\r\n--END COMMAND--\r\n\r\nEvent: Alive\r\n\r\n');
    expect(frames.map((f) => f.get('Event'))).toEqual(['Alive']);
  });
});

describe('AMI framer: fuzz', () => {
  const line = fc.oneof(
    fc.constantFrom('', '\r', 'Event: QueueMemberStatus', 'Response: Follows', '--END COMMAND--', 'x--END COMMAND--', 'Response: Success', 'Asterisk Call Manager/1.3', ' '),
    fc.string({ maxLength: 40 }),
    fc.tuple(fc.stringMatching(/^[A-Za-z-]{1,12}$/), fc.string({ maxLength: 30 })).map(([k, v]) => `${k}: ${v}`),
  );
  const stream = fc.array(fc.tuple(fc.array(line, { maxLength: 30 }), fc.constantFrom('\n', '\r\n')), { maxLength: 20 }).map((parts) =>
    parts.map(([lines, eol]) => lines.join(eol) + eol).join(''),
  );

  it('never throws, never holds more than the limit, and every message it returns is well formed', () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 10 }), fc.integer({ min: 64, max: 2048 }), (text, cuts, maxFrameChars) => {
        const framer = new AmiFramer({ maxFrameChars, maxFrameLines: 20 });
        const data = Buffer.from(text);
        let at = 0;
        for (const cut of [...cuts.map((c) => c % (data.length + 1)).sort((a, b) => a - b), data.length]) {
          for (const f of framer.push(data.subarray(at, Math.max(at, cut)))) {
            expect(f.fields.length + f.text.length).toBeGreaterThan(0);
            for (const [k, v] of f.fields) {
              expect(k).toMatch(/^\S+$/);
              expect(typeof v).toBe('string');
            }
          }
          at = Math.max(at, cut);
          expect(framer.bufferedChars).toBeLessThanOrEqual(maxFrameChars);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), (chunks) => {
        const framer = new AmiFramer({ maxFrameChars: 512 });
        for (const c of chunks) framer.push(c);
        expect(framer.bufferedChars).toBeLessThanOrEqual(512);
      }),
      { numRuns: 300 },
    );
  });
});
