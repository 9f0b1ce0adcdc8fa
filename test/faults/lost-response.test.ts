/**
 * On a mobile link the answer to the last chunk is easily lost: the server has stored the
 * file, the phone never hears so. The page then resumes as tus says, with a HEAD. That HEAD
 * must say the upload is complete, so that no byte is sent again and the file is listed
 * once; answering 404 makes the client upload the whole file a second time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { resumeWithTus, sendPatch } from '../helpers/tus-fault-client.js';
import { createUpload, randomFile, sha256, tusHeaders } from '../helpers/uploads.js';
import { assertVaultIntact, listedFiles } from '../helpers/vault-check.js';

for (const target of databaseTargets()) {
  describe(`a lost answer to the last chunk on ${target.name}`, () => {
    let t: TestApp;
    let client: Client;
    before(async () => {
      t = await startTestApp(target);
      client = new Client(t.url);
      await client.register(uniqueEmail('lost'));
    });
    after(() => t.close());

    it('resuming asks for no byte again and the file is listed once', async () => {
      const data = randomFile(300_000);
      const created = await createUpload(client, {
        'upload-length': String(data.length),
        'upload-metadata': `filename ${Buffer.from('lost.bin').toString('base64')}`,
      });
      const location = created.headers.get('location')!;
      const flight = sendPatch(client, await tusHeaders(client), location, 0, data);
      await flight.response;

      // The server answered; the phone did not hear it and resumes.
      for (let tries = 0; tries < 50; tries++) {
        if ((await listedFiles(client)).some((file) => file.name === 'lost.bin')) break;
        await delay(100);
      }
      const resumed = await resumeWithTus(client, data, { uploadUrl: location, name: 'lost.bin' });
      assert.equal(resumed.lowestOffsetSent, Number.POSITIVE_INFINITY, 'no byte is sent again');
      await assertVaultIntact(client, new Map([['lost.bin', sha256(data)]]), 'after the resume');
    });
  });
}
