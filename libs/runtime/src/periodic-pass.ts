/**
 * The timer of a sweeper: runs a pass every `intervalMs` without keeping the process alive, lets
 * concurrent callers (the timer, a test, a second tick while a slow pass runs) share the pass in
 * progress instead of starting another, and on shutdown waits for the pass in hand.
 */
export class PeriodicPass {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  /** The pass in progress, or `pass()` started now. */
  run(pass: () => Promise<number>): Promise<number> {
    this.running ??= pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  every(intervalMs: number, tick: () => void): void {
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }
}
