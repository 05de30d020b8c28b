// The push hub's pacing of each view (server/push/pacer.ts): a view's pushes take at most 10% of the service's time.
import { describe, expect, it } from 'vitest';
import { PushPacer } from '../../server/push/pacer.js';

describe('push pacing per view', () => {
  it('pushes a cheap view every snapshot and waits ten times its last push for a costly one', () => {
    const pacer = new PushPacer<string>();
    // t = 0: both views get snapshot s1; the board's push took 2 ms, the supervisor's 80 ms
    expect(pacer.due('view:board', 's1', 0)).toBe(true);
    pacer.sent('view:board', 's1', 0, 2);
    expect(pacer.due('view:full', 's1', 2)).toBe(true);
    pacer.sent('view:full', 's1', 2, 82);
    // the next tick, t = 250: the board (due from 0 + 2 / 0.1 = 20) gets s2; the supervisor waits until 2 + 80 / 0.1 = 802
    expect(pacer.due('view:board', 's2', 250)).toBe(true);
    expect(pacer.due('view:full', 's2', 250)).toBe(false);
    expect(pacer.due('view:full', 's2', 801)).toBe(false);
    // at its turn it gets the latest snapshot, whatever came in between (s4, not s2)
    expect(pacer.due('view:full', 's4', 802)).toBe(true);
  });

  it('takes a view a little before its turn (the hub looks once a tick, and ticks jitter)', () => {
    const pacer = new PushPacer<string>(125); // half of a 250-ms tick
    // pushed to 200 screens in 24 ms at t = 30: its turn is at 30 + 240 = 270, it is due from 145
    pacer.sent('view:board', 's1', 30, 54);
    expect(pacer.due('view:board', 's2', 144)).toBe(false);
    // the next tick's push starts at 265 (a faster snapshot than the last): not a tick missed
    expect(pacer.due('view:board', 's2', 265)).toBe(true);
  });

  it('never pushes a view the same snapshot twice, and starts again for a room that emptied', () => {
    const pacer = new PushPacer<string>();
    pacer.sent('view:full', 's1', 0, 1);
    expect(pacer.due('view:full', 's1', 10_000)).toBe(false);
    expect(pacer.due('view:full', 's2', 10_000)).toBe(true);
    // the room emptied after a costly push; a screen that opens it again is pushed at once
    pacer.sent('view:full', 's2', 10_000, 10_100);
    pacer.keepOnly(new Set(['view:board']));
    expect(pacer.due('view:full', 's3', 10_150)).toBe(true);
  });
});
