// What GET /api/health says about each event source (server/ingest/source-stats.ts fills it; the supervisor's
// Sources tab shows it).
export interface SourceHealth {
  /** Connected now; null for sources that are pushed to the server (HTTP, connectors). */
  connected: boolean | null;
  lastEventAt: string | null;
  /** Over the last 10 seconds. */
  eventsPerSecond: number;
  eventsTotal: number;
  rejectedTotal: number;
  /** The last 10 reasons. */
  recentRejections: { at: string; error: string }[];
  /** Anything the source adds (AMI banner, queue_log file offset, stream dead letters, …). */
  detail?: Record<string, unknown>;
}
