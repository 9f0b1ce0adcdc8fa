import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';

const base = {
  SECRET_KEY: 'a-very-secret-value-that-must-never-be-echoed',
  SECURITY_PASSWORD_SALT: 'another-secret-pepper-value',
};
const bucket = {
  S3_ENDPOINT: 'http://127.0.0.1:3900',
  S3_REGION: 'garage',
  S3_BUCKET: 'khaznati',
  S3_ACCESS_KEY: 'GK0123456789',
  S3_SECRET_KEY: 'the-bucket-secret-never-echoed',
};

function refusal(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ ...base, ...env });
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.ok(!error.message.includes(bucket.S3_SECRET_KEY), 'the secret is never echoed');
    return error;
  }
  assert.fail('expected the configuration to be refused');
}

describe('configuration of the S3 bucket and Redis', () => {
  it('keeps bytes on the local disk and locks in memory when nothing is set', () => {
    const config = loadConfig(base);
    assert.equal(config.s3, undefined);
    assert.equal(config.redisUrl, undefined);
  });

  it('reads all five S3 variables and REDIS_URL', () => {
    const config = loadConfig({ ...base, ...bucket, REDIS_URL: 'redis://127.0.0.1:6379' });
    assert.deepEqual(config.s3, {
      endpoint: bucket.S3_ENDPOINT,
      region: 'garage',
      bucket: 'khaznati',
      accessKeyId: bucket.S3_ACCESS_KEY,
      secretAccessKey: bucket.S3_SECRET_KEY,
    });
    assert.equal(config.redisUrl, 'redis://127.0.0.1:6379');
  });

  it('names the secret when the access key comes without it, and the reverse', () => {
    const { S3_SECRET_KEY: _secret, ...withoutSecret } = bucket;
    assert.equal(refusal(withoutSecret).variable, 'S3_SECRET_KEY');
    assert.match(refusal(withoutSecret).message, /required when S3_ACCESS_KEY is set/);
    const { S3_ACCESS_KEY: _key, ...withoutKey } = bucket;
    assert.equal(refusal(withoutKey).variable, 'S3_ACCESS_KEY');
  });

  for (const missing of ['S3_ENDPOINT', 'S3_REGION', 'S3_BUCKET'] as const) {
    it(`names ${missing} when the other S3 variables are set without it`, () => {
      const { [missing]: _left, ...partial } = bucket;
      assert.equal(refusal(partial).variable, missing);
    });
  }

  for (const [variable, value] of [
    ['S3_ENDPOINT', 'garage:3900'],
    ['S3_BUCKET', 'Not_A_Bucket'],
    ['S3_REGION', 'eu west'],
    ['REDIS_URL', 'http://127.0.0.1:6379'],
  ] as const) {
    it(`names ${variable} when it is ${JSON.stringify(value)}`, () => {
      assert.equal(refusal({ ...bucket, [variable]: value }).variable, variable);
    });
  }
});
