import type { ComponentChildren } from 'preact';
import { formatBytes } from '../web/format.js';
import { Isolated } from '../web/isolated.js';
import { Layout, Notice, type PageContext } from '../web/layout.js';
import { EntriesTable, type TableView } from './entries-table.js';
import type { Crumb } from './folders.js';
import { filesUrl, type NoticeKind } from './links.js';
import { UploadPanel } from './upload-panel.js';

export interface FilesPageProps {
  ctx: PageContext;
  /** The folders from the top down to the one shown; empty at the top. */
  crumbs: Crumb[];
  view: TableView;
  choices: Crumb[];
  usedBytes: number;
  quotaBytes: number;
  maxUploadBytes: number;
  notice?: NoticeKind;
}

export function FilesPage(props: FilesPageProps) {
  const { ctx, crumbs, view } = props;
  const { t } = ctx;
  const search = view.params.q;
  const folder = crumbs.at(-1);
  const title = search
    ? t('files.searchResults', { query: search })
    : (folder?.name ?? t('files.title'));
  const empty = view.listing.total === 0;
  return (
    <Layout ctx={ctx} title={title} scripts={search ? [] : ['upload.js']}>
      {search ? (
        <h1>
          <Isolated template={t('files.searchResults')} values={{ query: search }} />
        </h1>
      ) : (
        <>
          <Breadcrumbs ctx={ctx} crumbs={crumbs} />
          <h1>
            <bdi>{title}</bdi>
          </h1>
        </>
      )}
      {props.notice && (
        <Notice text={t(`notice.${props.notice}`)}>
          {props.notice === 'trashed' && <a href="/trash">{t('notice.openTrash')}</a>}
        </Notice>
      )}
      <StorageMeter ctx={ctx} used={props.usedBytes} quota={props.quotaBytes} />
      <div class="toolbar">
        <form method="get" action="/files" class="inline-form">
          <label for="search">{t('files.searchLabel')}</label>
          <input id="search" name="q" type="search" maxLength={200} value={search ?? ''} />
          <button type="submit">{t('files.search')}</button>
        </form>
        {!search && (
          <details class="new-folder">
            <summary>{t('files.newFolder')}</summary>
            <form method="post" action="/folders" class="inline-form">
              <input type="hidden" name="_csrf" value={ctx.csrfToken} />
              <input type="hidden" name="parent" value={folder?.id ?? ''} />
              <label for="folder-name">{t('files.folderName')}</label>
              <input id="folder-name" name="name" type="text" required maxLength={255} dir="auto" />
              <button type="submit">{t('files.create')}</button>
            </form>
          </details>
        )}
      </div>
      {!search && (
        <UploadPanel
          ctx={ctx}
          folderId={folder?.id ?? null}
          usedBytes={props.usedBytes}
          quotaBytes={props.quotaBytes}
          maxUploadBytes={props.maxUploadBytes}
        />
      )}
      {search && (
        <p>
          <a href="/files">{t('files.backToFiles')}</a>
        </p>
      )}
      {empty ? (
        <p>{emptyText(ctx, search, crumbs.length > 0)}</p>
      ) : (
        <EntriesTable ctx={ctx} view={view} choices={props.choices} />
      )}
      <Pagination ctx={ctx} view={view} />
    </Layout>
  );
}

function emptyText(ctx: PageContext, search: string | undefined, inFolder: boolean) {
  if (search) return <Isolated template={ctx.t('files.noResults')} values={{ query: search }} />;
  return ctx.t(inFolder ? 'files.emptyFolder' : 'files.empty');
}

function Breadcrumbs(props: { ctx: PageContext; crumbs: Crumb[] }) {
  if (props.crumbs.length === 0) return null;
  const parents = props.crumbs.slice(0, -1);
  return (
    <nav aria-label={props.ctx.t('files.location')} class="crumbs">
      <ol>
        <li>
          <a href="/files">{props.ctx.t('files.title')}</a>
        </li>
        {parents.map((crumb) => (
          <li key={crumb.id}>
            <a href={filesUrl({ folder: crumb.id })}>
              <bdi>{crumb.name}</bdi>
            </a>
          </li>
        ))}
      </ol>
    </nav>
  );
}

export function StorageMeter(props: { ctx: PageContext; used: number; quota: number }) {
  const { ctx, used, quota } = props;
  const text = ctx.t('files.usage', {
    used: formatBytes(used, ctx.language),
    quota: formatBytes(quota, ctx.language),
  });
  return (
    <p class="usage">
      <label for="usage">{ctx.t('files.usageLabel')}</label>
      <meter
        id="usage"
        min={0}
        max={quota}
        value={Math.min(used, quota)}
        low={quota * 0.8}
        high={quota * 0.95}
        optimum={0}
        aria-describedby="usage-text"
      />
      <span id="usage-text">{text}</span>
    </p>
  );
}

function Pagination(props: { ctx: PageContext; view: TableView }): ComponentChildren {
  const { ctx, view } = props;
  const { pages } = view.listing;
  const page = view.params.page ?? 1;
  if (pages <= 1) return null;
  const at = (n: number) => filesUrl({ ...view.params, page: n, notice: undefined });
  return (
    <nav aria-label={ctx.t('files.pagination')} class="pagination">
      {page > 1 && (
        <a href={at(page - 1)} rel="prev">
          {ctx.t('files.previous')}
        </a>
      )}
      <span>{ctx.t('files.page', { page, pages })}</span>
      {page < pages && (
        <a href={at(page + 1)} rel="next">
          {ctx.t('files.next')}
        </a>
      )}
    </nav>
  );
}
