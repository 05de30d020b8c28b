// Streaming parser for the Asterisk Manager Interface (AMI) wire format, after main/manager.c:
//   - a message is `Key: value` lines ended by a blank line; CRLF or LF; keys may repeat and come in any order;
//   - the first line of a connection is the banner `Asterisk Call Manager/x.y.z`;
//   - before Asterisk 14, `Action: Command` answers `Response: Follows`, then raw output lines (blank lines allowed),
//     then `--END COMMAND--`.
// Chunks may be split anywhere (even inside a UTF-8 character). Memory is bounded: a message that grows past the
// limit without a blank line is dropped, reported, and the parser resyncs at the next blank line.
import { StringDecoder } from 'node:string_decoder';

export interface AmiFrame {
  /** `Key: value` lines in order; keys keep their case. */
  readonly fields: Array<[string, string]>;
  /** Lines without a usable `Key:` (and the output of a `Response: Follows` block), in order. */
  readonly text: string[];
  /** A `Response: Follows` block (pre-Asterisk-14 Command output). `truncated` when it had no `--END COMMAND--`. */
  readonly follows?: { truncated: boolean };
  /** First value of `key` (case-insensitive). */
  get(key: string): string | undefined;
  /** Every value of `key` (case-insensitive), in order. */
  all(key: string): string[];
}

export function makeFrame(fields: Array<[string, string]>, text: string[] = [], follows?: { truncated: boolean }): AmiFrame {
  return {
    fields,
    text,
    ...(follows ? { follows } : {}),
    get(key: string) {
      const k = key.toLowerCase();
      for (const [name, value] of fields) if (name.toLowerCase() === k) return value;
      return undefined;
    },
    all(key: string) {
      const k = key.toLowerCase();
      return fields.filter(([name]) => name.toLowerCase() === k).map(([, value]) => value);
    },
  };
}

export interface AmiFramerError {
  code: 'frame_too_large';
  message: string;
}

export interface AmiFramerOptions {
  /** Largest message kept, in characters (partial line included). @default 65536 */
  maxFrameChars?: number;
  /** Most lines in one message. @default 1000 */
  maxFrameLines?: number;
  /** Treat the first line as the banner when it looks like one. @default true */
  expectBanner?: boolean;
  onBanner?: (banner: string, version: string | undefined) => void;
  onError?: (error: AmiFramerError) => void;
}

const BANNER = /^Asterisk Call Manager(?:\s+Proxy)?\/(\S+)/i;
// A key as Asterisk writes them: `Uniqueid`, `Cause-txt`, `ChanVariable(SIP/1-0001)` (Asterisk 11). No spaces.
const FIELD = /^([A-Za-z0-9_.-]+(?:\([^)]*\))?)[ \t]*:(.*)$/s;
const MESSAGE_START = /^(event|response|action)[ \t]*:/i;
const END_COMMAND = '--END COMMAND--';
const FOLLOWS_HEADERS = new Set(['privilege', 'actionid', 'message']);

export class AmiFramer {
  private decoder = new StringDecoder('utf8');
  private partial = '';
  private fields: Array<[string, string]> = [];
  private text: string[] = [];
  private chars = 0;
  private lines = 0;
  private startKey: string | undefined;
  private inFollows = false;
  private followsBlanks = 0;
  private skipping = false;
  private skipFollows = false;
  private skipSawBlank = false;
  private awaitingBanner: boolean;
  private out: AmiFrame[] = [];
  private readonly maxChars: number;
  private readonly maxLines: number;

  /** The banner of the current connection, once seen. */
  banner: string | undefined;
  readonly stats = { frames: 0, dropped: 0, recovered: 0 };

  constructor(private readonly opts: AmiFramerOptions = {}) {
    this.maxChars = opts.maxFrameChars ?? 65_536;
    this.maxLines = opts.maxFrameLines ?? 1000;
    this.awaitingBanner = opts.expectBanner ?? true;
  }

  /** Feeds a chunk; returns the messages it completed. Never throws on input. */
  push(chunk: Buffer | Uint8Array | string): AmiFrame[] {
    const data = typeof chunk === 'string' ? chunk : this.decoder.write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    let start = 0;
    for (;;) {
      const nl = data.indexOf('\n', start);
      if (nl === -1) {
        this.addPartial(data.slice(start));
        break;
      }
      const piece = data.slice(start, nl);
      const line = this.partial + piece;
      this.partial = '';
      this.line(line.endsWith('\r') ? line.slice(0, -1) : line);
      start = nl + 1;
    }
    const out = this.out;
    this.out = [];
    return out;
  }

  /** Forgets a half-received message and the partial line (call it when the connection drops). */
  reset(): void {
    this.decoder = new StringDecoder('utf8');
    this.partial = '';
    this.clearFrame();
    this.skipping = false;
    this.skipFollows = false;
    this.skipSawBlank = false;
    this.awaitingBanner = this.opts.expectBanner ?? true;
    this.banner = undefined;
  }

  /** Characters held for the message being received (partial line included). */
  get bufferedChars(): number {
    return this.chars + this.partial.length;
  }

  private addPartial(s: string): void {
    if (s === '') return;
    if (this.skipping) {
      // Only whether the partial line is blank matters while skipping: keep one character that says so.
      this.partial = (this.partial + s).trim() === '' ? ' ' : 'x';
      return;
    }
    this.partial += s;
    if (this.chars + this.partial.length > this.maxChars) {
      this.overflow();
      this.partial = this.partial.trim() === '' ? ' ' : 'x';
    }
  }

  private line(line: string): void {
    if (this.awaitingBanner) {
      this.awaitingBanner = false;
      const m = BANNER.exec(line);
      if (m) {
        this.banner = line.trim();
        this.opts.onBanner?.(this.banner, m[1]);
        return;
      }
    }
    const blank = line.trim() === '';
    if (this.skipping) {
      this.skipLine(line, blank);
      return;
    }
    if (this.inFollows) {
      this.followsLine(line, blank);
      return;
    }
    if (blank) {
      this.emit();
      return;
    }
    const m = FIELD.exec(line);
    if (m) {
      const key = m[1]!;
      const lower = key.toLowerCase();
      if (this.startKey && isStart(lower) && splits(this.startKey, lower)) {
        // A message start inside a message: the blank line between them was lost. Keep both.
        this.stats.recovered++;
        this.emit();
      }
      if (!this.startKey && isStart(lower)) this.startKey = lower;
      this.fields.push([key, m[2]!.trim()]);
      if (lower === 'response' && this.fields.length === 1 && this.text.length === 0 && m[2]!.trim().toLowerCase() === 'follows') {
        this.inFollows = true;
        this.followsBlanks = 0;
      }
    } else {
      this.text.push(line);
    }
    this.count(line);
  }

  private followsLine(line: string, blank: boolean): void {
    if (blank) {
      this.followsBlanks++;
      this.count(line);
      return;
    }
    if (this.followsBlanks > 0 && MESSAGE_START.test(line)) {
      // Output never ended with --END COMMAND-- but a new message starts after a blank line: end the block here.
      this.emit({ truncated: true });
      this.line(line);
      return;
    }
    for (; this.followsBlanks > 0; this.followsBlanks--) this.text.push('');
    if (line.endsWith(END_COMMAND)) {
      const rest = line.slice(0, -END_COMMAND.length);
      if (rest !== '') this.text.push(rest);
      this.emit({ truncated: false });
      return;
    }
    const m = this.text.length === 0 ? FIELD.exec(line) : null;
    if (m && FOLLOWS_HEADERS.has(m[1]!.toLowerCase())) this.fields.push([m[1]!, m[2]!.trim()]);
    else this.text.push(line);
    this.count(line);
  }

  private skipLine(line: string, blank: boolean): void {
    if (!this.skipFollows) {
      if (blank) this.skipping = false;
      return;
    }
    if (line.endsWith(END_COMMAND)) {
      this.skipping = false;
    } else if (blank) {
      this.skipSawBlank = true;
    } else if (this.skipSawBlank && MESSAGE_START.test(line)) {
      this.skipping = false;
      this.line(line);
    } else {
      this.skipSawBlank = false;
    }
  }

  private count(line: string): void {
    this.chars += line.length + 1;
    this.lines++;
    if (this.chars > this.maxChars || this.lines > this.maxLines) this.overflow();
  }

  private overflow(): void {
    const follows = this.inFollows;
    const size = this.chars + this.partial.length;
    this.clearFrame();
    this.skipping = true;
    this.skipFollows = follows;
    this.skipSawBlank = false;
    this.stats.dropped++;
    this.opts.onError?.({
      code: 'frame_too_large',
      message: `AMI message dropped: over ${this.maxChars} characters or ${this.maxLines} lines without a blank line (${size} characters held); resyncing at the next blank line`,
    });
  }

  private emit(follows?: { truncated: boolean }): void {
    if (this.fields.length > 0 || this.text.length > 0) {
      this.out.push(makeFrame(this.fields, this.text, follows));
      this.stats.frames++;
    }
    this.clearFrame();
  }

  private clearFrame(): void {
    this.fields = [];
    this.text = [];
    this.chars = 0;
    this.lines = 0;
    this.startKey = undefined;
    this.inFollows = false;
    this.followsBlanks = 0;
  }
}

function isStart(lowerKey: string): boolean {
  return lowerKey === 'event' || lowerKey === 'response' || lowerKey === 'action';
}

// Whether key `next` starts a new message inside a message that began with `first`. Events may carry a `Response`
// field (OriginateResponse) or an `Action` field (UserEvent), so only a second `Event` splits an event.
function splits(first: string, next: string): boolean {
  if (first === 'event') return next === 'event';
  if (first === 'response') return next === 'response' || next === 'event';
  return true;
}
