import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { users } from '../../src/accounts/tables.js';
import { escapeLike, PAGE_SIZE, pageSlices } from '../../src/files/listing.js';
import { folders } from '../../src/files/tables.js';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { createFolder, listing, listingPath } from '../helpers/files.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { randomFile, uploadWithTus } from '../helpers/uploads.js';

/** File names in the order the listing shows them. */
const namesIn = (html: string) =>
  [
    ...html.matchAll(/href="\/files\/[0-9a-f-]{36}\/download" download[^>]*><bdi>([^<]*)<\/bdi>/g),
  ].map((match) => match[1] ?? '');

describe('listing arithmetic', () => {
  it('slices folders first, then files, page by page', () => {
    assert.deepEqual(pageSlices(0, 1), {
      folderOffset: 0,
      folderLimit: 0,
      fileOffset: 0,
      fileLimit: 100,
    });
    assert.deepEqual(pageSlices(250, 3), {
      folderOffset: 200,
      folderLimit: 50,
      fileOffset: 0,
      fileLimit: 50,
    });
    assert.deepEqual(pageSlices(30, 2), {
      folderOffset: 30,
      folderLimit: 0,
      fileOffset: 70,
      fileLimit: 100,
    });
  });

  it('escapes LIKE wildcards so they match themselves', () => {
    assert.equal(escapeLike('50%_off\\'), '50\\%\\_off\\\\');
  });
});

for (const target of databaseTargets()) {
  describe(`sorting, searching and pages on ${target.name}`, () => {
    let t: TestApp;
    let amina: Client;
    let karim: Client;
    let inner = '';
    const aminaEmail = uniqueEmail('amina');

    before(async () => {
      t = await startTestApp(target);
      amina = new Client(t.url);
      karim = new Client(t.url);
      await amina.register(aminaEmail);
      await karim.register(uniqueEmail('karim'));
      for (const [name, size] of [
        ['banana.txt', 300],
        ['Apple.txt', 100],
        ['cherry.txt', 200],
        ['50%_off.txt', 10],
        ['5000 off.txt', 20],
      ] as const) {
        await uploadWithTus(amina, randomFile(size), { name });
      }
      inner = await createFolder(amina, 'Archive');
      await uploadWithTus(amina, randomFile(5), { name: 'old-banana.txt', folder: inner });
      await uploadWithTus(karim, randomFile(5), { name: 'karim-banana.txt' });
    });
    after(() => t.close());

    it('sorts by name, size and date, both ways, case aside', async () => {
      // Only letters: databases disagree on where punctuation sorts, never on A, b, c.
      const letters = (names: string[]) => names.filter((name) => /^[a-z]+\.txt$/i.test(name));
      const byName = letters(namesIn(await listing(amina, '/files?sort=name')));
      assert.deepEqual(byName, ['Apple.txt', 'banana.txt', 'cherry.txt']);
      const byNameDown = letters(namesIn(await listing(amina, '/files?sort=name&order=desc')));
      assert.deepEqual(byNameDown, [...byName].reverse());
      const bySize = namesIn(await listing(amina, '/files?sort=size'));
      assert.deepEqual(bySize.slice(0, 3), ['banana.txt', 'cherry.txt', 'Apple.txt']);
      const bySizeUp = namesIn(await listing(amina, '/files?sort=size&order=asc'));
      assert.equal(bySizeUp[0], '50%_off.txt');
      const byDate = namesIn(await listing(amina, '/files'));
      assert.equal(byDate[0], '5000 off.txt', 'newest first by default');
      assert.match(await listing(amina, '/files?sort=name'), /aria-sort="ascending"/);
    });

    it('finds by part of the name in any case and in every folder, showing where', async () => {
      const html = await listing(amina, '/files?q=BANANA');
      assert.deepEqual(namesIn(html).sort(), ['banana.txt', 'old-banana.txt']);
      assert.match(html, /In <bdi>Archive<\/bdi>/);
      assert.doesNotMatch(html, /karim-banana/, "never another user's files");
    });

    it('treats % and _ in a search as plain characters', async () => {
      assert.deepEqual(namesIn(await listing(amina, `/files?q=${encodeURIComponent('50%_')}`)), [
        '50%_off.txt',
      ]);
      assert.deepEqual(namesIn(await listing(amina, `/files?q=${encodeURIComponent('%')}`)), [
        '50%_off.txt',
      ]);
      assert.deepEqual(namesIn(await listing(amina, `/files?q=${encodeURIComponent('\\')}`)), []);
    });

    it('answers hostile searches with an ordinary page', async () => {
      for (const q of ["' OR 1=1 --", '<script>alert(1)</script>', 'ملف', '\u202Eevil']) {
        const response = await amina.get(`/files?q=${encodeURIComponent(q)}`);
        assert.equal(response.status, 200, q);
        assert.doesNotMatch(await response.text(), /<script>alert/);
      }
    });

    it('splits a folder of thousands into pages of 100, and clamps a page past the end', async () => {
      const db = t.app.database.db;
      const [owner] = await db.select().from(users).where(eq(users.email, aminaEmail));
      const rows = Array.from({ length: 2_450 }, (_, i) => ({
        userId: owner!.id,
        parentId: inner,
        name: `folder ${String(i).padStart(5, '0')}`,
      }));
      for (let i = 0; i < rows.length; i += 500)
        await db.insert(folders).values(rows.slice(i, i + 500));

      const started = performance.now();
      const first = await listing(amina, `${listingPath(inner)}&sort=name`);
      const elapsed = performance.now() - started;
      assert.equal((first.match(/type="checkbox" name="folder"/g) ?? []).length, PAGE_SIZE);
      assert.match(first, /Page 1 of 25/);
      assert.match(first, /rel="next"/);
      assert.ok(elapsed < 5000, `page took ${elapsed} ms`);

      const last = await listing(amina, `${listingPath(inner)}&sort=name&page=25`);
      assert.equal((last.match(/type="checkbox" name="folder"/g) ?? []).length, 50);
      assert.deepEqual(namesIn(last), ['old-banana.txt'], 'files after the folders');
      const past = await listing(amina, `${listingPath(inner)}&sort=name&page=999`);
      assert.match(past, /Page 25 of 25/);
    });
  });
}
