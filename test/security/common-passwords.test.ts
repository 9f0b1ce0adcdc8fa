/**
 * Abuse: credential stuffing and guessing start with the passwords everyone picks. An
 * account protected by "password123" or "azertyuiop" falls within the first few guesses,
 * however strict the rate limits. The 10,000 most common passwords are refused when an
 * account is created and when a password is changed, with a message saying what to do.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isCommonPassword } from '../../src/accounts/password-policy.js';
import { projectRoot } from '../../src/paths.js';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const COMMON = ['password123', 'Password123', 'azertyuiop', 'qwertyuiop', '1234567890'];

describe('the list of common passwords', () => {
  it('holds 10,000 passwords and matches them whatever their case', () => {
    const file = join(projectRoot, 'src', 'accounts', 'common-passwords.txt');
    const entries = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    assert.equal(entries.length, 10_000);
    for (const password of COMMON) assert.ok(isCommonPassword(password), password);
    assert.ok(isCommonPassword('PASSWORD123'));
    assert.ok(!isCommonPassword('correct horse battery'));
  });
});

for (const target of databaseTargets()) {
  describe(`common passwords on ${target.name}`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(target);
    });
    after(() => t.close());

    for (const password of COMMON) {
      it(`refuses "${password}" at registration (400) and creates nothing`, async () => {
        const email = uniqueEmail('common');
        const response = await new Client(t.url).submitRegistration(email, password);
        assert.equal(response.status, 400);
        assert.match(await response.text(), /one of the most common ones.*choose another/s);
        assert.equal((await new Client(t.url).signIn(email, password)).status, 401);
      });
    }

    it('refuses a common password as a new password (400) and keeps the old one', async () => {
      const client = new Client(t.url);
      const email = uniqueEmail('changer');
      await client.register(email);
      const response = await client.submit('/account', '/account/password', {
        currentPassword: 'correct horse battery',
        newPassword: 'qwerty12345',
        newPasswordConfirmation: 'qwerty12345',
      });
      assert.equal(response.status, 400);
      assert.match(await response.text(), /one of the most common ones/);
      assert.equal((await new Client(t.url).signIn(email)).status, 303);
    });
  });
}
