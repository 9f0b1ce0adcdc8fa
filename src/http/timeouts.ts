/**
 * Node's server deadlines, set on purpose. A phone on a weak link may take most of an hour
 * to send a 50 MB chunk (20 KB/s on 3G), so a request gets `requestTimeoutMs` in all (an
 * hour by default). Within that, a stalled client is cut much sooner: headers must arrive
 * within `stallMs` (at most 30 s), and a body must keep coming (see slow-clients.ts). A tus
 * upload loses nothing by a cut: the bytes that arrived are kept and the next PATCH carries
 * on from them.
 */
export function serverTimeouts(requestTimeoutMs: number, stallMs: number) {
  // Headers are a few hundred bytes: even on 2G they arrive within seconds.
  const headersTimeout = Math.min(requestTimeoutMs, stallMs, 30_000);
  return {
    requestTimeout: requestTimeoutMs,
    headersTimeout,
    // Longer than the idle timeout of the proxy in front (nginx keeps upstream connections
    // 30 s), so the proxy closes idle connections first and never reuses one we are closing.
    keepAliveTimeout: 72_000,
    // Node checks the deadlines above only this often (every 30 s by default).
    connectionsCheckingInterval: Math.max(250, headersTimeout / 4),
  };
}
