/**
 * Abuse: a password or session cookie stolen from a shared computer, a phishing page or a
 * lost phone keeps working after the person notices. The account page lets them see where
 * they are signed in (device and a coarse network only, never the full address), end any
 * of those sessions or all of them, and change the password, which needs the current one
 * and signs every other device out. Signing out also tells the browser to forget the
 * site's cache, cookies and storage.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { hashSessionToken } from '../../src/accounts/session.js';
import { sessions, users } from '../../src/accounts/tables.js';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { ProxiedClient } from './support.js';

const PHONE =
  'Mozilla/5.0 (Linux; Android 13; SM-A525F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36';
const CLEAR_SITE_DATA = '"cache", "cookies", "storage"';

class DeviceClient extends ProxiedClient {
  override request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('user-agent', PHONE);
    return super.request(path, { ...init, headers });
  }
}

for (const target of databaseTargets()) {
  describe(`account page on ${target.name}`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(target);
    });
    after(() => t.close());

    async function personOnTwoDevices() {
      const email = uniqueEmail('two-devices');
      const laptop = new Client(t.url);
      await laptop.register(email);
      const phone = new DeviceClient(t.url, '197.201.33.124');
      assert.equal((await phone.signIn(email)).status, 303);
      return { email, laptop, phone };
    }

    it('needs a signed-in person', async () => {
      const response = await new Client(t.url).get('/account');
      assert.equal(response.status, 303);
      assert.equal(response.headers.get('location'), '/signin?next=%2Faccount');
    });

    it('lists sessions with the device, the /24 network and last activity, never the address', async () => {
      const { laptop, phone } = await personOnTwoDevices();
      const html = await (await laptop.get('/account')).text();
      assert.match(html, /Chrome on Android/);
      assert.match(html, /197\.201\.33\.0\/24/);
      assert.doesNotMatch(html, /197\.201\.33\.124/);
      assert.match(html, /This device/);
      assert.equal((html.match(/\/account\/sessions\/[0-9a-f]{64}\/revoke/g) ?? []).length, 1);

      const token = phone.cookies.get('KhaznatiSession')!;
      const [row] = await t.app.database.db
        .select()
        .from(sessions)
        .where(eq(sessions.id, hashSessionToken(token)));
      assert.equal(row?.ipPrefix, '197.201.33.0', 'the database holds only the /24');
    });

    it('ends another device on request, and answers 404 for anyone else\u2019s session', async () => {
      const { laptop, phone } = await personOnTwoDevices();
      const stranger = new Client(t.url);
      await stranger.register(uniqueEmail('stranger'));
      const phoneSession = hashSessionToken(phone.cookies.get('KhaznatiSession')!);

      const foreign = await stranger.submit(
        '/account',
        `/account/sessions/${phoneSession}/revoke`,
        {},
      );
      assert.equal(foreign.status, 404);
      assert.equal((await phone.get('/files')).status, 200, 'the phone is still signed in');

      const mine = await laptop.submit('/account', `/account/sessions/${phoneSession}/revoke`, {});
      assert.equal(mine.status, 303);
      assert.equal(mine.headers.get('location'), '/account?revoked=1');
      assert.equal((await phone.get('/files')).status, 303, 'the phone is signed out');
      assert.equal((await laptop.get('/files')).status, 200, 'the laptop is not');
    });

    it('changes the password only with the current one, and signs the other devices out', async () => {
      const { email, laptop, phone } = await personOnTwoDevices();
      const [before] = await t.app.database.db.select().from(users).where(eq(users.email, email));

      const wrong = await laptop.submit('/account', '/account/password', {
        currentPassword: 'not my password',
        newPassword: 'a much better passphrase',
        newPasswordConfirmation: 'a much better passphrase',
      });
      assert.equal(wrong.status, 400);
      assert.match(await wrong.text(), /current password is not correct/);
      const [unchanged] = await t.app.database.db
        .select()
        .from(users)
        .where(eq(users.email, email));
      assert.equal(unchanged?.passwordHash, before?.passwordHash);

      const changed = await laptop.submit('/account', '/account/password', {
        currentPassword: 'correct horse battery',
        newPassword: 'a much better passphrase',
        newPasswordConfirmation: 'a much better passphrase',
      });
      assert.equal(changed.status, 303);
      assert.equal(changed.headers.get('location'), '/account?changed=1');
      assert.match(await (await laptop.get('/account?changed=1')).text(), /Every other device/);
      assert.equal((await phone.get('/files')).status, 303, 'the phone must sign in again');
      assert.equal((await new Client(t.url).signIn(email)).status, 401, 'the old password is gone');
      assert.equal((await new Client(t.url).signIn(email, 'a much better passphrase')).status, 303);
    });

    it('signs out everywhere and tells the browser to forget the site', async () => {
      const { laptop, phone } = await personOnTwoDevices();
      const response = await laptop.submit('/account', '/account/signout-everywhere', {});
      assert.equal(response.status, 303);
      assert.equal(response.headers.get('clear-site-data'), CLEAR_SITE_DATA);
      assert.equal((await phone.get('/files')).status, 303);
      assert.equal((await laptop.get('/files')).status, 303);
    });

    it('answers sign-out with Clear-Site-Data', async () => {
      const client = new Client(t.url);
      await client.register(uniqueEmail('leaving'));
      const response = await client.submit('/files', '/signout', {});
      assert.equal(response.status, 303);
      assert.equal(response.headers.get('clear-site-data'), CLEAR_SITE_DATA);
    });

    it('links the account page from every signed-in page', async () => {
      const client = new Client(t.url);
      await client.register(uniqueEmail('nav'));
      assert.match(await (await client.get('/files')).text(), /href="\/account"/);
    });
  });
}
