import { formatBytes, formatDate, formatDay } from '../web/format.js';
import { Layout, Notice, type PageContext } from '../web/layout.js';
import type { NoticeKind } from './links.js';
import { TRASH_RETENTION_MS, type TrashListing } from './trash.js';

export function TrashPage(props: { ctx: PageContext; trash: TrashListing; notice?: NoticeKind }) {
  const { ctx, trash } = props;
  const { t, language } = ctx;
  const purgeDay = (deletedAt: Date | null) =>
    formatDay(new Date((deletedAt ?? new Date()).getTime() + TRASH_RETENTION_MS), language);
  const empty = trash.folders.length === 0 && trash.files.length === 0;
  return (
    <Layout ctx={ctx} title={t('trash.title')}>
      <h1>{t('trash.title')}</h1>
      {props.notice && <Notice text={t(`notice.${props.notice}`)} />}
      <p class="muted">{t('trash.intro')}</p>
      {empty ? (
        <p>{t('trash.empty')}</p>
      ) : (
        <>
          <form id="trash" method="post" action="/trash">
            <input type="hidden" name="_csrf" value={ctx.csrfToken} />
            <table class="files">
              <thead>
                <tr>
                  <th scope="col">{t('files.name')}</th>
                  <th scope="col">{t('files.size')}</th>
                  <th scope="col">{t('trash.deletedAt')}</th>
                  <th scope="col">{t('trash.purgeAt')}</th>
                  <th scope="col">{t('files.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {trash.folders.map((folder) => (
                  <tr key={folder.id}>
                    <td class="name">
                      <span class="folder-link">
                        <bdi>{folder.name}</bdi>
                      </span>
                    </td>
                    <td class="muted">{t('trash.folderContents')}</td>
                    <td data-label={t('trash.deletedAt')}>
                      {folder.deletedAt && formatDate(folder.deletedAt, language)}
                    </td>
                    <td data-label={t('trash.purgeAt')}>{purgeDay(folder.deletedAt)}</td>
                    <td>
                      <div class="actions">
                        <button type="submit" formaction={`/folders/${folder.id}/restore`}>
                          {t('trash.restore')}
                        </button>
                      </div>
                    </td>
                  </tr>
                ))}
                {trash.files.map((file) => (
                  <tr key={file.id}>
                    <td class="name">
                      <bdi>{file.name}</bdi>
                    </td>
                    <td>{formatBytes(file.size, language)}</td>
                    <td data-label={t('trash.deletedAt')}>
                      {file.deletedAt && formatDate(file.deletedAt, language)}
                    </td>
                    <td data-label={t('trash.purgeAt')}>{purgeDay(file.deletedAt)}</td>
                    <td>
                      <div class="actions">
                        <button type="submit" formaction={`/files/${file.id}/restore`}>
                          {t('trash.restore')}
                        </button>
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </form>
          <section class="card" aria-labelledby="empty-title">
            <h2 id="empty-title">{t('trash.emptyTitle')}</h2>
            <p>{t('trash.emptyWarning')}</p>
            <form method="post" action="/trash/empty">
              <input type="hidden" name="_csrf" value={ctx.csrfToken} />
              <button type="submit" class="danger-button">
                {t('trash.emptyButton')}
              </button>
            </form>
          </section>
        </>
      )}
    </Layout>
  );
}
