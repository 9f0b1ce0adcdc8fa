import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { DiskBlobStore } from '../../src/storage/disk-store.js';
import { blobStoreContract } from './blob-store-contract.js';

const folders: string[] = [];
after(() => Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true }))));

blobStoreContract('disk', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'khaznati-blobs-'));
  folders.push(folder);
  const store = new DiskBlobStore(join(folder, 'blobs'));
  await store.init();
  return store;
});
