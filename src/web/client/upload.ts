import { defaultOptions, Upload } from 'tus-js-client';
import { fill, formatSize } from './rate.js';
import { fingerprintOf, type Messages, type QueueContext, QueueItem } from './upload-item.js';

// Below about 1 Mbit/s, one file at a time in small chunks loses the least to a drop.
const SLOW_BYTES_PER_SECOND = 128 * 1024;
const SLOW_KEY = 'khaznati.slowConnection';

const form = document.querySelector<HTMLFormElement>('#upload-form');
if (form) setUp(form);

function setUp(form: HTMLFormElement) {
  const data = form.dataset;
  const messages: Messages = JSON.parse(data.messages ?? '{}');
  const locale = data.locale ?? 'en';
  const quota = Number(data.quota);
  const used = Number(data.used);
  const input = form.querySelector<HTMLInputElement>('#upload-file')!;
  const queue = document.querySelector<HTMLElement>('#upload-queue')!;
  const announce = document.querySelector<HTMLElement>('#upload-announce')!;
  const slowBox = form.querySelector<HTMLInputElement>('#slow-mode')!;
  const dropZone = form.querySelector<HTMLElement>('.drop-zone')!;
  const items: QueueItem[] = [];
  // One transfer until the link has been measured: on a weak link, parallel uploads only
  // share the same few kbit/s and all lose their chunk when it drops.
  let linkMeasured = false;
  let slowChosenByHand = localStorage.getItem(SLOW_KEY) !== null;
  slowBox.checked = localStorage.getItem(SLOW_KEY) === '1';

  input.multiple = true;
  input.required = false;
  form.querySelector('button[type="submit"]')?.setAttribute('hidden', '');
  for (const hidden of Array.from(form.querySelectorAll<HTMLElement>('.slow-mode, .drop-hint'))) {
    hidden.hidden = false;
  }

  const ctx: QueueContext = {
    csrf: data.csrf ?? '',
    folder: data.folder ?? '',
    locale,
    messages,
    slow: () => slowBox.checked,
    changed: () => {
      detectSlowLink();
      schedule();
    },
  };

  function schedule() {
    const limit = slowBox.checked || !(linkMeasured || slowChosenByHand) ? 1 : 3;
    let running = items.filter((item) => item.state === 'running').length;
    for (const item of items) {
      if (running >= limit) break;
      if (item.state !== 'waiting') continue;
      running++;
      item.start();
    }
    const busy = items.some((item) => item.state === 'waiting' || item.state === 'running');
    const failed = items.some((item) => item.state === 'failed');
    if (!busy && !failed && items.some((item) => item.state === 'done')) {
      // Show the new files in the listing once the queue is through.
      setTimeout(() => window.location.reload(), 800);
    }
  }

  function detectSlowLink() {
    if (slowBox.checked || slowChosenByHand) return;
    const measured = items.filter((item) => item.state === 'running' && item.meter.span() >= 2000);
    if (measured.length === 0) return;
    linkMeasured = true;
    const total = measured.reduce((sum, item) => sum + item.meter.average(), 0);
    if (total >= SLOW_BYTES_PER_SECOND) return;
    slowBox.checked = true;
    slowChosenByHand = true;
    announce.textContent = messages.slowOn ?? '';
  }

  function committedBytes(): number {
    const counted = items.filter((item) => item.state !== 'failed' && item.state !== 'cancelled');
    return used + counted.reduce((sum, item) => sum + item.file.size, 0);
  }

  function enqueue(files: File[]) {
    for (const file of files) {
      const free = quota - committedBytes();
      const item = new QueueItem(file, ctx);
      const key = `tus::${fingerprintOf(file, ctx.folder)}::`;
      for (const row of Array.from(queue.querySelectorAll<HTMLElement>('[data-fingerprint]'))) {
        if (row.dataset.fingerprint?.startsWith(key)) row.remove();
      }
      queue.append(item.row);
      if (file.size > free) {
        item.refuse(fill(messages.tooBig ?? '', { free: formatSize(Math.max(0, free), locale) }));
      }
      items.push(item);
    }
    schedule();
  }

  input.addEventListener('change', () => {
    if (input.files) enqueue(Array.from(input.files));
    input.value = '';
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (input.files) enqueue(Array.from(input.files));
  });
  slowBox.addEventListener('change', () => {
    slowChosenByHand = true;
    localStorage.setItem(SLOW_KEY, slowBox.checked ? '1' : '0');
    schedule();
  });
  for (const type of ['dragenter', 'dragover']) {
    dropZone.addEventListener(type, (event) => {
      event.preventDefault();
      dropZone.classList.add('dragging');
    });
  }
  dropZone.addEventListener('dragleave', () => dropZone.classList.remove('dragging'));
  dropZone.addEventListener('drop', (event) => {
    event.preventDefault();
    dropZone.classList.remove('dragging');
    if (event.dataTransfer?.files) enqueue(Array.from(event.dataTransfer.files));
  });
  window.addEventListener('online', () => {
    for (const item of items) item.kick();
  });

  showUnfinished(queue, ctx);
}

/** Uploads a reload interrupted: choosing the same file again resumes it. */
async function showUnfinished(queue: HTMLElement, ctx: QueueContext) {
  const stored = await defaultOptions.urlStorage.findAllUploads();
  for (const entry of stored) {
    if (entry.metadata?.folder !== ctx.folder || !entry.uploadUrl) continue;
    const row = document.createElement('li');
    const name = document.createElement('bdi');
    name.className = 'name';
    name.textContent = entry.metadata.filename ?? '';
    const status = document.createElement('span');
    status.className = 'status';
    status.textContent = ctx.messages.unfinished ?? '';
    const forget = document.createElement('button');
    forget.type = 'button';
    forget.className = 'link';
    forget.textContent = ctx.messages.forget ?? '';
    forget.addEventListener('click', () => {
      row.remove();
      defaultOptions.urlStorage.removeUpload(entry.urlStorageKey).catch(() => {});
      // Ending it on the server gives back the space it reserved.
      Upload.terminate(entry.uploadUrl!, { headers: { 'X-CSRF-Token': ctx.csrf } }).catch(() => {});
    });
    row.append(name, forget, status);
    row.dataset.fingerprint = entry.urlStorageKey;
    queue.append(row);
  }
}
