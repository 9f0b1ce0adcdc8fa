// What the benchmark and its server processes agree on; imported by both sides, so it
// must not start anything itself.

/** Where the bare @tus/server baseline takes uploads. */
export const BARE_TUS_PATH = '/files';

/** The app-side route that serves a body as the fingerprinted-asset route serves files. */
export const STATIC_EQUIVALENT_PATH = '/bench/static-equivalent';

export type ServerRequest =
  | { type: 'seed-files'; email: string; count: number }
  | { type: 'file-id'; email: string; name: string }
  | { type: 'set-static-body'; body: string }
  /** Answers with process.memoryUsage(): where the resident memory is. */
  | { type: 'memory-usage' }
  | { type: 'stop' };

export type ServerReply =
  | { id: number; ok: true; value?: unknown }
  | { id: number; ok: false; error: string };
