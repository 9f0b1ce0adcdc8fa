import { formatBytes, formatDate } from '../web/format.js';
import { Layout, type PageContext } from '../web/layout.js';
import type { FileRow } from './files.js';

export function FilesPage(props: {
  ctx: PageContext;
  files: FileRow[];
  usedBytes: number;
  quotaBytes: number;
  notice?: string;
}) {
  const { ctx, files } = props;
  const { t, language } = ctx;
  return (
    <Layout ctx={ctx} title={t('files.title')} scripts={['upload.js']}>
      <h1>{t('files.title')}</h1>
      {props.notice && (
        <p class="alert" role="status">
          {props.notice}
        </p>
      )}
      <p class="muted">
        {t('files.usage', {
          used: formatBytes(props.usedBytes, language),
          quota: formatBytes(props.quotaBytes, language),
        })}
      </p>

      <section class="card" aria-labelledby="upload-title">
        <h2 id="upload-title">{t('upload.title')}</h2>
        <form id="upload-form" class="stack" data-csrf={ctx.csrfToken}>
          <label for="upload-file">{t('upload.choose')}</label>
          <input id="upload-file" name="file" type="file" required />
          <button type="submit">{t('upload.start')}</button>
          <progress id="upload-progress" max={100} value={0} hidden />
          <p id="upload-status" class="muted" aria-live="polite" />
        </form>
        <noscript>
          <p class="muted">{t('upload.noScript')}</p>
        </noscript>
      </section>

      {files.length === 0 ? (
        <p>{t('files.empty')}</p>
      ) : (
        <table class="files">
          <thead>
            <tr>
              <th scope="col">{t('files.name')}</th>
              <th scope="col">{t('files.size')}</th>
              <th scope="col">{t('files.date')}</th>
              <th scope="col">{t('files.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {files.map((file) => (
              <tr key={file.id}>
                <td>
                  <bdi>{file.name}</bdi>
                </td>
                <td>{formatBytes(file.size, language)}</td>
                <td>{formatDate(file.createdAt, language)}</td>
                <td class="actions">
                  <a href={`/files/${file.id}/download`} download>
                    {t('files.download')}
                  </a>
                  <form method="post" action={`/files/${file.id}/delete`} class="inline">
                    <input type="hidden" name="_csrf" value={ctx.csrfToken} />
                    <button type="submit" class="link danger">
                      {t('files.delete')}
                    </button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}
