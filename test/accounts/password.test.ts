import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hash } from '@node-rs/argon2';
import {
  checkPasswordLength,
  hashPassword,
  needsRehash,
  verifyPassword,
} from '../../src/accounts/password.js';

const pepper = 'test-pepper-0123456789';

describe('passwords', () => {
  it('hashes with Argon2id m=19 MiB, t=2, p=1 and carries the parameters', async () => {
    const phc = await hashPassword('correct horse battery', pepper);
    assert.match(phc, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.equal(needsRehash(phc), false);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const phc = await hashPassword('correct horse battery', pepper);
    assert.equal(await verifyPassword(phc, 'correct horse battery', pepper), true);
    assert.equal(await verifyPassword(phc, 'correct horse batterY', pepper), false);
  });

  it('uses the pepper: the same password under another pepper does not verify', async () => {
    const phc = await hashPassword('correct horse battery', pepper);
    assert.equal(await verifyPassword(phc, 'correct horse battery', 'another-pepper-xyz'), false);
  });

  it('normalises with NFKC so composed and decomposed forms match', async () => {
    const phc = await hashPassword('ﬁancée-password', pepper);
    assert.equal(await verifyPassword(phc, 'fiance\u0301e-password', pepper), true);
  });

  it('asks for a rehash when the stored parameters are older', async () => {
    const old = await hash('correct horse battery', {
      memoryCost: 4096,
      timeCost: 3,
      parallelism: 1,
    });
    assert.equal(needsRehash(old), true);
  });

  it('counts characters, not bytes, for the 10–256 rule', () => {
    assert.equal(checkPasswordLength('short'), 'too_short');
    assert.equal(checkPasswordLength('ك'.repeat(10)), 'ok');
    assert.equal(checkPasswordLength('a'.repeat(256)), 'ok');
    assert.equal(checkPasswordLength('a'.repeat(257)), 'too_long');
  });

  it('treats a malformed stored hash as a mismatch, not a crash', async () => {
    assert.equal(await verifyPassword('not-a-hash', 'whatever-password', pepper), false);
  });
});
