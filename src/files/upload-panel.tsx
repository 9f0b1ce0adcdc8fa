import { LOCALES, type MessageKey } from '../web/i18n/index.js';
import type { PageContext } from '../web/layout.js';

/** Largest file the form without scripts takes: one request, under Cloudflare's 100 MB cap. */
export const FORM_UPLOAD_MAX_BYTES = 90 * 1000 * 1000;

/** The texts the upload script shows, with their {placeholders} left for it to fill. */
const CLIENT_MESSAGES = [
  'upload.waiting',
  'upload.progress',
  'upload.paused',
  'upload.offline',
  'upload.done',
  'upload.failed',
  'upload.cancelled',
  'upload.pause',
  'upload.resume',
  'upload.cancel',
  'upload.retry',
  'upload.tooBig',
  'upload.unfinished',
  'upload.forget',
  'upload.slowOn',
] as const satisfies readonly MessageKey[];

export type ClientMessages = Record<(typeof CLIENT_MESSAGES)[number], string>;

/**
 * Without scripts this is a plain multipart form for one file. The upload script takes it
 * over: several files, a queue, pause and resume, over tus.
 */
export function UploadPanel(props: {
  ctx: PageContext;
  folderId: string | null;
  usedBytes: number;
  quotaBytes: number;
  maxUploadBytes: number;
}) {
  const { ctx } = props;
  const { t } = ctx;
  const messages = Object.fromEntries(CLIENT_MESSAGES.map((key) => [key.slice(7), t(key)]));
  return (
    <section class="card upload" aria-labelledby="upload-title">
      <h2 id="upload-title">{t('upload.title')}</h2>
      <form
        id="upload-form"
        class="stack"
        method="post"
        action="/files/upload"
        enctype="multipart/form-data"
        data-csrf={ctx.csrfToken}
        data-folder={props.folderId ?? ''}
        data-used={props.usedBytes}
        data-quota={props.quotaBytes}
        data-max={props.maxUploadBytes}
        data-locale={LOCALES[ctx.language]}
        data-messages={JSON.stringify(messages)}
      >
        {/* The fields come before the file: the server reads them first, as they stream. */}
        <input type="hidden" name="_csrf" value={ctx.csrfToken} />
        <input type="hidden" name="folder" value={props.folderId ?? ''} />
        <div class="drop-zone">
          <label for="upload-file" class="drop-title">
            {t('upload.choose')}
          </label>
          <input id="upload-file" name="file" type="file" required />
          <span class="muted drop-hint" hidden>
            {t('upload.drop')}
          </span>
        </div>
        <button type="submit">{t('upload.start')}</button>
        <noscript>
          <p class="muted">{t('upload.noScript')}</p>
        </noscript>
        <div class="slow-mode" hidden>
          <input id="slow-mode" type="checkbox" aria-describedby="slow-hint" />
          <label for="slow-mode">{t('upload.slow')}</label>
          <p id="slow-hint" class="muted">
            {t('upload.slowHint')}
          </p>
        </div>
      </form>
      <p id="upload-announce" class="visually-hidden" aria-live="polite" />
      <ul id="upload-queue" class="queue" aria-label={t('upload.queue')} />
    </section>
  );
}
