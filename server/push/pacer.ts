// How often each view (socket.io room) may be pushed: its pushes may take at most a set share of the service's time.
// A push's cost is cutting the snapshot for the view and serialising it (socket.io serialises once per room): a
// view whose last push took d ms gets its next no sooner than d / share later. At 10,000 agents the supervisor's
// whole snapshot is some 12.6 MB and takes 70-110 ms to serialise here: pushed every tick (4 times a second) it would
// be 50 MB a second to each supervisor's browser, more than it can parse, and most of the service's time. With a share
// of 10% it goes about once a second, while the board and a small floor's screens (a few ms) keep every tick.
// Pure: the caller passes the times.

/** The share of the service's time one view's pushes may take. */
export const PUSH_TIME_SHARE = 0.1;

export class PushPacer<T> {
  private readonly views = new Map<string, { nextAt: number; sent: T | null }>();

  /**
   * `earlyMs`: a view is due this long before its turn. The hub looks once a tick and its pushes start a little
   * earlier or later in each tick: half a tick keeps a view whose turn falls just after a tick from waiting a whole
   * one more (a board pushed to 200 screens in 20 ms is due again after 200 ms, and must not miss the next tick).
   */
  constructor(
    private readonly earlyMs = 0,
    private readonly share = PUSH_TIME_SHARE,
  ) {}

  /** Whether `view` should be pushed `latest` at `now`: it has not had it yet, and its turn has come. */
  due(view: string, latest: T, now: number): boolean {
    const v = this.views.get(view);
    return !v || (v.sent !== latest && now >= v.nextAt - this.earlyMs);
  }

  /** Records that `view` was pushed `snapshot`, the push taking from startedAt to endedAt. */
  sent(view: string, snapshot: T, startedAt: number, endedAt: number): void {
    this.views.set(view, { sent: snapshot, nextAt: startedAt + Math.max(0, endedAt - startedAt) / this.share });
  }

  /** Forgets the views not in `current` (rooms that emptied). */
  keepOnly(current: ReadonlySet<string>): void {
    for (const view of this.views.keys()) if (!current.has(view)) this.views.delete(view);
  }
}
