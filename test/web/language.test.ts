import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

for (const target of databaseTargets()) {
  describe(`languages on ${target.name}`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(target);
    });
    after(() => t.close());

    it('serves Arabic right-to-left when the browser asks for it', async () => {
      const html = await (await new Client(t.url).get('/', { 'accept-language': 'ar-DZ' })).text();
      assert.match(html, /<html lang="ar" dir="rtl">/);
      assert.match(html, /تسجيل الدخول/);
      assert.match(html, /href="\/security"/);
    });

    it('serves French, and English when nothing offered is asked for', async () => {
      const french = await (
        await new Client(t.url).get('/signin', { 'accept-language': 'fr' })
      ).text();
      assert.match(french, /<html lang="fr" dir="ltr">/);
      assert.match(french, /Mot de passe/);
      const other = await (await new Client(t.url).get('/', { 'accept-language': 'de' })).text();
      assert.match(other, /<html lang="en" dir="ltr">/);
    });

    it('switches with a POST, remembers the choice a year, and returns to the page', async () => {
      const client = new Client(t.url);
      const response = await client.submit('/signin', '/language', {
        language: 'ar',
        next: '/signin?next=%2Ffiles',
      });
      assert.equal(response.status, 303);
      assert.equal(response.headers.get('location'), '/signin?next=%2Ffiles');
      const cookie = response.headers.getSetCookie().find((c) => c.startsWith('KhaznatiLang='));
      assert.ok(cookie);
      assert.match(cookie, /KhaznatiLang=ar/);
      assert.match(cookie, /Max-Age=31536000/);
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Lax/);
      assert.match(cookie, /Path=\//);
      const html = await (await client.get('/signin', { 'accept-language': 'fr' })).text();
      assert.match(html, /dir="rtl"/, 'the choice wins over the browser');
    });

    it('never sends anywhere but a local path', async () => {
      for (const next of ['//evil.example/', '/\\evil.example', 'https://evil.example/', 'files']) {
        const response = await new Client(t.url).submit('/', '/language', { language: 'fr', next });
        assert.equal(response.status, 303);
        assert.equal(response.headers.get('location'), '/', next);
      }
    });

    it('refuses an unknown language or malformed fields (400), without setting a cookie', async () => {
      for (const fields of [{ language: 'de' }, { language: '' }, { next: '/' }] as Record<
        string,
        string
      >[]) {
        const response = await new Client(t.url).submit('/', '/language', fields);
        assert.equal(response.status, 400);
        assert.equal(
          response.headers.getSetCookie().some((c) => c.startsWith('KhaznatiLang')),
          false,
        );
      }
      const long = await new Client(t.url).submit('/', '/language', {
        language: 'ar',
        next: `/${'a'.repeat(3000)}`,
      });
      assert.equal(long.status, 400);
      const client = new Client(t.url);
      const token = await client.csrfToken('/');
      const repeated = await client.request('/language', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `_csrf=${token}&language=ar&language=fr`,
      });
      assert.equal(repeated.status, 400);
    });

    it('refuses a switch without the CSRF token (403), and a GET changes nothing', async () => {
      const client = new Client(t.url);
      await client.get('/');
      const forged = await client.postForm('/language', { _csrf: 'forged', language: 'ar' });
      assert.equal(forged.status, 403);
      const get = await client.get('/language?language=ar');
      assert.equal(get.status, 404);
      assert.equal(
        get.headers.getSetCookie().some((c) => c.startsWith('KhaznatiLang')),
        false,
      );
    });

    it('works signed in, with the token bound to the session', async () => {
      const client = new Client(t.url);
      await client.register(uniqueEmail('lang'));
      const response = await client.submit('/files', '/language', {
        language: 'fr',
        next: '/files',
      });
      assert.equal(response.status, 303);
      const html = await (await client.get('/files')).text();
      assert.match(html, /Mes fichiers/);
      assert.match(html, /Corbeille/);
    });

    it('translates error pages and JSON errors by code', async () => {
      const page = await new Client(t.url).get('/no/such/page', { 'accept-language': 'fr' });
      assert.equal(page.status, 404);
      assert.match(await page.text(), /Nous n’avons pas trouvé cette page/);
      const api = await fetch(`${t.url}/files`, {
        headers: { accept: 'application/json', 'accept-language': 'ar' },
      });
      assert.equal(api.status, 401);
      const body = await api.json();
      assert.equal(body.error.code, 'sign_in_required');
      assert.equal(body.error.message, 'يرجى تسجيل الدخول للمتابعة.');
    });

    it('translates form errors: a failed sign-in in Arabic', async () => {
      const client = new Client(t.url);
      const token = await client.csrfToken('/signin');
      const response = await client.request('/signin', {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'accept-language': 'ar',
        },
        body: new URLSearchParams({ _csrf: token, email: 'x@example.dz', password: 'nope' }),
      });
      assert.equal(response.status, 401);
      assert.match(await response.text(), /البريد الإلكتروني أو كلمة المرور غير صحيحة/);
    });

    it('explains the protection on /security, linked from every page’s footer', async () => {
      for (const path of ['/', '/signin', '/register', '/security', '/no/such/page']) {
        const html = await (await new Client(t.url).get(path)).text();
        assert.match(html, /<a class="shield" href="\/security">/, path);
      }
      const security = await (await new Client(t.url).get('/security')).text();
      for (const fact of [
        /AES-256-GCM/,
        /Argon2id/,
        /14 days/,
        /cut short/,
        /never record file names/,
      ]) {
        assert.match(security, fact);
      }
    });
  });
}
