import { AppError } from './errors.js';

/** How long a person should wait before retrying when the server refused for lack of room. */
const BUSY_RETRY_AFTER_SECONDS = 5;

export class BusyError extends AppError {
  constructor() {
    super('server_busy', { retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS });
  }
}

interface Waiter {
  admit(): void;
  timer: NodeJS.Timeout;
}

/**
 * Caps how many expensive jobs run at once. Past the cap a job waits in a bounded queue for
 * at most `maxWaitMs`; when the queue is full or the wait runs out it fails with BusyError,
 * so a flood is answered quickly with 503 instead of piling up memory and latency.
 */
export class Semaphore {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    private readonly limit: number,
    private readonly maxWaiting: number,
    private readonly maxWaitMs: number,
  ) {}

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) this.running++;
    else await this.waitForSlot();

    try {
      return await job();
    } finally {
      this.release();
    }
  }

  private waitForSlot(): Promise<void> {
    if (this.waiting.length >= this.maxWaiting) return Promise.reject(new BusyError());
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        admit: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(new BusyError());
        }, this.maxWaitMs),
      };
      this.waiting.push(waiter);
    });
  }

  /** The slot passes straight to the next waiter, so `running` never overshoots the limit. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next.admit();
    else this.running--;
  }
}
