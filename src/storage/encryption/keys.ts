import { createSecretKey, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { type RandomSource, systemRandom } from './aes-gcm.js';
import { MasterKeyInvalidError } from './errors.js';

export const MASTER_KEYS_VARIABLE = 'KHAZNATI_MASTER_KEYS';
/** Beside the other development secrets, under DATA_DIR. */
export const DEV_KEYS_FILE = join('secrets', 'master-keys');
export const KEY_SIZE = 32;

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function isValidKeyId(id: string): boolean {
  return KEY_ID.test(id);
}

/** A master key. It prints as its id only, so a stray log line never carries the key. */
export class MasterKey {
  readonly id: string;
  readonly key: KeyObject;

  constructor(id: string, key: KeyObject) {
    this.id = id;
    this.key = key;
  }

  toJSON(): { id: string } {
    return { id: this.id };
  }

  toString(): string {
    return `MasterKey(${this.id})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** Master keys, newest first: `current` wraps new data keys, older ones still unwrap. */
export class MasterKeyRing {
  readonly current: MasterKey;
  readonly ids: readonly string[];
  private readonly keys: ReadonlyMap<string, MasterKey>;

  constructor(keys: readonly MasterKey[]) {
    const [current] = keys;
    if (!current) throw new MasterKeyInvalidError('A key ring needs at least one master key');
    this.current = current;
    this.ids = keys.map((key) => key.id);
    this.keys = new Map(keys.map((key) => [key.id, key]));
  }

  byId(id: string): MasterKey | undefined {
    return this.keys.get(id);
  }

  toJSON(): { current: string; ids: readonly string[] } {
    return { current: this.current.id, ids: this.ids };
  }

  [inspect.custom](): string {
    return `MasterKeyRing(${this.ids.join(', ')})`;
  }
}

/**
 * Parses `id:base64-of-32-bytes` entries separated by commas, newest first. Errors name
 * the entry by position (and by id once the id is known to be well formed) and never
 * quote what was given, since a misplaced separator can put key bytes in any field.
 */
export function parseMasterKeys(text: string, source = MASTER_KEYS_VARIABLE): MasterKeyRing {
  const trimmed = text.trim();
  if (trimmed === '') {
    throw new MasterKeyInvalidError(`${source} is empty; it must list id:base64-of-32-bytes`);
  }

  const keys: MasterKey[] = [];
  const seen = new Set<string>();
  for (const [position, entry] of trimmed.split(',').entries()) {
    const key = parseEntry(entry.trim(), `${source} entry ${position + 1}`);
    if (seen.has(key.id)) {
      throw new MasterKeyInvalidError(`${source}: key id "${key.id}" appears more than once`);
    }
    seen.add(key.id);
    keys.push(key);
  }
  return new MasterKeyRing(keys);
}

function parseEntry(entry: string, where: string): MasterKey {
  if (entry === '') throw new MasterKeyInvalidError(`${where} is empty`);
  const separator = entry.indexOf(':');
  if (separator < 0) throw new MasterKeyInvalidError(`${where} has no ":" after its key id`);

  const id = entry.slice(0, separator);
  const encoded = entry.slice(separator + 1);
  if (!isValidKeyId(id)) {
    throw new MasterKeyInvalidError(`${where} has an invalid key id (1-32 of A-Z a-z 0-9 _ -)`);
  }
  const bytes = Buffer.from(encoded, 'base64');
  const canonical = BASE64.test(encoded) && bytes.toString('base64') === encoded;
  if (!canonical) {
    throw new MasterKeyInvalidError(`${where} (key "${id}") is not valid padded base64`);
  }
  if (bytes.length !== KEY_SIZE) {
    throw new MasterKeyInvalidError(
      `${where} (key "${id}") decodes to ${bytes.length} bytes; it must be ${KEY_SIZE}`,
    );
  }

  const key = createSecretKey(bytes);
  bytes.fill(0);
  return new MasterKey(id, key);
}

/** A new `id:base64` entry to put first in KHAZNATI_MASTER_KEYS. */
export function generateMasterKeyEntry(
  id = newKeyId(),
  random: RandomSource = systemRandom,
): string {
  if (!isValidKeyId(id)) throw new MasterKeyInvalidError('Key ids are 1-32 of A-Z a-z 0-9 _ -');
  return `${id}:${random(KEY_SIZE).toString('base64')}`;
}

function newKeyId(): string {
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  return `k${day}-${systemRandom(2).toString('hex')}`;
}

export interface DevKeys {
  ring: MasterKeyRing;
  /** True when the key file was made just now: the caller warns that it must be kept. */
  created: boolean;
  path: string;
}

/**
 * Development only: reads `<dataDir>/secrets/master-keys`, or creates it with one fresh key.
 * The file is created with mode 0600 and refused if others can read it, as ssh does. It is
 * synchronous because configuration is read once, before anything else runs.
 */
export function loadOrCreateDevKeys(dataDir: string): DevKeys {
  const path = join(dataDir, DEV_KEYS_FILE);
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  const created = createKeyFile(path);

  const { mode } = statSync(path);
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new MasterKeyInvalidError(`${path} is readable by other users; run chmod 600 on it`);
  }
  return { ring: parseMasterKeys(readFileSync(path, 'utf8'), path), created, path };
}

function createKeyFile(path: string): boolean {
  try {
    writeFileSync(path, `${generateMasterKeyEntry()}\n`, { flag: 'wx', mode: 0o600 });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}
