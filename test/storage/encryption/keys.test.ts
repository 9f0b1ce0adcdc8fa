import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { inspect } from 'node:util';
import {
  generateMasterKeyEntry,
  loadOrCreateDevKeys,
  MasterKeyInvalidError,
  parseMasterKeys,
} from '../../../src/storage/encryption/index.js';
import { ENTRY_1, ENTRY_2, KEY_1, KEY_2 } from './helpers.js';

const SECRET_TEXT = KEY_1.toString('base64');

/** The message must say what is wrong and must not carry any part of the key. */
function refusal(text: string, message: RegExp): void {
  assert.throws(
    () => parseMasterKeys(text),
    (error) => {
      assert.ok(error instanceof MasterKeyInvalidError);
      assert.equal(error.code, 'master_key_invalid');
      assert.match(error.message, message);
      for (let at = 0; at + 8 <= SECRET_TEXT.length; at += 4) {
        assert.ok(!error.message.includes(SECRET_TEXT.slice(at, at + 8)), error.message);
      }
      assert.ok(!error.message.includes(text.trim()) || text.trim() === '');
      return true;
    },
  );
}

describe('parseMasterKeys', () => {
  it('reads keys newest first, and finds each by id', () => {
    const ring = parseMasterKeys(` ${ENTRY_2}, ${ENTRY_1} `);
    assert.equal(ring.current.id, 'test-2');
    assert.deepEqual(ring.ids, ['test-2', 'test-1']);
    assert.ok(ring.byId('test-1')?.key.export().equals(KEY_1));
    assert.ok(ring.byId('test-2')?.key.export().equals(KEY_2));
    assert.equal(ring.byId('missing'), undefined);
  });

  it('refuses an empty list', () => {
    refusal('', /KHAZNATI_MASTER_KEYS is empty/);
    refusal('  \n', /is empty/);
  });

  it('refuses an empty entry', () => {
    refusal(`${ENTRY_1},`, /entry 2 is empty/);
  });

  it('refuses an entry without a key id separator, without quoting it', () => {
    refusal(SECRET_TEXT, /entry 1 has no ":"/);
  });

  it('refuses a malformed key id without quoting it', () => {
    refusal(`bad id!:${SECRET_TEXT}`, /entry 1 has an invalid key id/);
    refusal(`${'a'.repeat(33)}:${SECRET_TEXT}`, /invalid key id/);
    refusal(`${SECRET_TEXT}:${SECRET_TEXT}`, /invalid key id/);
  });

  it('refuses bad base64', () => {
    refusal(`k1:${SECRET_TEXT.slice(0, 20)}*${SECRET_TEXT.slice(21)}`, /"k1"\) is not valid/);
    refusal(`k1:${SECRET_TEXT.replace(/=+$/, '')}`, /is not valid padded base64/);
  });

  it('refuses a key that is not 32 bytes', () => {
    refusal(`k1:${KEY_1.subarray(0, 16).toString('base64')}`, /16 bytes; it must be 32/);
    refusal(`k1:${Buffer.concat([KEY_1, KEY_1]).toString('base64')}`, /64 bytes/);
  });

  it('refuses a key id used twice', () => {
    refusal(
      `${ENTRY_1},${ENTRY_1.replace('test-1', 'test-2')},${ENTRY_1}`,
      /"test-1" appears more/,
    );
  });

  it('never prints key bytes through inspect, JSON or string conversion', () => {
    const ring = parseMasterKeys(`${ENTRY_1},${ENTRY_2}`);
    const printed = [
      inspect(ring, { depth: 10, showHidden: true }),
      inspect(ring.current, { depth: 10, showHidden: true }),
      JSON.stringify(ring),
      JSON.stringify({ key: ring.current }),
      String(ring.current),
      `${ring.current}`,
    ];
    for (const text of printed) {
      assert.ok(!text.includes(SECRET_TEXT), text);
      assert.ok(!text.includes(KEY_1.toString('hex')), text);
      assert.ok(text.includes('test-1'), text);
    }
  });
});

describe('generateMasterKeyEntry', () => {
  it('makes an entry that parses, with a fresh 32-byte key', () => {
    const [first, second] = [generateMasterKeyEntry(), generateMasterKeyEntry('chosen-id')];
    const ring = parseMasterKeys(`${second},${first}`);
    assert.equal(ring.current.id, 'chosen-id');
    assert.match(ring.ids[1]!, /^k\d{8}-[0-9a-f]{4}$/);
    assert.notDeepEqual(ring.byId(ring.ids[1]!)?.key.export(), ring.current.key.export());
    assert.throws(() => generateMasterKeyEntry('no spaces'), MasterKeyInvalidError);
  });
});

describe('loadOrCreateDevKeys', () => {
  const directories: string[] = [];
  after(async () => {
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });

  async function dataDir(): Promise<string> {
    const directory = await mkdtemp(join(tmpdir(), 'khaznati-keys-'));
    directories.push(directory);
    return join(directory, 'data');
  }

  it('creates the key file once, mode 0600, and reads the same key afterwards', async () => {
    const directory = await dataDir();
    const created = loadOrCreateDevKeys(directory);
    assert.equal(created.created, true);
    assert.equal(created.path, join(directory, 'secrets', 'master-keys'));
    assert.equal((await stat(created.path)).mode & 0o777, 0o600);
    assert.match(await readFile(created.path, 'utf8'), /^k\d{8}-[0-9a-f]{4}:[A-Za-z0-9+/]{43}=\n$/);

    const loaded = loadOrCreateDevKeys(directory);
    assert.equal(loaded.created, false);
    assert.equal(loaded.ring.current.id, created.ring.current.id);
    assert.ok(loaded.ring.current.key.equals(created.ring.current.key));
  });

  it('refuses a key file that other users can read', {
    skip: process.platform === 'win32',
  }, async () => {
    const directory = await dataDir();
    const { path } = loadOrCreateDevKeys(directory);
    await chmod(path, 0o644);
    assert.throws(() => loadOrCreateDevKeys(directory), /readable by other users/);
  });
});
