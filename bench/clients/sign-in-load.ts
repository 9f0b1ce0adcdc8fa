import { performance } from 'node:perf_hooks';
import { hash } from '@node-rs/argon2';
import { ARGON2_PARAMS } from '../../src/accounts/password.js';
import { BENCH_PEPPER } from '../apps.js';
import { BENCH_PASSWORD, Client } from './account.js';
import type { LoadSpec } from './load.js';

export type SignInLoad = LoadSpec;

/**
 * The baseline: the app's Argon2id hash, with its parameters and pepper, in this process,
 * `concurrency` at a time for `seconds`; each hash's latency in milliseconds, sorted.
 */
export async function hashLatencies(concurrency: number, seconds: number): Promise<number[]> {
  const options = { ...ARGON2_PARAMS, secret: Buffer.from(BENCH_PEPPER) };
  const deadline = performance.now() + seconds * 1000;
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const started = performance.now();
        await hash(BENCH_PASSWORD, options);
        latencies.push(performance.now() - started);
      }
    }),
  );
  return latencies.sort((a, b) => a - b);
}

/**
 * A real form post, as a browser sends it after loading the sign-in page: its CSRF cookie
 * and token, the right password, Fetch Metadata. Each one signs in afresh (303). One is
 * sent first to make sure the form is accepted.
 */
export async function signInLoad(baseUrl: string, email: string): Promise<SignInLoad> {
  const visitor = new Client(baseUrl);
  const token = await visitor.csrfToken('/signin');
  const body = new URLSearchParams({ _csrf: token, email, password: BENCH_PASSWORD, next: '' });
  const load = {
    url: `${baseUrl}/signin`,
    method: 'POST' as const,
    headers: {
      cookie: visitor.cookieHeader(),
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'text/html',
      origin: baseUrl,
      'sec-fetch-site': 'same-origin',
    },
    body: body.toString(),
    expectedStatus: 303,
  };

  const check = await fetch(load.url, { ...load, redirect: 'manual' });
  await check.arrayBuffer();
  if (check.status !== 303) throw new Error(`a sign-in answered ${check.status}, not 303`);
  return load;
}
