import { type DetailedError, Upload } from 'tus-js-client';
import { fill, formatDuration, formatPercent, formatSpeed, RateMeter } from './rate.js';

// Chunks stay under the 100 MB request body cap of a Cloudflare free plan.
export const CHUNK_SIZE = 50 * 1024 * 1024;
// On a slow link a chunk lost to a dropped connection is sent again whole: keep them small.
export const SLOW_CHUNK_SIZE = 2 * 1024 * 1024;
// Keep trying for a long while: on a mobile link a dropped connection is normal.
const RETRY_DELAYS = [0, 1000, 3000, 5000, 10_000, 20_000, 30_000, ...Array(60).fill(60_000)];

export type Messages = Record<string, string>;
export type State = 'waiting' | 'running' | 'paused' | 'done' | 'failed' | 'cancelled';

export interface QueueContext {
  csrf: string;
  folder: string;
  locale: string;
  messages: Messages;
  slow(): boolean;
  /** Told of every change of state, and of bytes sent. */
  changed(item: QueueItem): void;
}

/** Lets a file chosen again after a reload find its unfinished upload, in this folder. */
export function fingerprintOf(file: File, folder: string): string {
  return ['khaznati', file.name, file.type, file.size, file.lastModified, folder].join('-');
}

function button(label: string, onClick: () => void): HTMLButtonElement {
  const element = document.createElement('button');
  element.type = 'button';
  element.className = 'link';
  element.textContent = label;
  element.addEventListener('click', onClick);
  return element;
}

/** One file of the queue: its row on the page and its tus upload. */
export class QueueItem {
  state: State = 'waiting';
  sent = 0;
  readonly meter = new RateMeter();
  readonly row = document.createElement('li');
  private readonly progress = document.createElement('progress');
  private readonly status = document.createElement('span');
  private readonly controls = document.createElement('span');
  private readonly upload: Upload;

  constructor(
    readonly file: File,
    private readonly ctx: QueueContext,
  ) {
    const name = document.createElement('bdi');
    name.className = 'name';
    name.textContent = file.name;
    this.progress.max = 100;
    this.progress.value = 0;
    this.progress.setAttribute('aria-label', file.name);
    this.status.className = 'status';
    this.controls.className = 'controls';
    this.row.append(name, this.controls, this.progress, this.status);

    this.upload = new Upload(file, {
      endpoint: '/uploads',
      retryDelays: RETRY_DELAYS,
      metadata: { filename: file.name, folder: ctx.folder },
      headers: { 'X-CSRF-Token': ctx.csrf },
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      fingerprint: (source) => Promise.resolve(fingerprintOf(source as File, ctx.folder)),
      onProgress: (sent, total) => this.onProgress(sent, total),
      onShouldRetry: (error) => this.shouldRetry(error),
      onError: (error) => this.fail(error),
      onSuccess: () => this.set('done', this.text('done')),
    });
    this.set('waiting', this.text('waiting'));
  }

  private text(key: string, values: Record<string, string> = {}): string {
    return fill(this.ctx.messages[key] ?? key, values);
  }

  private set(state: State, status: string) {
    this.state = state;
    this.status.textContent = status;
    this.status.classList.toggle('failed', state === 'failed');
    const controls: HTMLButtonElement[] = [];
    if (state === 'running') controls.push(button(this.text('pause'), () => this.pause()));
    if (state === 'paused') controls.push(button(this.text('resume'), () => this.start()));
    if (state === 'failed') controls.push(button(this.text('retry'), () => this.start()));
    if (state === 'running' || state === 'paused' || state === 'waiting') {
      controls.push(button(this.text('cancel'), () => this.cancel()));
    }
    this.controls.replaceChildren(...controls);
    this.ctx.changed(this);
  }

  /** Refused before starting: the reason shows, and nothing is sent. */
  refuse(reason: string) {
    this.set('failed', reason);
    this.controls.replaceChildren();
  }

  async start() {
    this.set('running', this.text('waiting'));
    this.meter.reset();
    this.upload.options.chunkSize = this.ctx.slow() ? SLOW_CHUNK_SIZE : CHUNK_SIZE;
    const previous = await this.upload.findPreviousUploads();
    if (previous[0]) this.upload.resumeFromPreviousUpload(previous[0]);
    this.upload.start();
  }

  pause() {
    this.upload.abort();
    this.set('paused', this.text('paused', { percent: this.percent() }));
  }

  cancel() {
    // Ends the upload on the server too, which gives its reserved space back.
    this.upload.abort(true).catch(() => {});
    this.set('cancelled', this.text('cancelled'));
  }

  /** After the connection came back: try at once instead of waiting out the back-off. */
  kick() {
    if (this.state !== 'running') return;
    this.upload.abort().then(() => this.upload.start());
  }

  private percent(): string {
    return formatPercent(this.file.size ? this.sent / this.file.size : 1, this.ctx.locale);
  }

  private onProgress(sent: number, total: number) {
    this.sent = sent;
    this.meter.sample(sent);
    this.progress.value = total ? (sent / total) * 100 : 100;
    const speed = this.meter.speed;
    const left = speed > 0 ? formatDuration((total - sent) / speed, this.ctx.locale) : '…';
    this.status.textContent = this.text('progress', {
      percent: this.percent(),
      speed: speed > 0 ? formatSpeed(speed, this.ctx.locale) : '…',
      left,
    });
    this.ctx.changed(this);
  }

  private shouldRetry(error: DetailedError): boolean {
    const status = error.originalResponse?.getStatus() ?? 0;
    // A lost connection is retried even while the browser says it is offline.
    if (status === 0) this.status.textContent = this.text('offline');
    return !(status >= 400 && status < 500 && status !== 409 && status !== 423);
  }

  private fail(error: Error | DetailedError) {
    const response = 'originalResponse' in error ? error.originalResponse : null;
    const reason = response?.getBody()?.trim() || error.message;
    this.set('failed', this.text('failed', { reason }));
  }
}
