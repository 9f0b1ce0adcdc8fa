/**
 * Load on the real server process, from several people at once: 200 small uploads
 * (4 to 64 KiB) started together, then 10 uploads of 200 MiB started together. No upload
 * may fail, every file is listed once and downloads byte-identical, and the server's memory
 * stays bounded however many bytes pass through it: its resident memory is sampled during
 * each phase and the highest figure printed. The large bodies are a seeded keystream hashed
 * as they are read, so the test never holds them whole.
 *
 * The small uploads run on every database. The 2 GiB of large uploads run on one only (on
 * Postgres when TEST_DATABASE_URL is set, on PGlite otherwise): their path through the server
 * is the same on both (the database sees a handful of rows), and on a two-core machine they
 * take about two minutes each. LOAD_SEED=<seed> replays the sizes and bytes; LOAD_LARGE_MIB
 * changes the large size.
 */
import assert from 'node:assert/strict';
import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Upload } from 'tus-js-client';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { launchServer, type ServerProcess } from '../helpers/server-process.js';
import { sha256, tusHeaders } from '../helpers/uploads.js';
import { assertVaultIntact } from '../helpers/vault-check.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const PEOPLE = 5;
const SMALL_UPLOADS = 200;
const LARGE_UPLOADS = 10;
const LARGE_BYTES = Number(process.env.LOAD_LARGE_MIB ?? 200) * MiB;
/** Well under the Cloudflare cap the page's own chunks respect (50 MB). */
const LARGE_CHUNK = 16 * MiB;
/**
 * Generous: the point is that it does not grow with the bytes uploaded (2 GiB here). An
 * embedded PGlite is a whole Postgres inside the process, whose first start alone reaches
 * about 840 MiB and whose WebAssembly memory never shrinks, hence its own ceiling.
 */
const PEAK_RSS_CEILING_MIB: Record<string, number> = { pglite: 1024, postgres: 600 };
const seed = Number(process.env.LOAD_SEED ?? Date.now() % 2 ** 31);

interface Person {
  client: Client;
  headers: Record<string, string>;
  expected: Map<string, string>;
}

/**
 * `length` bytes of AES-CTR keystream from `seed`: the same bytes for the same seed,
 * produced a chunk at a time, hashed as they are read. `sha256()` is valid once read whole.
 */
function seededStream(seedText: string, length: number) {
  const key = createHash('sha256').update(seedText).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const hash = createHash('sha256');
  const zeros = Buffer.alloc(MiB);
  let produced = 0;
  const stream = new Readable({
    read() {
      if (produced >= length) {
        this.push(null);
        return;
      }
      const size = Math.min(MiB, length - produced);
      const chunk = cipher.update(zeros.subarray(0, size));
      produced += size;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, sha256: () => hash.digest('hex') };
}

function upload(
  person: Person,
  source: Buffer | Readable,
  name: string,
  options: { size?: number; chunkSize?: number } = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const tus = new Upload(source, {
      endpoint: `${person.client.baseUrl}/uploads`,
      chunkSize: options.chunkSize ?? MiB,
      uploadSize: options.size,
      retryDelays: [],
      metadata: { filename: name },
      headers: person.headers,
      onError: reject,
      onSuccess: () => resolve(),
    });
    tus.start();
  });
}

/** `length` bytes of AES-CTR keystream from `seedText`, all at once. */
function seededBytes(seedText: string, length: number): Buffer {
  const key = createHash('sha256').update(seedText).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(length));
}

/** The highest resident memory of the server while `work` runs, sampled every 200 ms. */
async function sampleRss(server: ServerProcess, work: () => Promise<void>): Promise<number> {
  let highest = await server.rssKiB();
  const timer = setInterval(() => {
    server.rssKiB().then(
      (kib) => {
        highest = Math.max(highest, kib);
      },
      () => {},
    );
  }, 200);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.round(Math.max(highest, await server.rssKiB()) / 1024);
}

const largeTarget = databaseTargets().at(-1)!;

for (const target of databaseTargets()) {
  describe(`load on ${target.name} (seed ${seed})`, () => {
    let server: ServerProcess;
    const people: Person[] = [];

    before(async () => {
      server = await launchServer(target);
      await server.start();
      for (let i = 0; i < PEOPLE; i++) {
        const client = new Client(server.url);
        assert.equal((await client.register(uniqueEmail(`load${i}`))).status, 303);
        people.push({ client, headers: await tusHeaders(client), expected: new Map() });
      }
    });
    after(async () => {
      if (server.running) {
        const peak = Math.round((await server.peakRssKiB()) / 1024);
        console.log(`# ${target.name}: peak RSS since start (VmHWM) ${peak} MiB`);
      }
      await server.close();
    });

    it(`${SMALL_UPLOADS} small uploads at once: none fails, all listed once and identical`, async () => {
      const random = seededRandom(seed);
      const started = Date.now();
      const highest = await sampleRss(server, async () => {
        await Promise.all(
          Array.from({ length: SMALL_UPLOADS }, async (_, i) => {
            const person = people[i % PEOPLE]!;
            const data = seededBytes(`${seed}:small:${i}`, random.int(4 * KiB, 64 * KiB));
            const name = `small-${i}.bin`;
            await upload(person, data, name);
            person.expected.set(name, sha256(data));
          }),
        );
      });
      const seconds = (Date.now() - started) / 1000;
      console.log(`# ${target.name}: ${SMALL_UPLOADS} small uploads in ${seconds.toFixed(1)} s`);

      for (const [i, person] of people.entries()) {
        await assertVaultIntact(person.client, person.expected, `${target.name}, person ${i}`);
      }
      console.log(`# ${target.name}: highest RSS during the small uploads ${highest} MiB`);
      assert.ok(
        highest < PEAK_RSS_CEILING_MIB[target.name]!,
        `server memory bounded (${highest} MiB)`,
      );
    });

    const large =
      target.name === largeTarget.name ? {} : { skip: `run on ${largeTarget.name} only` };
    it(
      `${LARGE_UPLOADS} uploads of ${LARGE_BYTES / MiB} MiB at once: all identical, memory bounded`,
      large,
      async () => {
        const started = Date.now();
        const highest = await sampleRss(server, async () => {
          await Promise.all(
            Array.from({ length: LARGE_UPLOADS }, async (_, i) => {
              const person = people[i % PEOPLE]!;
              const name = `large-${i}.bin`;
              const body = seededStream(`${seed}:large:${i}`, LARGE_BYTES);
              await upload(person, body.stream, name, {
                size: LARGE_BYTES,
                chunkSize: LARGE_CHUNK,
              });
              person.expected.set(name, body.sha256());
            }),
          );
        });
        const seconds = (Date.now() - started) / 1000;
        const rate = (LARGE_UPLOADS * LARGE_BYTES) / MiB / seconds;
        console.log(
          `# ${target.name}: ${LARGE_UPLOADS} x ${LARGE_BYTES / MiB} MiB in ${seconds.toFixed(1)} s ` +
            `(${rate.toFixed(0)} MiB/s)`,
        );
        console.log(`# ${target.name}: highest RSS during the large uploads ${highest} MiB`);
        assert.ok(
          highest < PEAK_RSS_CEILING_MIB[target.name]!,
          `server memory bounded (${highest} MiB)`,
        );

        let bytes = 0;
        for (const [i, person] of people.entries()) {
          const check = await assertVaultIntact(person.client, person.expected, `person ${i}`);
          bytes += check.bytes;
        }
        console.log(`# ${target.name}: ${bytes} bytes compared`);
        assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      },
    );
  });
}
