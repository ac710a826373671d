// The audible alarm and the visual flash. Browsers keep audio off until the page is clicked,
// so the console shows "click to enable sound" until an AudioContext is running.
// The tone sounds while any alarming alert is unacknowledged: each acknowledgement removes
// its alert from the set, and the tone stops when the set is empty.

const PATTERN_MS = 1200;
// Two tones a fifth apart: heard over a busy room, not mistaken for a phone.
const TONES_HZ = [880, 587];

export class Alarm {
  private context: AudioContext | null = null;
  private sounding = new Set<string>();
  private timer: number | undefined;

  constructor(private readonly onAudioState: (enabled: boolean) => void) {}

  get enabled(): boolean {
    return this.context?.state === "running";
  }

  /** Start audio from a click (the browser's autoplay rule). */
  async enable(): Promise<void> {
    this.context ??= new AudioContext();
    await this.context.resume();
    this.onAudioState(this.enabled);
    this.schedule();
  }

  /** The alerts that should sound now; sound stops when none is left. */
  set(alertIds: Iterable<string>): void {
    this.sounding = new Set(alertIds);
    this.schedule();
  }

  private schedule(): void {
    if (this.sounding.size === 0 || !this.enabled) {
      window.clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    if (this.timer === undefined) {
      this.beep();
      this.timer = window.setInterval(() => this.beep(), PATTERN_MS);
    }
  }

  private beep(): void {
    const context = this.context;
    if (context === null) return;
    TONES_HZ.forEach((frequency, i) => {
      const start = context.currentTime + i * 0.3;
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.type = "square";
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.2, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.28);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start(start);
      oscillator.stop(start + 0.3);
    });
  }
}

/** Flash the frame once for a new take-shelter alert. */
export function flash(frame: HTMLElement): void {
  frame.classList.remove("tb-flash");
  void frame.offsetWidth; // restart the CSS animation
  frame.classList.add("tb-flash");
}
