/**
 * The Content-Type of a download, chosen by the server from the name's extension alone,
 * never from what the uploader declared. Only types a browser shows without running
 * anything are named; everything else, HTML, SVG and XML above all, is opaque bytes.
 */
const INERT_TYPES: Record<string, string> = {
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  heic: 'image/heic',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  ogg: 'audio/ogg',
  mp4: 'video/mp4',
  webm: 'video/webm',
  txt: 'text/plain; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

export function downloadContentType(fileName: string): string {
  const extension = fileName.match(/\.([A-Za-z0-9]{1,8})$/)?.[1]?.toLowerCase() ?? '';
  return INERT_TYPES[extension] ?? 'application/octet-stream';
}
