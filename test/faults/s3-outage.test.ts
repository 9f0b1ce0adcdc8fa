/**
 * The S3 bucket goes away in the middle of a tus upload: the emulator (s3rver, a process of
 * its own) is stopped while a chunk is still arriving. The server must answer 503 with a
 * message a person understands (never 500, never a crash), list nothing of the upload, and
 * once the bucket is back on the same port with the same objects, the upload resumes from
 * the offset HEAD reports, asking for no acknowledged byte again, and completes identical.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { type S3Emulator, startS3Emulator } from '../helpers/s3-emulator.js';
import { launchServer, type ServerProcess } from '../helpers/server-process.js';
import { headUpload, resumeWithTus, sendPatch } from '../helpers/tus-fault-client.js';
import {
  createUpload,
  fileIdFromListing,
  randomFile,
  sha256,
  tusHeaders,
  uploadWithTus,
} from '../helpers/uploads.js';
import { assertVaultIntact, listedFiles } from '../helpers/vault-check.js';

const MiB = 1024 * 1024;
const OUTAGE_MESSAGE = /cannot reach the storage that holds the files/;
const [pglite] = databaseTargets();

describe('an S3 outage in the middle of an upload', () => {
  let emulator: S3Emulator;
  let server: ServerProcess;
  let client: Client;
  const expected = new Map<string, string>();

  before(async () => {
    emulator = await startS3Emulator();
    server = await launchServer(pglite!, { env: emulator.env });
    await server.start();
    client = new Client(server.url);
    assert.equal((await client.register(uniqueEmail('s3-outage'))).status, 303);
    const letter = randomFile(300 * 1024);
    await uploadWithTus(client, letter, { name: 'letter.pdf' });
    expected.set('letter.pdf', sha256(letter));
  });
  after(async () => {
    await server?.close();
    await emulator?.stop();
  });

  it('answers 503 while the bucket is gone, then resumes where HEAD says and completes', async () => {
    const data = randomFile(12 * MiB + 123);
    const created = await createUpload(client, {
      'upload-length': String(data.length),
      'upload-metadata': `filename ${Buffer.from('holiday.mp4').toString('base64')}`,
    });
    assert.equal(created.status, 201);
    const location = created.headers.get('location')!;
    const headers = await tusHeaders(client);

    const first = await sendPatch(client, headers, location, 0, data.subarray(0, 6 * MiB)).response;
    assert.deepEqual(
      { status: first?.status, offset: first?.offset },
      { status: 204, offset: 6 * MiB },
      'the first chunk is acknowledged',
    );

    // The second chunk is on its way when the bucket goes.
    const second = sendPatch(client, headers, location, 6 * MiB, data.subarray(6 * MiB), 2 * MiB);
    await second.sent;
    await emulator.goDown();
    await second.finish();
    const refused = await second.response;
    assert.ok(refused, 'the server answers the chunk instead of dropping the connection');
    assert.equal(refused.status, 503, refused.body);
    assert.match(refused.body, OUTAGE_MESSAGE);

    assert.ok(server.running, 'the server is still running');
    assert.equal((await headUpload(client, location)).status, 503, 'HEAD says the same');
    const listed = await listedFiles(client);
    assert.deepEqual(
      listed.map((file) => file.name),
      ['letter.pdf'],
      'nothing of the upload is listed',
    );

    // A download meanwhile is refused the same way, in the person's language.
    const id = fileIdFromListing(await (await client.get('/files')).text(), 'letter.pdf');
    const download = await client.get(`/files/${id}/download`, { 'accept-language': 'fr' });
    assert.equal(download.status, 503);
    assert.match(await download.text(), /ne peut pas joindre le stockage des fichiers/);

    await emulator.comeBack();
    const head = await headUpload(client, location);
    assert.equal(head.status, 200, 'HEAD answers again without a restart');
    assert.ok(
      head.offset !== undefined && head.offset >= 6 * MiB,
      `no acknowledged byte is lost (HEAD says ${head.offset})`,
    );
    const resumed = await resumeWithTus(client, data, {
      uploadUrl: location,
      name: 'holiday.mp4',
      chunkSize: 4 * MiB,
    });
    assert.equal(resumed.lowestOffsetSent, head.offset, 'resumed from the offset HEAD reported');

    expected.set('holiday.mp4', sha256(data));
    await assertVaultIntact(client, expected, 'after the bucket came back');
  });
});
