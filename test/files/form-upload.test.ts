import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { files, uploads } from '../../src/files/tables.js';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { createFolder, listing, listingPath } from '../helpers/files.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { fileIdFromListing, randomFile, sha256, storedBlobs } from '../helpers/uploads.js';

const KiB = 1024;

/** Posts the upload form as a browser without scripts does: token, folder, then the file. */
async function postForm(
  client: Client,
  fields: { data?: Buffer; name?: string; folder?: string; csrf?: string },
): Promise<Response> {
  const form = new FormData();
  form.append('_csrf', fields.csrf ?? (await client.csrfToken('/files')));
  form.append('folder', fields.folder ?? '');
  if (fields.data)
    form.append('file', new Blob([new Uint8Array(fields.data)]), fields.name ?? 'paper.pdf');
  return client.request('/files/upload', { method: 'POST', body: form });
}

/** Sends the start of a multipart request by hand, then drops the connection. */
async function sendHalfAndHangUp(t: TestApp, client: Client, declared: number, sent: Buffer) {
  const token = await client.csrfToken('/files');
  const boundary = 'khaznatiboundary';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${token}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="folder"\r\n\r\n\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="half.bin"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const url = new URL(t.url);
  const socket = connect(Number(url.port), url.hostname);
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(
    `POST /files/upload HTTP/1.1\r\nHost: ${url.host}\r\nCookie: ${client.cookieHeader()}\r\n` +
      `Accept: text/html\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\n` +
      `Content-Length: ${declared}\r\n\r\n`,
  );
  socket.write(head);
  socket.write(sent);
  await new Promise((resolve) => setTimeout(resolve, 300));
  socket.destroy();
  await new Promise((resolve) => setTimeout(resolve, 500));
}

for (const target of databaseTargets()) {
  describe(`uploads without scripts on ${target.name}`, () => {
    let t: TestApp;
    let amina: Client;
    let karim: Client;

    const nothingLeft = async () => {
      const kept = (await t.app.database.db.select({ key: files.blobKey }).from(files))
        .map((row) => row.key)
        .sort();
      assert.deepEqual(await storedBlobs(t), kept, 'no bytes but those of finished files');
      assert.equal(await t.app.database.db.$count(uploads), 0, 'no upload row');
    };

    before(async () => {
      t = await startTestApp(target, {
        DEFAULT_QUOTA_BYTES: String(1024 * KiB),
        MAX_UPLOAD_BYTES: String(512 * KiB),
      });
      amina = new Client(t.url);
      karim = new Client(t.url);
      await amina.register(uniqueEmail('amina'));
      await karim.register(uniqueEmail('karim'));
    });
    after(() => t.close());

    it('stores the file in the folder, with the right size and SHA-256', async () => {
      const folder = await createFolder(amina, 'Forms');
      const data = randomFile(300 * KiB + 7);
      const response = await postForm(amina, { data, name: 'scan قديم.pdf', folder });
      assert.equal(response.status, 303);
      assert.equal(response.headers.get('location'), `/files?folder=${folder}&notice=uploaded`);
      const id = fileIdFromListing(await listing(amina, listingPath(folder)), 'scan قديم.pdf');
      assert.ok(id);
      const [row] = await t.app.database.db.select().from(files).where(eq(files.id, id));
      assert.equal(row?.size, data.length);
      assert.equal(row?.sha256, sha256(data));
      const download = await amina.get(`/files/${id}/download`);
      assert.equal(sha256(Buffer.from(await download.arrayBuffer())), sha256(data));
      await nothingLeft();
    });

    it('refuses a form without the CSRF token (403) and keeps nothing', async () => {
      const response = await postForm(amina, { data: randomFile(KiB), csrf: 'forged' });
      assert.equal(response.status, 403);
      await nothingLeft();
    });

    it('refuses a request declared larger than the limit (413) before reading it', async () => {
      const client = amina;
      const token = await client.csrfToken('/files');
      const url = new URL(t.url);
      const socket = connect(Number(url.port), url.hostname);
      const answer = new Promise<string>((resolve) => {
        let text = '';
        socket.on('data', (chunk) => {
          text += chunk.toString();
        });
        socket.on('close', () => resolve(text));
        socket.on('error', () => resolve(text));
      });
      socket.write(
        `POST /files/upload HTTP/1.1\r\nHost: ${url.host}\r\nCookie: ${client.cookieHeader()}\r\n` +
          'Accept: text/html\r\nContent-Type: multipart/form-data; boundary=b\r\n' +
          `X-CSRF-Token: ${token}\r\nContent-Length: ${200 * 1024 * 1024}\r\n\r\n`,
      );
      setTimeout(() => socket.end(), 1000);
      assert.match(await answer, /^HTTP\/1\.1 413/);
      await nothingLeft();
    });

    it('refuses a file over the limit that was sent anyway (413), keeping nothing', async () => {
      const response = await postForm(amina, { data: randomFile(600 * KiB), name: 'big.bin' });
      assert.equal(response.status, 413);
      assert.match(await response.text(), /larger than the maximum/);
      assert.equal(fileIdFromListing(await listing(amina), 'big.bin'), undefined);
      await nothingLeft();
    });

    it('keeps nothing of a form cut off half-way', async () => {
      await sendHalfAndHangUp(t, amina, 200 * KiB, randomFile(60 * KiB));
      assert.equal(fileIdFromListing(await listing(amina), 'half.bin'), undefined);
      await nothingLeft();
    });

    it('refuses a file that does not fit the remaining quota (413)', async () => {
      const client = new Client(t.url);
      await client.register(uniqueEmail('full'));
      for (const name of ['a', 'b']) {
        const fits = await postForm(client, { data: randomFile(400 * KiB), name });
        assert.equal(fits.status, 303);
      }
      const third = await postForm(client, { data: randomFile(400 * KiB), name: 'c' });
      assert.equal(third.status, 413);
      assert.match(await third.text(), /does not fit in your remaining storage/);
      await nothingLeft();
    });

    it("refuses another user's, a missing or a malformed folder (404)", async () => {
      const theirs = await createFolder(karim, 'Karim');
      for (const folder of [theirs, '00000000-0000-4000-8000-000000000000', '../../x']) {
        const response = await postForm(amina, { data: randomFile(KiB), folder });
        assert.equal(response.status, 404, folder);
      }
      await nothingLeft();
    });

    it('refuses a form without a file, or with a bad file name (400)', async () => {
      assert.equal((await postForm(amina, {})).status, 400);
      const badName = await postForm(amina, { data: randomFile(10), name: '..' });
      assert.equal(badName.status, 400);
      await nothingLeft();
    });

    it('refuses a body that is not multipart (415), and a visitor without a session', async () => {
      const token = await amina.csrfToken('/files');
      const urlEncoded = await amina.postForm('/files/upload', { _csrf: token, file: 'x' });
      assert.equal(urlEncoded.status, 415);
      const anonymous = await fetch(`${t.url}/files/upload`, {
        method: 'POST',
        body: new FormData(),
        headers: { accept: 'application/json' },
      });
      assert.equal(anonymous.status, 401);
    });
  });
}
