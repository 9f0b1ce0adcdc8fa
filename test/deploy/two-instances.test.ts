import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { Upload } from 'tus-js-client';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { postgresUrl, redisUrl } from '../helpers/services.js';
import {
  fileIdFromListing,
  randomFile,
  sha256,
  tusHeaders,
  uploadWithTus,
} from '../helpers/uploads.js';
import { type Cluster, startCluster, TRUSTED_EDGE } from './cluster.js';
import { requestFrom, signUpFrom } from './http-from.js';
import { findNginx } from './processes.js';

const MiB = 1024 * 1024;
const postgres = postgresUrl();
const redis = redisUrl();
const nginx = findNginx();
if (!nginx && process.env.CI === 'true') throw new Error('nginx must be installed in CI');
const missing = [!postgres && 'TEST_DATABASE_URL', !redis && 'REDIS_URL', !nginx && 'nginx'];
const skip = missing.some(Boolean) ? `needs ${missing.filter(Boolean).join(', ')}` : false;

describe('two instances behind the shipped nginx config (S3 emulator, Postgres, Redis)', {
  skip,
}, () => {
  let cluster: Cluster;
  let client: Client;

  before(async () => {
    cluster = await startCluster({
      postgresUrl: postgres!,
      redisUrl: redis!,
      env: { AUTH_RATE_LIMIT_PER_MINUTE: '5' },
    });
    client = new Client(cluster.url);
    await client.register(uniqueEmail('cluster'));
  });
  after(() => cluster?.stop());

  async function download(id: string, headers: Record<string, string> = {}) {
    const response = await client.get(`/files/${id}/download`, headers);
    return { response, body: Buffer.from(await response.arrayBuffer()) };
  }

  it('spreads requests over both instances in turn', async () => {
    for (let i = 0; i < 6; i++)
      await (await fetch(`${cluster.url}/robots-round-robin`)).arrayBuffer();
    const lines = await cluster.logLines((line) => line.path === '/robots-round-robin', 6);
    const upstreams = lines.map((line) => line.upstream);
    assert.equal(new Set(upstreams).size, 2, upstreams.join(' '));
    for (let i = 1; i < upstreams.length; i++) assert.notEqual(upstreams[i], upstreams[i - 1]);
  });

  it('compresses pages, styles and scripts, and never a download', async () => {
    const gzip = { 'accept-encoding': 'gzip' };
    const page = await client.get('/files', gzip);
    assert.equal(page.headers.get('content-encoding'), 'gzip');
    const html = await page.text();
    const assets = [...html.matchAll(/\/static\/[\w.-]+\.(?:css|js)/g)].map((m) => m[0]);
    assert.ok(
      assets.some((a) => a.endsWith('.css')) && assets.some((a) => a.endsWith('.js')),
      html,
    );
    for (const asset of new Set(assets)) {
      const response = await fetch(`${cluster.url}${asset}`, { headers: gzip });
      assert.equal(response.headers.get('content-encoding'), 'gzip', asset);
    }

    // Uploaded straight to one instance, so that this case does not depend on uploads in
    // progress being shared; the download below goes through nginx.
    const data = Buffer.from('A text file compresses well. '.repeat(4000));
    const direct = new Client(`http://127.0.0.1:${cluster.instances[0]!.port}`);
    for (const [name, value] of client.cookies) direct.cookies.set(name, value);
    await uploadWithTus(direct, data, { name: 'notes.txt' });
    const id = fileIdFromListing(await (await client.get('/files')).text(), 'notes.txt')!;
    const { response, body } = await download(id, gzip);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-encoding'), null);
    assert.equal(response.headers.get('content-length'), String(data.length));
    assert.equal(sha256(body), sha256(data));
  });

  it('ignores CF-Connecting-IP from outside the trusted ranges, and believes it from the edge', async () => {
    const spoofed = uniqueEmail('spoofed');
    const edge = uniqueEmail('edge');
    // Signing in writes the session row, whose ip_prefix is what the app took for the client.
    const direct = await signUpFrom('127.0.0.1', cluster.url, spoofed, {
      'cf-connecting-ip': '203.0.113.7',
    });
    const relayed = await signUpFrom(TRUSTED_EDGE, cluster.url, edge, {
      'cf-connecting-ip': '198.51.100.23',
    });
    assert.deepEqual([...direct, ...relayed], [303, 303, 303, 303]);

    const db = new pg.Client({ connectionString: cluster.databaseUrl });
    await db.connect();
    try {
      const prefixOf = async (email: string) => {
        const { rows } = await db.query(
          'SELECT s.ip_prefix FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = $1',
          [email],
        );
        return rows.map((row) => row.ip_prefix);
      };
      const seen = { spoofed: await prefixOf(spoofed), edge: await prefixOf(edge) };
      assert.ok(seen.spoofed.length > 0 && seen.edge.length > 0, JSON.stringify(seen));
      assert.ok(
        seen.spoofed.every((prefix) => prefix === '127.0.0.0'),
        'the real peer',
      );
      assert.ok(
        seen.edge.every((prefix) => prefix === '198.51.100.0'),
        'the edge names it',
      );
    } finally {
      await db.end();
    }
  });

  it('writes only truncated client addresses to the access log', async () => {
    const lines = await cluster.accessLog();
    assert.ok(lines.length > 10);
    for (const line of lines) {
      assert.match(line.client, /^(\d+\.\d+\.\d+\.0|[0-9a-f:]+::)$/, JSON.stringify(line));
      const text = JSON.stringify({ ...line, upstream: '' });
      for (const full of ['203.0.113.7', '198.51.100.23', '127.0.0.1', TRUSTED_EDGE]) {
        assert.ok(!text.includes(full), `${full} in ${text}`);
      }
    }
    assert.ok(lines.some((line) => line.client === '198.51.100.0'));
  });

  it('holds the sign-in rate limit across instances', async () => {
    // A client address of this run alone, so that parallel runs sharing Redis do not count.
    const address = `192.0.2.${1 + Math.floor(Math.random() * 250)}`;
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      const response = await requestFrom(TRUSTED_EDGE, `${cluster.url}/signin`, {
        method: 'POST',
        headers: {
          'cf-connecting-ip': address,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'email=nobody%40example.dz&password=wrong-password',
      });
      statuses.push(response.status);
    }
    // Round robin gives each instance three of the six: only a shared count reaches the limit.
    assert.equal(statuses.at(-1), 429, statuses.join(' '));
    const lines = await cluster.logLines((line) => line.client === '192.0.2.0', 6);
    const attempts = lines.filter((line) => line.path === '/signin').slice(-6);
    assert.equal(
      new Set(attempts.map((line) => line.upstream)).size,
      2,
      'both instances took some',
    );
  });

  it('completes an upload whose chunks alternate between the instances', async () => {
    const data = randomFile(5 * MiB + 99);
    const url = await uploadWithTus(client, data, { name: 'alternating.bin', chunkSize: MiB });
    const patches = await cluster.logLines(
      (line) => line.method === 'PATCH' && line.path === new URL(url, cluster.url).pathname,
      6,
    );
    assert.equal(
      new Set(patches.map((line) => line.upstream)).size,
      2,
      'both instances took chunks',
    );
    const id = fileIdFromListing(await (await client.get('/files')).text(), 'alternating.bin')!;
    assert.equal(sha256((await download(id)).body), sha256(data));
  });

  // Last: it leaves one instance stopped.
  it('finishes on the other instance an upload interrupted when one instance stopped', async () => {
    const data = randomFile(6 * MiB + 7);
    const headers = await tusHeaders(client);
    const uploadUrl = await new Promise<string>((resolve, reject) => {
      const upload = new Upload(data, {
        endpoint: `${cluster.url}/uploads`,
        chunkSize: MiB,
        retryDelays: [],
        metadata: { filename: 'interrupted.bin' },
        headers,
        onError: reject,
        onChunkComplete(_chunk, accepted) {
          if (accepted > data.length / 3) upload.abort().then(() => resolve(upload.url!), reject);
        },
        onSuccess: () => reject(new Error('the upload should have been interrupted')),
      });
      upload.start();
    });

    await cluster.instances[0]!.child.stop();
    await uploadWithTus(client, data, { uploadUrl, name: 'interrupted.bin', chunkSize: MiB });
    const id = fileIdFromListing(await (await client.get('/files')).text(), 'interrupted.bin')!;
    assert.equal(sha256((await download(id)).body), sha256(data));
  });
});
