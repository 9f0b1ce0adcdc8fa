import { formatBytes, formatDate } from '../web/format.js';
import { Isolated } from '../web/isolated.js';
import type { PageContext } from '../web/layout.js';
import type { Crumb } from './folders.js';
import { defaultOrder, filesUrl, type ListingParams } from './links.js';
import type { Listing, SortKey, SortOrder } from './listing.js';

export interface TableView {
  listing: Listing;
  params: ListingParams & { sort: SortKey; order: SortOrder };
  /** Search results show where each item is. */
  showLocation: boolean;
}

/**
 * The listing as one form: the checkboxes and the "with the selected items" buttons post it
 * to /files/selection, and each row's own buttons post it elsewhere with `formaction`, so
 * every action works without scripts.
 */
export function EntriesTable(props: { ctx: PageContext; view: TableView; choices: Crumb[] }) {
  const { ctx, view } = props;
  const { t, language } = ctx;
  const { listing } = view;
  return (
    <form id="selection" method="post" action="/files/selection">
      <input type="hidden" name="_csrf" value={ctx.csrfToken} />
      <input type="hidden" name="from" value={view.params.folder ?? ''} />
      <table class="files">
        <thead>
          <tr>
            <td class="pick" />
            <SortHeader ctx={ctx} view={view} sort="name" label={t('files.name')} />
            <SortHeader ctx={ctx} view={view} sort="size" label={t('files.size')} />
            <SortHeader ctx={ctx} view={view} sort="date" label={t('files.date')} />
            <th scope="col">{t('files.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {listing.folders.map((folder) => (
            <tr key={folder.id}>
              <td class="pick">
                <input
                  type="checkbox"
                  name="folder"
                  value={folder.id}
                  aria-label={t('files.select', { name: folder.name })}
                />
              </td>
              <td class="name">
                <a class="folder-link" href={filesUrl({ folder: folder.id })}>
                  <bdi>{folder.name}</bdi>
                </a>
                {view.showLocation && <Location ctx={ctx} name={folder.parentName} />}
              </td>
              <td class="muted">{t('files.folder')}</td>
              <td data-label={t('files.date')}>{formatDate(folder.createdAt, language)}</td>
              <td>
                <div class="actions">
                  <a href={`/folders/${folder.id}/rename`}>{t('files.rename')}</a>
                  <button type="submit" formaction={`/folders/${folder.id}/delete`} class="link">
                    {t('files.trash')}
                  </button>
                </div>
              </td>
            </tr>
          ))}
          {listing.files.map((file) => (
            <tr key={file.id}>
              <td class="pick">
                <input
                  type="checkbox"
                  name="file"
                  value={file.id}
                  aria-label={t('files.select', { name: file.name })}
                />
              </td>
              <td class="name">
                <a class="file-link" href={`/files/${file.id}/download`} download>
                  <bdi>{file.name}</bdi>
                </a>
                {view.showLocation && <Location ctx={ctx} name={file.folderName} />}
              </td>
              <td>{formatBytes(file.size, language)}</td>
              <td data-label={t('files.date')}>{formatDate(file.createdAt, language)}</td>
              <td>
                <div class="actions">
                  <a href={`/files/${file.id}/rename`}>{t('files.rename')}</a>
                  <button type="submit" formaction={`/files/${file.id}/delete`} class="link">
                    {t('files.trash')}
                  </button>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <fieldset class="bulk">
        <legend>{t('files.selection')}</legend>
        <label for="destination">{t('files.moveTo')}</label>
        <select id="destination" name="destination">
          <option value="">{t('files.title')}</option>
          {props.choices.map((choice) => (
            <option value={choice.id} key={choice.id}>
              {choice.name}
            </option>
          ))}
        </select>
        <button type="submit" name="action" value="move">
          {t('files.move')}
        </button>
        <button type="submit" name="action" value="trash" class="secondary">
          {t('files.trashSelected')}
        </button>
      </fieldset>
    </form>
  );
}

function Location(props: { ctx: PageContext; name: string | null | undefined }) {
  const folder = props.name ?? props.ctx.t('files.title');
  return (
    <span class="location muted">
      <Isolated template={props.ctx.t('files.in')} values={{ folder }} />
    </span>
  );
}

function SortHeader(props: { ctx: PageContext; view: TableView; sort: SortKey; label: string }) {
  const { ctx, view, sort } = props;
  const active = view.params.sort === sort;
  const order: SortOrder = active
    ? view.params.order === 'asc'
      ? 'desc'
      : 'asc'
    : defaultOrder(sort);
  const href = filesUrl({ ...view.params, sort, order, page: 1, notice: undefined });
  const current = view.params.order === 'asc' ? 'ascending' : 'descending';
  return (
    <th scope="col" aria-sort={active ? current : undefined}>
      <a href={href}>
        {props.label}
        {active && (
          <span class="sort-mark">
            <span aria-hidden="true">{view.params.order === 'asc' ? ' ▲' : ' ▼'}</span>
            <span class="visually-hidden">
              {` (${ctx.t(view.params.order === 'asc' ? 'files.sortedAscending' : 'files.sortedDescending')})`}
            </span>
          </span>
        )}
      </a>
    </th>
  );
}
