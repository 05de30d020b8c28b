// The Amazon Connect connector behind POST /api/connectors/amazon-connect: maps agent event stream records into our
// events and sends them through the source's sink. Requests are handled one at a time, each mapped into a copy of
// the mapper state that is kept only once its events are applied, so a failed request can be sent again unchanged.
import type { IngestResult } from '../pipeline.js';
import type { SourceSink } from '../sources.js';
import { cloneConnectMapperState, expireStaleAgents, mapConnectBody, newConnectMapperState, type ConnectMappingConfig } from './index.js';

export interface ConnectorAnswer extends IngestResult {
  /** Records that could not be read or mapped, with their position in the body. */
  recordErrors: { index: number; error: string }[];
  events: number;
}

export class AmazonConnectConnector {
  private state = newConnectMapperState();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly sink: SourceSink,
    private readonly config: ConnectMappingConfig,
    private readonly now: () => number,
  ) {}

  handle(body: string): Promise<ConnectorAnswer> {
    const run = this.queue.then(async () => {
      const draft = cloneConnectMapperState(this.state);
      const { events, errors } = mapConnectBody(body, { config: this.config, state: draft, now: this.now });
      const result = await this.sink(events);
      if (result.failed.length === 0) this.state = draft;
      return { ...result, recordErrors: errors, events: events.length };
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Agents whose heartbeats stopped are logged out (call it every minute or so). */
  expireStale(): Promise<unknown> {
    const run = this.queue.then(async () => {
      const events = expireStaleAgents(this.state, this.now());
      if (events.length) await this.sink(events);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}
