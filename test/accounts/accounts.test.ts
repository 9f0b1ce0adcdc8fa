import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import {
  createSession,
  hashSessionToken,
  validateSessionToken,
} from '../../src/accounts/session.js';
import { sessions, users } from '../../src/accounts/tables.js';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const DAY = 24 * 3600_000;

for (const target of databaseTargets()) {
  describe(`accounts on ${target.name}`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(target);
    });
    after(() => t.close());

    it('registers, stores the email normalised and the password as an Argon2id hash', async () => {
      const client = new Client(t.url);
      const email = uniqueEmail('Mixed.Case');
      const response = await client.register(`  ${email.toUpperCase()} `);
      assert.equal(response.status, 303);
      assert.equal(response.headers.get('location'), '/files');

      const [row] = await t.app.database.db
        .select()
        .from(users)
        .where(eq(users.email, email.toLowerCase()));
      assert.ok(row, 'the user is stored under the normalised email');
      assert.match(row.passwordHash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      assert.equal(row.quotaBytes, t.config.defaultQuotaBytes);
    });

    it('sets a hardened session cookie and stores only the token hash', async () => {
      const client = new Client(t.url);
      const response = await client.register(uniqueEmail());
      const cookie = response.headers
        .getSetCookie()
        .find((line) => line.startsWith('KhaznatiSession='));
      assert.ok(cookie, 'a session cookie is set');
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Lax/);
      assert.match(cookie, /Path=\//);
      assert.doesNotMatch(cookie, /Domain=/i);

      const token = client.cookies.get('KhaznatiSession')!;
      const stored = await t.app.database.db
        .select()
        .from(sessions)
        .where(eq(sessions.id, hashSessionToken(token)));
      assert.equal(stored.length, 1);
      const raw = await t.app.database.db.select().from(sessions).where(eq(sessions.id, token));
      assert.equal(raw.length, 0, 'the raw token is never stored');
    });

    it('creates no second account for the same email in another case', async () => {
      const email = uniqueEmail();
      await new Client(t.url).register(email);
      const again = await new Client(t.url).submitRegistration(
        email.toUpperCase(),
        'another password 1',
      );
      assert.equal(again.status, 303);
      assert.equal(again.headers.get('location'), '/signin?registered=1');
      const rows = await t.app.database.db
        .select()
        .from(users)
        .where(eq(users.email, email.toLowerCase()));
      assert.equal(rows.length, 1);
      const stolen = await new Client(t.url).signIn(email, 'another password 1');
      assert.equal(stolen.status, 401, 'the second password opens nothing');
    });

    for (const [label, fields, status, message] of [
      ['an invalid email', { email: 'not-an-email' }, 400, /valid email/],
      ['an email with a control character', { email: 'a\u0007b@example.dz' }, 400, /valid email/],
      [
        'a 10,000-character email',
        { email: `${'a'.repeat(10_000)}@x.dz` },
        400,
        /could not be understood/,
      ],
      [
        'a 9-character password',
        { password: 'short-pwd', passwordConfirmation: 'short-pwd' },
        400,
        /at least 10/,
      ],
      [
        'a 257-character password',
        { password: 'p'.repeat(257), passwordConfirmation: 'p'.repeat(257) },
        400,
        /at most 256/,
      ],
      [
        'a different confirmation',
        { passwordConfirmation: 'something else entirely' },
        400,
        /do not match/,
      ],
    ] as const) {
      it(`refuses registration with ${label} (${status})`, async () => {
        const client = new Client(t.url);
        const defaults: Record<string, string> = {
          email: uniqueEmail(),
          password: 'correct horse battery',
          passwordConfirmation: 'correct horse battery',
        };
        const response = await client.submit('/register', '/register', { ...defaults, ...fields });
        assert.equal(response.status, status);
        assert.match(await response.text(), message);
        assert.equal(client.cookies.has('KhaznatiSession'), false);
      });
    }

    it('answers an unknown email and a wrong password identically', async () => {
      const email = uniqueEmail();
      await new Client(t.url).register(email);

      const wrong = await new Client(t.url).signIn(email, 'wrong password here');
      const unknown = await new Client(t.url).signIn(uniqueEmail('nobody'), 'wrong password here');
      assert.equal(wrong.status, 401);
      assert.equal(unknown.status, 401);
      const strip = (html: string) => html.replace(/value="[^"]*"/g, '');
      assert.equal(strip(await wrong.text()), strip(await unknown.text()));
    });

    it('signs in with any case of the email and issues a new token each time', async () => {
      const email = uniqueEmail();
      await new Client(t.url).register(email);
      const first = new Client(t.url);
      const second = new Client(t.url);
      assert.equal((await first.signIn(email.toUpperCase())).status, 303);
      assert.equal((await second.signIn(email)).status, 303);
      assert.notEqual(first.cookies.get('KhaznatiSession'), second.cookies.get('KhaznatiSession'));
      assert.equal((await first.get('/files')).status, 200);
    });

    it('signs out: deletes the session row and the cookie', async () => {
      const client = new Client(t.url);
      await client.register(uniqueEmail());
      const token = client.cookies.get('KhaznatiSession')!;
      const response = await client.submit('/files', '/signout', {});
      assert.equal(response.status, 303);
      assert.equal(client.cookies.has('KhaznatiSession'), false);
      const rows = await t.app.database.db
        .select()
        .from(sessions)
        .where(eq(sessions.id, hashSessionToken(token)));
      assert.equal(rows.length, 0);

      const replay = await new Client(t.url).get('/files', { cookie: `KhaznatiSession=${token}` });
      assert.equal(replay.status, 303, 'the old token no longer opens the files page');
    });

    it('refuses a form without a valid CSRF token (403) and changes nothing', async () => {
      const client = new Client(t.url);
      const email = uniqueEmail();
      await client.get('/register');
      const response = await client.postForm('/register', {
        _csrf: 'forged',
        email,
        password: 'correct horse battery',
        passwordConfirmation: 'correct horse battery',
      });
      assert.equal(response.status, 403);
      const rows = await t.app.database.db.select().from(users).where(eq(users.email, email));
      assert.equal(rows.length, 0);
    });

    it('sends only to local paths after sign-in', async () => {
      const email = uniqueEmail();
      await new Client(t.url).register(email);
      for (const next of ['//evil.example/x', '/\\evil.example', 'https://evil.example/']) {
        const client = new Client(t.url);
        const token = await client.csrfToken('/signin');
        const response = await client.postForm('/signin', {
          _csrf: token,
          email,
          password: 'correct horse battery',
          next,
        });
        assert.equal(response.headers.get('location'), '/files', `next=${next}`);
      }
    });

    it('redirects a visitor without a session to sign in, and answers scripts 401', async () => {
      const page = await new Client(t.url).get('/files');
      assert.equal(page.status, 303);
      assert.equal(page.headers.get('location'), '/signin?next=%2Ffiles');
      const api = await fetch(`${t.url}/files`, { headers: { accept: 'application/json' } });
      assert.equal(api.status, 401);
    });

    it('rolls the expiry forward and stops at the 30-day cap', async () => {
      const db = t.app.database.db;
      const client = new Client(t.url);
      await client.register(uniqueEmail());
      const [user] = await db.select().from(users).limit(1);
      const start = new Date('2026-01-01T00:00:00Z');
      const { token } = await createSession(
        db,
        user!.id,
        { userAgent: 'test', ipPrefix: '' },
        start,
      );

      const day13 = await validateSessionToken(db, token, new Date(start.getTime() + 13 * DAY));
      assert.equal(day13.status, 'valid');
      assert.ok(day13.status === 'valid' && day13.renewed);

      const day26 = await validateSessionToken(db, token, new Date(start.getTime() + 26 * DAY));
      assert.equal(day26.status, 'valid', 'activity kept it alive past 14 days');

      const day30 = await validateSessionToken(db, token, new Date(start.getTime() + 30 * DAY));
      assert.equal(day30.status, 'invalid', 'never past 30 days, however active');
    });

    it('expires a session left unused for 14 days', async () => {
      const db = t.app.database.db;
      const [user] = await db.select().from(users).limit(1);
      const start = new Date('2026-02-01T00:00:00Z');
      const { token } = await createSession(
        db,
        user!.id,
        { userAgent: 'test', ipPrefix: '' },
        start,
      );
      const later = await validateSessionToken(db, token, new Date(start.getTime() + 14 * DAY + 1));
      assert.equal(later.status, 'invalid');
    });
  });
}

describe('session cookie over HTTPS (production)', () => {
  it('is named __Host-KhaznatiSession and carries Secure', async () => {
    const [pglite] = databaseTargets();
    const t = await startTestApp(pglite!, { NODE_ENV: 'production' });
    try {
      const client = new Client(t.url);
      const response = await client.register(uniqueEmail());
      const cookie = response.headers
        .getSetCookie()
        .find((line) => line.startsWith('__Host-KhaznatiSession='));
      assert.ok(cookie, 'the __Host- cookie is set');
      assert.match(cookie, /Secure/);
      assert.match(cookie, /Path=\//);
      assert.doesNotMatch(cookie, /Domain=/i);
    } finally {
      await t.close();
    }
  });
});
