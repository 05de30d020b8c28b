// Whether the figures on screen are stale, and the words for the banner: shared by every screen.
import type { I18n, MessageKey } from './i18n.js';
import type { Live } from './live.svelte.js';

export interface StaleInfo {
  /** "STALE - last update 09:38:52 (2 min ago)". */
  text: string;
  /** Why: connection lost, server not answering, ACD feed silent. */
  reason: string;
}

/** Null while the figures are live. Reads `live`'s reactive state, so call it inside $derived. */
export function staleInfo(live: Live, i18n: I18n): StaleInfo | null {
  if (!live.stale) return null;
  const snap = live.snapshot;
  const now = live.serviceNow;
  const tz = snap?.site.timeZone;
  const feedStale = live.connected && !live.unresponsive && (snap?.feed.stale ?? false);
  let at: number | null = null;
  let ago: number | null = null;
  if (feedStale) {
    const last = snap?.feed.lastEventAt ? Date.parse(snap.feed.lastEventAt) : NaN;
    if (Number.isFinite(last)) {
      at = last;
      ago = (now - last) / 1000;
    }
  } else if (live.lastUpdateAt !== null) {
    // When we received the last snapshot, on the service clock (same clock as the header).
    at = live.lastUpdateAt + live.clockOffsetMs;
    ago = (live.now - live.lastUpdateAt) / 1000;
  }
  const reason: MessageKey = feedStale ? 'staleReasonFeed' : live.connected ? 'staleReasonServer' : 'staleReasonConnection';
  return {
    text: at === null || ago === null ? i18n.t('staleNever') : i18n.t('staleBanner', { time: i18n.clock(at, tz), ago: i18n.ago(ago) }),
    reason: i18n.t(reason),
  };
}
