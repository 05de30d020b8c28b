// Request bodies of POST /api/connectors/amazon-connect: agent event stream records as a JSON array, NDJSON (one record
// per line), a single JSON object, or the Lambda Kinesis event itself ({"Records": [{"kinesis": {"data": <base64>}}]}),
// so a forwarder can pass on what it receives unchanged. Never throws.
import type { AcdEventInput } from '../../../shared/events.js';
import { type ConnectMapContext, mapConnectRecord } from './mapper.js';

export interface BodyError {
  /** Position of the record in the body: array element, non-blank NDJSON line or Kinesis record (0-based). */
  index: number;
  error: string;
}

export interface ParsedConnectBody {
  records: Array<{ index: number; record: unknown }>;
  errors: BodyError[];
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Splits a body into records. A line or element that cannot be read becomes an error with its index. */
export function parseConnectBody(text: string): ParsedConnectBody {
  const out: ParsedConnectBody = { records: [], errors: [] };
  const body = String(text ?? '').replace(/^\uFEFF/, '');
  const trimmed = body.trim();
  if (trimmed === '') return out;
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let whole: unknown;
    let parsed = false;
    try {
      whole = JSON.parse(trimmed);
      parsed = true;
    } catch (e) {
      if (trimmed.startsWith('[')) {
        out.errors.push({ index: 0, error: `body is not a valid JSON array: ${(e as Error).message}` });
        return out;
      }
      // `{` but not one JSON value: NDJSON below
    }
    if (parsed) {
      if (Array.isArray(whole)) whole.forEach((record, index) => out.records.push({ index, record }));
      else if (isObj(whole) && Array.isArray(whole.Records)) readKinesis(whole.Records, out);
      else out.records.push({ index: 0, record: whole });
      return out;
    }
  }
  let index = 0;
  for (const line of body.split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.records.push({ index, record: JSON.parse(line) as unknown });
    } catch (e) {
      out.errors.push({ index, error: `not valid JSON: ${(e as Error).message}` });
    }
    index++;
  }
  return out;
}

/** The records of a Lambda Kinesis event: each `kinesis.data` is the base64 of one agent event stream record. */
function readKinesis(list: unknown[], out: ParsedConnectBody): void {
  list.forEach((item, index) => {
    const data = isObj(item) && isObj(item.kinesis) ? item.kinesis.data : undefined;
    if (typeof data !== 'string') return out.errors.push({ index, error: 'Records[].kinesis.data: required (base64 of a record)' });
    try {
      out.records.push({ index, record: JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as unknown });
    } catch (e) {
      out.errors.push({ index, error: `kinesis.data is not base64 of JSON: ${(e as Error).message}` });
    }
  });
}

/**
 * Parses and maps a body in one go: the events of every good record in body order, and every record that could not
 * be read or mapped with its index.
 */
export function mapConnectBody(text: string, ctx: ConnectMapContext): { events: AcdEventInput[]; errors: BodyError[] } {
  const { records, errors } = parseConnectBody(text);
  const events: AcdEventInput[] = [];
  for (const { index, record } of records) {
    const r = mapConnectRecord(record, ctx);
    events.push(...r.events);
    if (r.error) errors.push({ index, error: r.error });
  }
  errors.sort((a, b) => a.index - b.index);
  return { events, errors };
}
