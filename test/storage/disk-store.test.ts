import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskBlobStore } from '../../src/storage/disk-store.js';
import { blobStoreContract } from './blob-store-contract.js';

blobStoreContract('disk', async () => {
  const store = new DiskBlobStore(join(await mkdtemp(join(tmpdir(), 'khaznati-blobs-')), 'blobs'));
  await store.init();
  return store;
});
