// Drives an AcdSimulator from a clock: every tick, advance to now() and hand the batch to the sink.
import type { AcdEventInput } from '../../../shared/events.js';
import type { AcdSimulator } from './simulator.js';

export interface SimulatorRunnerOptions {
  simulator: AcdSimulator;
  /** Simulated time now, epoch ms (the wall clock in production; see scaledClock for a faster demo). */
  now: () => number;
  /** Receives each non-empty batch; the next tick waits for it, so batches never overlap. */
  sink: (events: AcdEventInput[]) => Promise<unknown>;
  /** Delay between the end of one tick and the start of the next; default 500 ms. */
  tickMs?: number;
  /** Gets errors thrown by the simulator or the sink; the loop carries on. Default: console.error. */
  onError?: (err: unknown) => void;
}

export function startSimulator(opts: SimulatorRunnerOptions): { stop(): void } {
  const tickMs = opts.tickMs ?? 500;
  const onError = opts.onError ?? ((err: unknown) => console.error('simulator tick failed', err));
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const tick = async (): Promise<void> => {
    timer = undefined;
    try {
      const batch = opts.simulator.advanceTo(opts.now());
      // A failed sink loses that batch: the simulator has moved on, and replaying it would duplicate ids downstream.
      if (batch.length > 0) await opts.sink(batch);
    } catch (err) {
      try {
        onError(err);
      } catch {
        // An error handler that throws must not stop the loop.
      }
    }
    // setTimeout chaining (not setInterval): the next tick is only armed once this one, sink included, is done.
    if (!stopped) timer = setTimeout(() => void tick(), tickMs);
  };

  timer = setTimeout(() => void tick(), 0);
  return {
    stop(): void {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}

/**
 * A clock running `speed` times faster than `realNow`, starting at `originMs` (simulated) when it is created.
 * For demos: startSimulator({ now: scaledClock(start, 10), ... }) shows an hour in 6 minutes.
 */
export function scaledClock(originMs: number, speed: number, realNow: () => number = Date.now): () => number {
  if (!(speed > 0)) throw new RangeError('speed must be positive');
  const realOrigin = realNow();
  return () => originMs + Math.floor((realNow() - realOrigin) * speed);
}
