import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ByteRange {
  start: number;
  /** Inclusive, as in the Range header. */
  end: number;
}

/**
 * Fetches a URL with curl and throws the body away; curl's own timer says how long the
 * transfer took. The status and byte count are checked, so a refusal is never timed.
 */
async function curlOnce(url: string, headers: Record<string, string>, range?: ByteRange) {
  const args = ['--silent', '--show-error', '--output', '/dev/null'];
  args.push('--write-out', '%{http_code} %{size_download} %{time_total}');
  for (const [name, value] of Object.entries(headers)) args.push('--header', `${name}: ${value}`);
  if (range) args.push('--range', `${range.start}-${range.end}`);
  args.push(url);

  const { stdout } = await run('curl', args, { maxBuffer: 1024 * 1024 });
  const [status, bytes, seconds] = stdout.trim().split(' ').map(Number);
  const expected = range ? range.end - range.start + 1 : undefined;
  const wantedStatus = range ? 206 : 200;
  if (status !== wantedStatus || (expected !== undefined && bytes !== expected)) {
    throw new Error(`GET ${url} answered ${status} with ${bytes} bytes`);
  }
  return { bytes: bytes!, seconds: seconds! };
}

/** The whole file in one response. */
export async function downloadWhole(
  url: string,
  size: number,
  headers: Record<string, string> = {},
): Promise<number> {
  const { bytes, seconds } = await curlOnce(url, headers);
  if (bytes !== size) throw new Error(`GET ${url} sent ${bytes} of ${size} bytes`);
  return seconds;
}

/** The ranges one after the other, as a resuming client asks for them; total seconds. */
export async function downloadRanges(
  url: string,
  ranges: ByteRange[],
  headers: Record<string, string> = {},
): Promise<number> {
  let total = 0;
  for (const range of ranges) total += (await curlOnce(url, headers, range)).seconds;
  return total;
}

/**
 * `count` ranges of size/count bytes at random offsets (different each round, the same for
 * both servers in a round), so the total equals the file size.
 */
export function randomRanges(size: number, count: number, seed: number): ByteRange[] {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const length = Math.floor(size / count);
  return Array.from({ length: count }, () => {
    const start = Math.floor(next() * (size - length + 1));
    return { start, end: start + length - 1 };
  });
}
