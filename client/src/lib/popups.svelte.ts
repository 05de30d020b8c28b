// Pop-ups for new alerts (the team lead's view): a desktop notification when the browser allows it, otherwise an
// in-page toast that stays until the alert is acknowledged, cleared or dismissed; and an optional short beep.
// Alerts already there when the page opens are not "new" (the page lists them instead); an alert that is
// acknowledged or cleared closes its toast and notification, wherever that happened.
import type { Alert } from '../../../shared/snapshot.js';
import { needsAttention } from './alerts.js';

const SOUND_KEY = 'floorwatch.alertSound';

export type Permission = NotificationPermission | 'unsupported';

export interface PopupText {
  title: string;
  body: string;
}

function storedSound(): boolean {
  try {
    return localStorage.getItem(SOUND_KEY) === 'on';
  } catch {
    return false;
  }
}

export class AlertPopups {
  /** Ids of the alerts shown as toasts, oldest first. */
  toasts = $state<string[]>([]);
  /** Whether desktop notifications may be shown. */
  permission = $state<Permission>(typeof Notification === 'undefined' ? 'unsupported' : Notification.permission);
  /** Beep on a new alert (stored in this browser; off until the user turns it on). */
  sound = $state(storedSound());

  #seen = new Set<string>();
  #primed = false;
  #notifications = new Map<string, Notification>();
  #audio: AudioContext | null = null;
  #onclick: (id: string) => void;

  /** `onclick`: a notification was clicked (show that alert on the page). */
  constructor(onclick: (id: string) => void = () => {}) {
    this.#onclick = onclick;
  }

  /**
   * Feed every snapshot's alerts for the viewer's teams. The first call only records what is there; after that, an
   * alert with an id not seen before that still needs someone pops up.
   */
  update(alerts: readonly Alert[], text: (a: Alert) => PopupText): void {
    if (!this.#primed) {
      for (const a of alerts) this.#seen.add(a.id);
      this.#primed = true;
      return;
    }
    const fresh: Alert[] = [];
    for (const a of alerts) {
      if (this.#seen.has(a.id)) continue;
      this.#seen.add(a.id);
      if (needsAttention(a)) fresh.push(a);
    }
    for (const a of fresh) this.#pop(a, text(a));
    if (fresh.length && this.sound) this.beep(fresh.some((a) => a.severity === 'critical') ? 2 : 1);

    // Acknowledged (here or on another screen), cleared, or gone: close it.
    const open = new Set(alerts.filter(needsAttention).map((a) => a.id));
    if (this.toasts.some((id) => !open.has(id))) this.toasts = this.toasts.filter((id) => open.has(id));
    for (const [id, n] of this.#notifications) {
      if (open.has(id)) continue;
      n.close();
      this.#notifications.delete(id);
    }
  }

  dismiss(id: string): void {
    this.toasts = this.toasts.filter((x) => x !== id);
  }

  /** Asks the browser for permission (call from a click). */
  async requestPermission(): Promise<void> {
    if (typeof Notification === 'undefined') return;
    try {
      this.permission = await Notification.requestPermission();
    } catch {
      this.permission = Notification.permission;
    }
  }

  setSound(on: boolean): void {
    this.sound = on;
    try {
      localStorage.setItem(SOUND_KEY, on ? 'on' : 'off');
    } catch {
      // Private mode: the choice lasts for this page only.
    }
    // Turning it on is a click: the moment the browser lets a page start audio. Let the user hear it.
    if (on) this.beep(1);
  }

  /** A short beep (two for a critical alert), made with WebAudio: no sound file to load. */
  beep(times = 1): void {
    try {
      const Ctx = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
      if (!Ctx) return;
      const ctx = (this.#audio ??= new Ctx());
      void ctx.resume();
      for (let i = 0; i < times; i++) {
        const t0 = ctx.currentTime + 0.02 + i * 0.28;
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.type = 'sine';
        osc.frequency.setValueAtTime(880, t0);
        gain.gain.setValueAtTime(0.0001, t0);
        gain.gain.exponentialRampToValueAtTime(0.25, t0 + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.2);
        osc.connect(gain).connect(ctx.destination);
        osc.start(t0);
        osc.stop(t0 + 0.22);
      }
    } catch {
      // No audio device, or the browser refused: the pop-up itself still shows.
    }
  }

  close(): void {
    for (const n of this.#notifications.values()) n.close();
    this.#notifications.clear();
    void this.#audio?.close().catch(() => {});
    this.#audio = null;
  }

  #pop(a: Alert, text: PopupText): void {
    if (this.permission === 'granted' && typeof Notification !== 'undefined' && Notification.permission === 'granted') {
      try {
        const n = new Notification(text.title, { body: text.body, tag: `floorwatch-${a.id}`, requireInteraction: true });
        n.onclick = () => {
          window.focus();
          this.#onclick(a.id);
          n.close();
        };
        this.#notifications.set(a.id, n);
        return;
      } catch {
        // Some browsers (Android Chrome) only notify from a service worker: fall back to the toast.
      }
    }
    if (!this.toasts.includes(a.id)) this.toasts = [...this.toasts, a.id];
  }
}
