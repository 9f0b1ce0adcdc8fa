import type { BenchOptions } from './options.js';
import { formatSize } from './stats.js';

/** What every figure in the report means, written into BENCHMARKS.md under the table. */
export function readNotes(options: BenchOptions): string[] {
  const { sizes } = options;
  return [
    ...(options.quick
      ? ['A quick run: small sizes and short runs, to check the harness; not a measurement.']
      : []),
    `Each row ran its baseline and Khaznati alternately, ${options.rounds} rounds, the order ` +
      'flipped every round. Figures are medians; a ratio is the median of the per-round ' +
      'ratios (Khaznati over baseline for speed), so a slow minute on a shared machine hits ' +
      'both sides of a pair.',
    'Khaznati runs as production does: `NODE_ENV=production`, compiled JavaScript, one ' +
      'process, logs at `info` into a file. "PGlite" is the embedded default; "Postgres" is ' +
      'a fresh database per app process on the server named by `BENCH_DATABASE_URL`' +
      `${options.postgresUrl ? '' : ' (not set for this run, so there are no Postgres rows)'}. ` +
      'Every server, database and temporary file is removed afterwards.',
    `Uploads: tus-js-client in the benchmark process reads the file from disk in chunks of ` +
      '50 MiB (as the files page does), without retries. The app side is a signed-in user ' +
      'with the CSRF header; it checks the quota, encrypts and hashes each chunk as it ' +
      'arrives, appends it to the blob and syncs it to disk before answering, so that an ' +
      'acknowledged byte survives a crash. The baseline is `@tus/server` with ' +
      '`@tus/file-store` alone in its own process, which does not sync. The ' +
      'encrypted-against-unencrypted row runs the same app with a plaintext codec, a ' +
      'switch only the benchmark can set (bench/app-variants.ts).',
    'Downloads: curl fetches and discards the body and times it; the ranges are ' +
      `16 × 1/16 of the file at random offsets (the same for both sides in a round), one ` +
      "after another. The baseline is Debian's nginx with sendfile and one worker process.",
    'Every app process starts on a copy of a database the app already created and migrated, ' +
      'as a server restarting does; the very first start of PGlite (creating its cluster) is ' +
      'slower and larger, and is not what these rows measure.',
    'Memory: the peak resident size (VmHWM in /proc) of the app process, a fresh process ' +
      'for each measurement, counted from the moment it listens (the start-up peak is listed ' +
      `under "Every round"); "with ${formatSize(sizes.largeFile)}" is an upload and both ` +
      'kinds of download of that file. PGlite runs inside the app process and counts in it.',
    'Sign-in: autocannon posts the real sign-in form (CSRF cookie and token, Fetch ' +
      'Metadata) with the right password; latency counts the successful sign-ins (303) ' +
      'only, and refusals are counted apart. The baseline is the same Argon2id hash ' +
      '(m=19 MiB, t=2, p=1, with the pepper) in the benchmark process, as many at a time ' +
      'and for as long. The sign-in rate limit is raised for the benchmark ' +
      '(`AUTH_RATE_LIMIT_PER_MINUTE=100000`) so that it measures signing in, not refusing.',
    'Folder listing: autocannon GETs /files with the session cookie, for a user whose file ' +
      'rows were inserted directly. The baseline is the same bytes from a route built like ' +
      'the fingerprinted-asset route, with the same cookie. No compression on either side ' +
      '(autocannon asks for none).',
    "Page weight: Debian's Chromium through playwright-core, a new context (empty cache) " +
      'per load; the sum over all responses of headers plus body as transferred. 1 KB = ' +
      '1000 bytes. The encoding shown is the one the page itself came with.',
  ];
}
