import { availableParallelism } from 'node:os';
import autocannon from 'autocannon';
import { percentile } from '../stats.js';

export interface LoadSpec {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** The status a correct answer has (303 for a sign-in, 200 for a page). */
  expectedStatus: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  /** Latency of the expected answers only, in milliseconds. */
  p50: number;
  p99: number;
  statuses: Record<number, number>;
  /** Connection errors and timeouts. */
  errors: number;
  /** Answers with any other status. */
  unexpected: number;
}

/**
 * Sends `amount` requests over `connections` with autocannon and waits for every answer.
 * (A timed run would end with requests still being worked on, and that leftover work would
 * slow whatever is measured next.) Autocannon's own histogram mixes every answer, so
 * latencies are also kept per answer to report the expected ones alone: a 503 refusal
 * takes a millisecond and would flatter the figure.
 */
export async function runLoad(
  spec: LoadSpec,
  run: { connections: number; amount: number },
): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const options = {
      url: spec.url,
      method: spec.method ?? 'GET',
      headers: spec.headers,
      body: spec.body,
      connections: run.connections,
      amount: run.amount,
      timeout: 60,
    };
    const instance = autocannon(options, (error, finished) => {
      if (error) reject(error);
      else resolve(finished);
    });
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      if (statusCode === spec.expectedStatus) latencies.push(responseTime);
    });
  });

  if (latencies.length === 0) {
    throw new Error(`${spec.url}: no ${spec.expectedStatus} answer (${JSON.stringify(statuses)})`);
  }
  latencies.sort((a, b) => a - b);
  const answered = Object.values(statuses).reduce((sum, n) => sum + n, 0);
  return {
    requestsPerSecond: latencies.length / result.duration,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    statuses,
    errors: result.errors,
    unexpected: answered - latencies.length,
  };
}

const MIN_PER_CONNECTION = 3;
const MAX_REQUESTS = 20_000;

/**
 * As many requests as take about `seconds`, judged from a few sent one at a time first
 * (which also warm the server up). At most one request per core runs truly at once.
 */
export async function runForAbout(
  spec: LoadSpec,
  run: { connections: number; seconds: number },
): Promise<LoadResult> {
  const probe = await runLoad(spec, { connections: 1, amount: 3 });
  const parallel = Math.min(run.connections, availableParallelism());
  const amount = Math.round((run.seconds * 1000 * parallel) / probe.p50);
  const bounded = Math.min(MAX_REQUESTS, Math.max(run.connections * MIN_PER_CONNECTION, amount));
  return runLoad(spec, { connections: run.connections, amount: bounded });
}
