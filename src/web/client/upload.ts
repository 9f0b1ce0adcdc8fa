import { Upload } from 'tus-js-client';

// Chunks stay under the 100 MB request body cap of a Cloudflare free plan.
const CHUNK_SIZE = 50 * 1024 * 1024;
// Keep trying for a long while: on a mobile link a dropped connection is normal.
const RETRY_DELAYS = [0, 1000, 3000, 5000, 10_000, 20_000, 30_000, ...Array(60).fill(60_000)];

const form = document.querySelector<HTMLFormElement>('#upload-form');
const input = document.querySelector<HTMLInputElement>('#upload-file');
const progress = document.querySelector<HTMLProgressElement>('#upload-progress');
const status = document.querySelector<HTMLElement>('#upload-status');

function formatSpeed(bytesPerSecond: number): string {
  if (bytesPerSecond >= 1024 * 1024) return `${(bytesPerSecond / 1024 / 1024).toFixed(1)} MB/s`;
  return `${Math.max(0, bytesPerSecond / 1024).toFixed(0)} KB/s`;
}

function say(text: string) {
  if (status) status.textContent = text;
}

function startUpload(file: File, csrf: string) {
  let lastBytes = 0;
  let lastTime = performance.now();
  let speed = 0;

  const upload = new Upload(file, {
    endpoint: '/uploads',
    chunkSize: CHUNK_SIZE,
    retryDelays: RETRY_DELAYS,
    metadata: { filename: file.name },
    headers: { 'X-CSRF-Token': csrf },
    // The fingerprint lets a reloaded page find the upload and resume it.
    storeFingerprintForResuming: true,
    removeFingerprintOnSuccess: true,
    onProgress(sent, total) {
      const now = performance.now();
      if (now - lastTime >= 1000) {
        speed = ((sent - lastBytes) * 1000) / (now - lastTime);
        lastBytes = sent;
        lastTime = now;
      }
      const percent = total ? (sent / total) * 100 : 0;
      if (progress) {
        progress.hidden = false;
        progress.value = percent;
      }
      say(`${percent.toFixed(1)}% · ${formatSpeed(speed)}`);
    },
    onError(error) {
      const response = (error as { originalResponse?: { getBody(): string } }).originalResponse;
      say(response?.getBody() || error.message);
    },
    onSuccess() {
      say(document.documentElement.dataset.doneText ?? 'Upload complete.');
      window.location.reload();
    },
  });

  upload.findPreviousUploads().then((previous) => {
    const match = previous.find((candidate) => candidate.size === file.size);
    if (match) upload.resumeFromPreviousUpload(match);
    upload.start();
  });

  // When the phone comes back online, carry on at once rather than after the back-off.
  window.addEventListener('online', () => {
    upload.abort().then(() => upload.start());
  });
}

form?.addEventListener('submit', (event) => {
  event.preventDefault();
  const file = input?.files?.[0];
  if (!file) return;
  startUpload(file, form.dataset.csrf ?? '');
});
