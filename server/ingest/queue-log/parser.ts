// Parser for Asterisk's queue_log file: one event per line,
//   epoch|callid|queuename|agent|EVENT|data1|data2|...
// Old versions wrote the data as one field that contains `|` itself; split on `|` both read the same.
// Never throws: a line is a record, an unknown event (skipped and counted), malformed (with a reason) or blank.

export const QUEUE_LOG_EVENTS = [
  'ENTERQUEUE', // url|callerid[|position]
  'CONNECT', // holdtime|bridged-uniqueid|ringtime
  'COMPLETECALLER', // holdtime|calltime|origposition
  'COMPLETEAGENT', // holdtime|calltime|origposition
  'ABANDON', // position|origposition|waittime
  'EXITWITHTIMEOUT', // position|origposition|waittime
  'EXITEMPTY', // position|origposition|waittime
  'EXITWITHKEY', // key|position|origposition|waittime
  'RINGNOANSWER', // ringtime (ms)
  'RINGCANCELED', // ringtime (ms)
  'AGENTDUMP',
  'SYSCOMPAT',
  'TRANSFER', // extension|context|holdtime|calltime|origposition
  'BLINDTRANSFER', // extension|context|holdtime|calltime|origposition
  'ATTENDEDTRANSFER', // method|data|holdtime|calltime|origposition
  'PAUSE', // reason
  'UNPAUSE', // reason
  'PAUSEALL',
  'UNPAUSEALL',
  'ADDMEMBER',
  'REMOVEMEMBER',
  'AGENTLOGIN', // channel
  'AGENTLOGOFF', // channel|logintime
  'AGENTCALLBACKLOGIN', // exten@context
  'AGENTCALLBACKLOGOFF', // exten@context|logintime|reason
  'QUEUESTART',
  'CONFIGRELOAD',
  'PENALTY',
  'RINGINUSE',
] as const;
export type QueueLogEvent = (typeof QUEUE_LOG_EVENTS)[number];
const KNOWN = new Set<string>(QUEUE_LOG_EVENTS);

export interface QueueLogRecord {
  /** Seconds since the epoch, as written. */
  epoch: number;
  ts: number;
  callId: string;
  queue: string;
  agent: string;
  event: QueueLogEvent;
  data: string[];
  /** The line without its line ending. */
  raw: string;
}

export type QueueLogParse =
  | { kind: 'record'; record: QueueLogRecord }
  | { kind: 'unknown'; event: string }
  | { kind: 'malformed'; reason: string }
  | { kind: 'blank' };

const MAX_LINE = 8192;

export function parseQueueLogLine(input: string): QueueLogParse {
  const raw = input.endsWith('\r') ? input.slice(0, -1) : input;
  if (raw.trim() === '') return { kind: 'blank' };
  if (raw.length > MAX_LINE) return { kind: 'malformed', reason: `line longer than ${MAX_LINE} characters` };
  const cols = raw.split('|');
  if (cols.length < 5) return { kind: 'malformed', reason: `expected at least 5 fields (epoch|callid|queue|agent|event), got ${cols.length}` };
  const [epochText, callId, queue, agent, eventText] = cols as [string, string, string, string, string];
  if (!/^\s*\d{1,12}(\.\d+)?\s*$/.test(epochText)) return { kind: 'malformed', reason: `epoch "${epochText.slice(0, 30)}" is not a number of seconds` };
  const epoch = Number(epochText);
  const event = eventText.trim().toUpperCase();
  if (event === '') return { kind: 'malformed', reason: 'event is empty' };
  if (!KNOWN.has(event)) return { kind: 'unknown', event: event.slice(0, 40) };
  return {
    kind: 'record',
    record: { epoch, ts: Math.round(epoch * 1000), callId: callId.trim(), queue: queue.trim(), agent: agent.trim(), event: event as QueueLogEvent, data: cols.slice(5), raw },
  };
}

export interface QueueLogCounts {
  lines: number;
  records: number;
  blank: number;
  /** Lines with an event this adapter does not use (DID, INFO, ...), by event. */
  unknown: Record<string, number>;
  unknownTotal: number;
  malformed: number;
  /** The last few malformed lines and why (for the logs and the status endpoint). */
  lastMalformed: Array<{ reason: string; line: string }>;
}

export function newCounts(): QueueLogCounts {
  return { lines: 0, records: 0, blank: 0, unknown: Object.create(null) as Record<string, number>, unknownTotal: 0, malformed: 0, lastMalformed: [] };
}

/** Parses a line and counts the outcome in `counts`. */
export function parseAndCount(line: string, counts: QueueLogCounts): QueueLogRecord | undefined {
  counts.lines++;
  const r = parseQueueLogLine(line);
  switch (r.kind) {
    case 'record':
      counts.records++;
      return r.record;
    case 'blank':
      counts.blank++;
      return undefined;
    case 'unknown':
      counts.unknownTotal++;
      if (r.event in counts.unknown || Object.keys(counts.unknown).length < 100) counts.unknown[r.event] = (counts.unknown[r.event] ?? 0) + 1;
      return undefined;
    case 'malformed':
      counts.malformed++;
      counts.lastMalformed.push({ reason: r.reason, line: line.slice(0, 200) });
      if (counts.lastMalformed.length > 10) counts.lastMalformed.shift();
      return undefined;
  }
}
