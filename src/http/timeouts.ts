/**
 * Node's server deadlines, set on purpose. A phone on a weak link may take minutes to send
 * a 50 MB chunk, so a request gets `requestTimeoutMs` in all (15 minutes by default); a
 * client sending one byte a second is cut off then, and a tus upload loses nothing by it:
 * the bytes that arrived are kept and the next PATCH carries on from them.
 */
export function serverTimeouts(requestTimeoutMs: number) {
  return {
    requestTimeout: requestTimeoutMs,
    // Headers are a few hundred bytes: even on 2G they arrive within seconds.
    headersTimeout: Math.min(requestTimeoutMs, 30_000),
    // Longer than the idle timeout of the proxy in front (nginx keeps upstream connections
    // 30 s), so the proxy closes idle connections first and never reuses one we are closing.
    keepAliveTimeout: 72_000,
    // Node checks the deadlines above only this often (every 30 s by default).
    connectionsCheckingInterval: Math.min(30_000, Math.max(250, requestTimeoutMs / 4)),
  };
}
