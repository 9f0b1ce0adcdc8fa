import { request } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request sent from a chosen loopback address, as a proxy at that address would. */
export function requestFrom(
  localAddress: string,
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, {
      method: options.method ?? 'GET',
      headers: options.headers,
      localAddress,
      timeout: 30_000,
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer from ${url}`)));
    outgoing.on('error', reject);
    outgoing.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    outgoing.end(options.body);
  });
}

/**
 * Loads a form page from `localAddress`, as a browser would, and posts `fields` with its
 * CSRF token and cookies, plus any extra request headers.
 */
export async function submitFormFrom(
  localAddress: string,
  url: string,
  fields: Record<string, string>,
  headers: Record<string, string>,
): Promise<RawResponse> {
  const page = await requestFrom(localAddress, url, {
    headers: { accept: 'text/html', ...headers },
  });
  const cookies = ([] as string[])
    .concat(page.headers['set-cookie'] ?? [])
    .map((line) => line.split(';')[0])
    .join('; ');
  const token = page.body.match(/name="_csrf" value="([^"]+)"/)?.[1] ?? '';
  return requestFrom(localAddress, url, {
    method: 'POST',
    headers: {
      accept: 'text/html',
      'content-type': 'application/x-www-form-urlencoded',
      cookie: cookies,
      ...headers,
    },
    body: new URLSearchParams({ _csrf: token, ...fields }).toString(),
  });
}

/** Registers an account and signs in to it, both from `localAddress`; resolves the statuses. */
export async function signUpFrom(
  localAddress: string,
  baseUrl: string,
  email: string,
  headers: Record<string, string>,
): Promise<number[]> {
  const password = 'correct horse battery';
  const registered = await submitFormFrom(
    localAddress,
    `${baseUrl}/register`,
    { email, password, passwordConfirmation: password },
    headers,
  );
  const signedIn = await submitFormFrom(
    localAddress,
    `${baseUrl}/signin`,
    { email, password },
    headers,
  );
  return [registered.status, signedIn.status];
}
