/**
 * A client that sends a byte a second never trips an idle timeout, so a handful of them
 * could hold every request slot of the server for as long as they like. The server must
 * cut such a client within a bounded time (its headers, a tus PATCH body, a form body),
 * keep the bytes of an upload that did arrive, and serve everyone else meanwhile; and it
 * must never cut a phone that sends slowly but steadily (20 KB/s, a 3G link).
 * REQUEST_STALL_SECONDS is set small here so that the whole file runs in seconds.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { launchServer, type ServerProcess } from '../helpers/server-process.js';
import { sendSlowly } from '../helpers/slow-client.js';
import { headUpload, resumeWithTus } from '../helpers/tus-fault-client.js';
import {
  createNamedUpload,
  randomFile,
  sha256,
  tusHeaders,
  uploadWithTus,
} from '../helpers/uploads.js';
import { assertVaultIntact, listedFiles } from '../helpers/vault-check.js';

const STALL_SECONDS = 2;
/** Far past the stall window: a client still connected by then was not cut. */
const GIVE_UP_MS = 30_000;
const KiB = 1024;

function head(method: string, path: string, headers: Record<string, string>): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

function patchHead(headers: Record<string, string>, location: string, length: number) {
  return head('PATCH', location, {
    ...headers,
    'tus-resumable': '1.0.0',
    'upload-offset': '0',
    'content-type': 'application/offset+octet-stream',
    'content-length': String(length),
    connection: 'close',
  });
}

for (const target of databaseTargets()) {
  describe(`slow clients on ${target.name}`, () => {
    let server: ServerProcess;
    let client: Client;
    const expected = new Map<string, string>();

    before(async () => {
      server = await launchServer(target, {
        env: { REQUEST_STALL_SECONDS: String(STALL_SECONDS) },
      });
      await server.start();
      client = new Client(server.url);
      assert.equal((await client.register(uniqueEmail('slow'))).status, 303);
    });
    after(() => server.close());

    it('cuts a tus PATCH sent a byte a second, keeps its bytes, serves others meanwhile', async () => {
      const data = randomFile(256 * KiB);
      const location = await createNamedUpload(client, 'trickled.bin', data.length);
      const burst = 100 * KiB;
      const trickling = sendSlowly(server.url, {
        head: patchHead(await tusHeaders(client), location, data.length),
        burst: data.subarray(0, burst),
        rest: data.subarray(burst),
        piece: 1,
        everyMs: 1000,
        giveUpMs: GIVE_UP_MS,
      });

      // Someone else uploads, lists and checks health while the trickle holds its slot.
      const other = new Client(server.url);
      assert.equal((await other.register(uniqueEmail('other'))).status, 303);
      const theirs = randomFile(300 * KiB);
      await uploadWithTus(other, theirs, { name: 'theirs.bin', chunkSize: 64 * KiB });
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      await assertVaultIntact(other, new Map([['theirs.bin', sha256(theirs)]]), 'meanwhile');

      const outcome = await trickling;
      console.log(`# ${target.name}: tus trickle cut after ${outcome.ms} ms`);
      assert.ok(outcome.cut, `the trickle was cut (${outcome.ms} ms, ${outcome.answer})`);
      assert.ok(outcome.answer === '' || outcome.answer.startsWith('HTTP/1.1 408'), outcome.answer);

      const kept = await headUpload(client, location);
      assert.equal(kept.status, 200);
      assert.ok(kept.offset! >= burst, `the burst was kept (offset ${kept.offset})`);
      assert.ok(kept.offset! <= outcome.bodyBytesSent, 'no byte invented');

      const resumed = await resumeWithTus(client, data, {
        uploadUrl: location,
        name: 'trickled.bin',
      });
      assert.ok(resumed.lowestOffsetSent >= kept.offset!, 'no kept byte asked for again');
      expected.set('trickled.bin', sha256(data));
      await assertVaultIntact(client, expected, 'after the trickle');
    });

    it('does not cut a PATCH that arrives slowly but steadily (20 KB/s)', async () => {
      const data = randomFile(160 * KiB);
      const location = await createNamedUpload(client, 'steady.bin', data.length);
      const outcome = await sendSlowly(server.url, {
        head: patchHead(await tusHeaders(client), location, data.length),
        rest: data,
        piece: 2 * KiB,
        everyMs: 100,
        giveUpMs: GIVE_UP_MS,
      });
      console.log(`# ${target.name}: steady upload took ${outcome.ms} ms`);
      assert.ok(!outcome.cut, `the steady upload was not cut (${outcome.answer})`);
      assert.match(outcome.answer, /^HTTP\/1\.1 204 /, 'the PATCH was answered');
      assert.match(outcome.answer, new RegExp(`upload-offset: ${data.length}\\r\\n`, 'i'));
      expected.set('steady.bin', sha256(data));
      await assertVaultIntact(client, expected, 'after the steady upload');
    });

    it('cuts a form body sent a byte a second', async () => {
      const signedOut = new Client(server.url);
      const token = await signedOut.csrfToken('/signin');
      const body = Buffer.from(
        new URLSearchParams({
          _csrf: token,
          email: 'slow@example.dz',
          password: 'correct horse battery',
        }).toString(),
      );
      const outcome = await sendSlowly(server.url, {
        head: head('POST', '/signin', {
          cookie: signedOut.cookieHeader(),
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': String(body.length),
        }),
        burst: body.subarray(0, 10),
        rest: body.subarray(10),
        piece: 1,
        everyMs: 1000,
        giveUpMs: GIVE_UP_MS,
      });
      console.log(`# ${target.name}: form trickle cut after ${outcome.ms} ms`);
      assert.ok(outcome.cut, `the form trickle was cut (${outcome.answer})`);
      assert.ok(outcome.bodyBytesSent < body.length, 'cut before the body was whole');
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    });

    it('cuts headers sent a byte a second', async () => {
      const rest = Buffer.from('x-slow: '.concat('a'.repeat(200), '\r\n\r\n'));
      const outcome = await sendSlowly(server.url, {
        head: 'GET /files HTTP/1.1\r\nhost: 127.0.0.1\r\n',
        rest,
        piece: 1,
        everyMs: 1000,
        giveUpMs: GIVE_UP_MS,
      });
      console.log(`# ${target.name}: header trickle cut after ${outcome.ms} ms`);
      assert.ok(outcome.cut, `the header trickle was cut (${outcome.answer})`);
      assert.ok(outcome.answer === '' || outcome.answer.startsWith('HTTP/1.1 408'), outcome.answer);
      assert.equal((await listedFiles(client)).length, expected.size, 'the vault still answers');
    });
  });
}
