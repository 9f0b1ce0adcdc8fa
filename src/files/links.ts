import type { SortKey, SortOrder } from './listing.js';

export const NOTICES = [
  'trashed',
  'restored',
  'moved',
  'renamed',
  'created',
  'uploaded',
  'emptied',
] as const;
export type NoticeKind = (typeof NOTICES)[number];

export interface ListingParams {
  folder?: string | null;
  q?: string;
  sort?: SortKey;
  order?: SortOrder;
  page?: number;
  notice?: NoticeKind;
}

export const DEFAULT_SORT: SortKey = 'date';

/** Newest and largest first read best; names read best from A. */
export function defaultOrder(sort: SortKey): SortOrder {
  return sort === 'name' ? 'asc' : 'desc';
}

/** The address of a listing; parameters left at their default are left out. */
export function filesUrl(params: ListingParams = {}): string {
  const query = new URLSearchParams();
  if (params.folder) query.set('folder', params.folder);
  if (params.q) query.set('q', params.q);
  const sort = params.sort ?? DEFAULT_SORT;
  if (sort !== DEFAULT_SORT) query.set('sort', sort);
  if (params.order && params.order !== defaultOrder(sort)) query.set('order', params.order);
  if (params.page && params.page > 1) query.set('page', String(params.page));
  if (params.notice) query.set('notice', params.notice);
  const text = query.toString();
  return text ? `/files?${text}` : '/files';
}
