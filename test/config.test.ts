import assert from 'node:assert/strict';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';

const secrets = {
  SECRET_KEY: 'a-very-secret-value-that-must-never-be-echoed',
  SECURITY_PASSWORD_SALT: 'another-secret-pepper-value',
};

function failure(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error;
  }
  assert.fail('expected the configuration to be refused');
}

describe('configuration', () => {
  it('uses the documented defaults', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'khaznati-config-'));
    const config = loadConfig({ DATA_DIR: dataDir, ...secrets });
    assert.equal(config.port, 3000);
    assert.equal(config.env, 'development');
    assert.equal(config.maxUploadBytes, 10 * 1024 ** 3);
    assert.equal(config.defaultQuotaBytes, 5 * 1024 ** 3);
    assert.equal(config.databaseUrl, undefined);
    assert.deepEqual(config.trustedProxies, ['127.0.0.1/8', '::1/128']);
  });

  for (const [variable, value] of [
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['NODE_ENV', 'staging'],
    ['MAX_UPLOAD_BYTES', '-5'],
    ['DEFAULT_QUOTA_BYTES', '1.5'],
    ['DATABASE_URL', 'mysql://nope'],
    ['TRUSTED_PROXIES', '10.0.0.0/99'],
  ] as const) {
    it(`names ${variable} when it is ${JSON.stringify(value)}`, () => {
      const error = failure({ ...secrets, [variable]: value });
      assert.equal(error.variable, variable);
      assert.match(error.message, new RegExp(`^${variable}: `));
    });
  }

  it('never echoes a secret it refuses', () => {
    const error = failure({
      SECRET_KEY: 'short-secret-xyz',
      SECURITY_PASSWORD_SALT: 'x'.repeat(20),
    });
    assert.equal(error.variable, 'SECRET_KEY');
    assert.ok(!error.message.includes('short-secret-xyz'));
  });

  it('requires SECRET_KEY and SECURITY_PASSWORD_SALT in production', () => {
    assert.equal(failure({ NODE_ENV: 'production' }).variable, 'SECRET_KEY');
    const pepperMissing = failure({ NODE_ENV: 'production', SECRET_KEY: secrets.SECRET_KEY });
    assert.equal(pepperMissing.variable, 'SECURITY_PASSWORD_SALT');
  });

  it('generates development secrets once, keeps them in DATA_DIR with mode 0600, and warns', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'khaznati-config-'));
    const warnings: string[] = [];
    const first = loadConfig({ DATA_DIR: dataDir }, { warn: (text) => warnings.push(text) });
    const second = loadConfig({ DATA_DIR: dataDir }, { warn: (text) => warnings.push(text) });

    assert.equal(first.secretKey, second.secretKey);
    assert.equal(first.passwordPepper, second.passwordPepper);
    assert.ok(first.secretKey.length >= 32);
    assert.equal(warnings.length, 3, 'one warning per generated secret, only the first time');
    assert.ok(warnings.every((text) => !text.includes(first.secretKey)));
    const file = join(dataDir, 'secrets', 'secret_key');
    assert.equal((await readFile(file, 'utf8')).trim(), first.secretKey);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  });

  it('reads KHAZNATI_MASTER_KEYS newest first', () => {
    const newer = `k2:${Buffer.alloc(32, 2).toString('base64')}`;
    const older = `k1:${Buffer.alloc(32, 1).toString('base64')}`;
    const config = loadConfig({ ...secrets, KHAZNATI_MASTER_KEYS: `${newer}, ${older}` });
    assert.equal(config.masterKeys.current.id, 'k2');
    assert.deepEqual(config.masterKeys.ids, ['k2', 'k1']);
  });

  it('requires KHAZNATI_MASTER_KEYS in production, naming it', () => {
    const error = failure({ ...secrets, NODE_ENV: 'production' });
    assert.equal(error.variable, 'KHAZNATI_MASTER_KEYS');
    assert.match(error.message, /^KHAZNATI_MASTER_KEYS: is required when NODE_ENV=production$/);
  });

  for (const [label, value] of [
    ['a key of 31 bytes', `k1:${Buffer.alloc(31, 7).toString('base64')}`],
    ['no separator', Buffer.alloc(32, 7).toString('base64')],
    ['a key that is not base64', `k1:${'%'.repeat(43)}=`],
    [
      'a repeated id',
      `k1:${Buffer.alloc(32, 7).toString('base64')},k1:${Buffer.alloc(32, 8).toString('base64')}`,
    ],
  ] as const) {
    it(`refuses KHAZNATI_MASTER_KEYS with ${label}, naming it and never echoing a key`, () => {
      const error = failure({ ...secrets, NODE_ENV: 'production', KHAZNATI_MASTER_KEYS: value });
      assert.equal(error.variable, 'KHAZNATI_MASTER_KEYS');
      assert.match(error.message, /^KHAZNATI_MASTER_KEYS: /);
      for (const part of value.split(/[:,]/)) {
        if (part.length > 8) assert.ok(!error.message.includes(part), 'no key material echoed');
      }
    });
  }

  it('generates a development master key once, in DATA_DIR/secrets with mode 0600', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'khaznati-config-'));
    const warnings: string[] = [];
    const first = loadConfig({ DATA_DIR: dataDir, ...secrets }, { warn: (w) => warnings.push(w) });
    const second = loadConfig({ DATA_DIR: dataDir, ...secrets }, { warn: (w) => warnings.push(w) });
    assert.equal(first.masterKeys.current.id, second.masterKeys.current.id);
    assert.ok(first.masterKeys.current.key.equals(second.masterKeys.current.key));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /KHAZNATI_MASTER_KEYS is not set/);
    const file = join(dataDir, 'secrets', 'master-keys');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const key = (await readFile(file, 'utf8')).trim().split(':')[1]!;
    assert.ok(!warnings[0]!.includes(key));
  });
});
