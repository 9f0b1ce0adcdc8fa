import { Client } from '../../test/helpers/browser-like-client.js';

export { Client };

export const BENCH_PASSWORD = 'Tafsut-n-Tmurt-2026-bench';

export interface Account {
  client: Client;
  email: string;
}

let counter = 0;

async function status(response: Promise<Response>): Promise<number> {
  const answer = await response;
  await answer.arrayBuffer();
  return answer.status;
}

/**
 * Registers an account and signs in with it through the real forms, as a person would.
 * (Registration may or may not sign the person in; either way they end up signed in.)
 */
export async function signUp(baseUrl: string): Promise<Account> {
  const email = `bench.${process.pid}.${++counter}@example.dz`;
  const client = new Client(baseUrl);
  const registered = await status(client.register(email, BENCH_PASSWORD));
  if (registered !== 303) throw new Error(`registration answered ${registered}`);

  if ((await status(client.get('/files'))) !== 200) {
    const signedIn = await status(client.signIn(email, BENCH_PASSWORD));
    if (signedIn !== 303) throw new Error(`sign-in answered ${signedIn}`);
  }
  const files = await status(client.get('/files'));
  if (files !== 200) throw new Error(`the files page answered ${files}`);
  return { client, email };
}

/** What the files page's upload script sends with each tus request. */
export async function tusHeaders(account: Account): Promise<Record<string, string>> {
  const token = await account.client.csrfToken('/files');
  return { cookie: account.client.cookieHeader(), 'x-csrf-token': token };
}
