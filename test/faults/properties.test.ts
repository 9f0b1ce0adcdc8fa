/**
 * Property-based checks of every door into the vault: the tus endpoints and every form,
 * fed random and hostile headers, offsets, lengths, names and bodies, with a valid CSRF
 * token and without. Whatever arrives, the answer is a refusal (4xx) or a success, never a
 * 5xx; the server keeps answering /healthz; a request without a valid token changes
 * nothing; and after every run the person's files are exactly the uploads they sent whole,
 * each byte-identical. fast-check prints the seed of a failing run; PROPERTY_SEED=<seed>
 * replays it and PROPERTY_RUNS changes the number of runs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import fc from 'fast-check';
import { users } from '../../src/accounts/tables.js';
import { files, folders } from '../../src/files/tables.js';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { sha256, tusHeaders, uploadWithTus } from '../helpers/uploads.js';

const TUS_RUNS = Number(process.env.PROPERTY_RUNS ?? 300);
const FORM_RUNS = Number(process.env.PROPERTY_RUNS ?? 100);
const SEED = Number(process.env.PROPERTY_SEED ?? Date.now() % 2 ** 31);
const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'a different horse 2024';

// --- values a client may send -----------------------------------------------------------

const HOSTILE_NAMES = [
  '../../etc/passwd',
  '..',
  '.',
  'a/b',
  'a\\b',
  '\u202Egnp.exe',
  'photo\u0000.jpg',
  '\u0000',
  'CON',
  '',
  ' ',
  'a'.repeat(255),
  'a'.repeat(256),
  'ب'.repeat(2000),
  '<script>alert(1)</script>',
  '%2e%2e%2f',
  '\uFEFF\u200B',
  '\uD800',
  '😀'.repeat(100),
  'line\r\nbreak',
];

const name = fc.oneof(
  fc.constantFrom(...HOSTILE_NAMES),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
);

/** What a header may carry (fetch refuses CR, LF and NUL, as any HTTP client must). */
const headerText = fc.string({
  unit: fc.integer({ min: 0x20, max: 0xff }).map((code) => String.fromCharCode(code)),
  maxLength: 120,
});

const base64 = (text: string) => Buffer.from(text).toString('base64');
const absent = fc.constant(undefined);

const uploadLength = fc.oneof(
  { weight: 6, arbitrary: fc.nat({ max: 3000 }).map(String) },
  { weight: 1, arbitrary: absent },
  fc.constantFrom('-1', '1.5', 'abc', '1e3', ' 12', '0x10', '', '99999999999999999999'),
  fc.constantFrom(String(2 ** 53), String(11 * 1024 ** 3)),
  headerText,
);

const plainName = fc.stringMatching(/^[a-z0-9]{1,12}\.bin$/);

const uploadMetadata = fc.oneof(
  { weight: 8, arbitrary: plainName.map((text) => `filename ${base64(text)}`) },
  { weight: 4, arbitrary: name.map((text) => `filename ${base64(text)}`) },
  fc
    .tuple(name, headerText)
    .map(([text, folder]) => `filename ${base64(text)},folder ${base64(folder)}`),
  fc.constantFrom('filename !!!not-base64', 'filename', 'filename ,', ',,,', 'filename a b c'),
  headerText,
  absent,
);

const tusResumable = fc.oneof(
  { weight: 6, arbitrary: fc.constant('1.0.0') },
  fc.constantFrom('0.2.2', '1.0', '2.0.0'),
  headerText,
  absent,
);

const OFFSET_TYPE = 'application/offset+octet-stream';
const contentType = fc.oneof(
  { weight: 5, arbitrary: fc.constant(OFFSET_TYPE) },
  fc.constantFrom('text/plain', 'application/json', 'multipart/form-data; boundary=x', ''),
  headerText,
  absent,
);

/** The token is sent, or left out, or replaced by garbage. */
const csrf = fc.oneof(
  { weight: 4, arbitrary: fc.constant<'valid' | 'missing' | 'wrong'>('valid') },
  fc.constantFrom<'valid' | 'missing' | 'wrong'>('missing', 'wrong'),
);

function headers(entries: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(entries).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

function summary(statuses: Map<number, number>): string {
  const counts = [...statuses].sort(([a], [b]) => a - b);
  return counts.map(([status, n]) => `${status}: ${n}`).join(', ');
}

function assertAnswered(status: number, what: string) {
  assert.ok(status < 500, `${what}: answered ${status}, never a 5xx`);
}

// --- the person's files, as the database holds them ---------------------------------------

async function userId(t: TestApp, email: string): Promise<string> {
  const [row] = await t.app.database.db.select().from(users).where(eq(users.email, email));
  return row!.id;
}

/**
 * Every file of the person (in the trash or not) must be one of the uploads they sent
 * whole, the same number of times, and each one that can be downloaded is identical.
 */
async function assertOnlyWholeUploads(
  t: TestApp,
  client: Client,
  owner: string,
  sentWhole: string[],
  exact: boolean,
  verified: Set<string>,
) {
  const rows = await t.app.database.db.select().from(files).where(eq(files.userId, owner));
  const left = [...sentWhole];
  for (const row of rows) {
    const at = left.indexOf(row.sha256);
    assert.ok(at >= 0, `file ${row.id} (${row.size} bytes) is an upload that was sent whole`);
    left.splice(at, 1);
  }
  if (exact) assert.deepEqual(left, [], 'every upload sent whole became a file');

  for (const row of rows) {
    if (verified.has(row.id) || row.deletedAt) continue;
    const response = await client.get(`/files/${row.id}/download`);
    if (response.status === 404) continue;
    assert.equal(response.status, 200, `file ${row.id} downloads`);
    const body = Buffer.from(await response.arrayBuffer());
    assert.equal(sha256(body), row.sha256, `file ${row.id} is identical`);
    verified.add(row.id);
  }
  assert.equal((await fetch(`${t.url}/healthz`)).status, 200, 'the server still answers');
}

// --- tus ---------------------------------------------------------------------------------

const strayTarget = fc.constantFrom(
  `/uploads/${'f'.repeat(32)}`,
  '/uploads/%2e%2e%2ffiles',
  '/uploads/..%2f..%2fetc%2fpasswd',
  `/uploads/${'0'.repeat(32)}/extra`,
  `/uploads/${'A'.repeat(3000)}`,
  '/uploads/%00',
  '/uploads/',
);

const tusStep = fc.record({
  method: fc.constantFrom('PATCH', 'PATCH', 'PATCH', 'HEAD', 'DELETE'),
  target: fc.oneof({ weight: 5, arbitrary: fc.constant('own') }, strayTarget),
  offset: fc.oneof(
    { weight: 5, arbitrary: fc.constant('current') },
    fc.nat({ max: 4000 }).map(String),
    fc.constantFrom('-1', 'abc', '', '1.0', '9007199254740993'),
    absent,
  ),
  from: fc.nat({ max: 4096 }),
  length: fc.oneof(
    { weight: 3, arbitrary: fc.constant<'rest'>('rest') },
    fc.nat({ max: 4096 }),
    fc.constant(0),
  ),
  contentType,
  tusResumable,
  csrf,
});

const tusRun = fc.record({
  create: fc.record({
    uploadLength,
    uploadMetadata,
    tusResumable,
    contentType,
    deferLength: fc.oneof({ weight: 8, arbitrary: absent }, fc.constantFrom('1', '0', 'x')),
    body: fc.oneof({ weight: 2, arbitrary: absent }, fc.nat({ max: 4096 })),
    csrf,
  }),
  steps: fc.array(tusStep, { maxLength: 8 }),
  pool: fc.uint8Array({ minLength: 4096, maxLength: 8192 }),
});

type TusRun = typeof tusRun extends fc.Arbitrary<infer T> ? T : never;

interface OwnUpload {
  url: string;
  length: number;
  accepted: Buffer;
  gone: boolean;
}

// --- forms -------------------------------------------------------------------------------

const idChoice = fc.oneof(
  { weight: 4, arbitrary: fc.nat().map((n) => ({ own: n })) },
  fc.constantFrom(
    '00000000-0000-0000-0000-000000000000',
    'not-a-uuid',
    '../../etc',
    '%2e%2e',
    'a'.repeat(100),
    "' OR 1=1 --",
  ),
  fc.uuid(),
);
type IdChoice = typeof idChoice extends fc.Arbitrary<infer T> ? T : never;

const fieldText = fc.oneof(name, fc.string({ maxLength: 5000 }), headerText);
const email = fc.oneof(
  fc.constant('owner'),
  fc.emailAddress(),
  fieldText,
  fc.constant('a@b'.repeat(500)),
);
const password = fc.oneof(fc.constantFrom(PASSWORD, NEW_PASSWORD), fieldText);

const FORMS = {
  '/signin': {
    email,
    password,
    next: fc.oneof(fieldText, fc.constantFrom('//evil.example', '/files', 'javascript:alert(1)')),
  },
  '/register': { email, password, passwordConfirmation: password },
  '/signout': {},
  '/language': {
    language: fc.oneof(fc.constantFrom('ar', 'fr', 'en'), fieldText),
    next: fieldText,
  },
  '/folders': { name, parent: idChoice },
  '/files/:file/rename': { name },
  '/folders/:folder/rename': { name },
  '/files/:file/delete': {},
  '/folders/:folder/delete': {},
  '/files/:file/restore': {},
  '/folders/:folder/restore': {},
  '/trash/empty': {},
  '/files/selection': {
    action: fc.oneof(fc.constantFrom('move', 'trash'), fieldText),
    file: fc.array(idChoice, { maxLength: 4 }),
    folder: fc.array(idChoice, { maxLength: 4 }),
    destination: idChoice,
    from: idChoice,
  },
  '/account/password': {
    currentPassword: password,
    newPassword: password,
    newPasswordConfirmation: password,
  },
  '/account/sessions/:session/revoke': {},
  '/account/signout-everywhere': {},
  '/files/upload': {},
} as const;
type FormPath = keyof typeof FORMS;

const formPath = fc.constantFrom(...(Object.keys(FORMS) as FormPath[]));

const submission = formPath.chain((path) =>
  fc.record({
    path: fc.constant(path),
    fields: fc.record(
      Object.fromEntries(
        Object.entries(FORMS[path]).map(([key, value]) => [
          key,
          fc.option(value as fc.Arbitrary<unknown>, { nil: undefined }),
        ]),
      ) as Record<string, fc.Arbitrary<unknown>>,
    ),
    extra: fc.dictionary(fc.string({ maxLength: 20 }), fieldText, { maxKeys: 3 }),
    id: idChoice,
    session: fc.oneof(
      fc.constant('own'),
      fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), maxLength: 64 }),
      fc.constant('f'.repeat(64)),
    ),
    contentType: fc.oneof(
      { weight: 6, arbitrary: fc.constant('application/x-www-form-urlencoded') },
      fc.constantFrom('application/json', 'text/plain', 'multipart/form-data; boundary=x'),
      absent,
    ),
    file: fc.record({ size: fc.nat({ max: 3000 }), whole: fc.boolean(), name }),
    csrf,
  }),
);
type Submission = typeof submission extends fc.Arbitrary<infer T> ? T : never;

for (const target of databaseTargets()) {
  describe(`random requests on ${target.name} (seed ${SEED})`, () => {
    let t: TestApp;

    before(async () => {
      t = await startTestApp(target);
    });
    after(() => t.close());

    it('tus: any header, offset, length, name or body gets a 4xx or a success', async () => {
      const client = new Client(t.url);
      const address = uniqueEmail('tus-props');
      assert.equal((await client.register(address)).status, 303);
      const owner = await userId(t, address);
      const signedIn = await tusHeaders(client);
      const sentWhole: string[] = [];
      const statuses = new Map<number, number>();
      const verified = new Set<string>();

      async function send(
        method: string,
        path: string,
        token: 'valid' | 'missing' | 'wrong',
        extra: Record<string, string>,
        body?: Buffer,
      ) {
        const response = await fetch(new URL(path, t.url), {
          method,
          redirect: 'manual',
          headers: {
            cookie: signedIn.cookie!,
            ...(token === 'missing'
              ? {}
              : { 'x-csrf-token': token === 'valid' ? signedIn['x-csrf-token']! : 'forged' }),
            ...extra,
          },
          body:
            method === 'HEAD' || method === 'DELETE' || !body ? undefined : new Uint8Array(body),
        }).catch((error: Error & { cause?: { code?: string } }) => {
          // A header the HTTP client itself will not send never reaches the server.
          if (error.cause?.code === 'UND_ERR_INVALID_ARG') return undefined;
          throw error;
        });
        if (!response) return undefined;
        await response.arrayBuffer();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const what = `${method} ${path.slice(0, 60)}`;
        assertAnswered(response.status, what);
        if (token !== 'valid' && method !== 'HEAD') {
          assert.ok(response.status >= 400, `${what} without a valid token is refused`);
        }
        return response;
      }

      /** Where the server says the upload stands; bytes it gained are a prefix of `sent`. */
      async function resync(own: OwnUpload, sent: Buffer) {
        const head = await send('HEAD', own.url, 'valid', { 'tus-resumable': '1.0.0' });
        if (!head) return;
        if (head.status !== 200) {
          assert.ok(own.gone || own.accepted.length === own.length, `HEAD answered ${head.status}`);
          return;
        }
        const offset = Number(head.headers.get('upload-offset'));
        const gained = offset - own.accepted.length;
        assert.ok(
          gained >= 0 && gained <= sent.length,
          `offset ${offset} moved only by what was sent`,
        );
        own.accepted = Buffer.concat([own.accepted, sent.subarray(0, gained)]);
      }

      async function run({ create, steps, pool }: TusRun) {
        const data = Buffer.from(pool);
        const body = create.body === undefined ? undefined : data.subarray(0, create.body);
        const created = await send(
          'POST',
          '/uploads',
          create.csrf,
          headers({
            'upload-length': create.uploadLength,
            'upload-metadata': create.uploadMetadata,
            'tus-resumable': create.tusResumable,
            'content-type': create.contentType,
            'upload-defer-length': create.deferLength,
          }),
          body,
        );
        let own: OwnUpload | undefined;
        const location = created?.headers.get('location');
        if (created?.status === 201 && location) {
          const length = Number(create.uploadLength);
          assert.ok(Number.isSafeInteger(length) && length >= 0, `created with length ${length}`);
          own = {
            url: new URL(location, t.url).pathname,
            length,
            accepted: Buffer.alloc(0),
            gone: false,
          };
          await resync(own, body ?? Buffer.alloc(0));
        }

        for (const step of steps) {
          const path =
            step.target === 'own' && own
              ? own.url
              : step.target === 'own'
                ? '/uploads/x'
                : step.target;
          const current = own?.accepted.length ?? 0;
          const offset = step.offset === 'current' ? String(current) : step.offset;
          const sent =
            step.length === 'rest'
              ? data.subarray(0, Math.max(0, (own?.length ?? 0) - current))
              : data.subarray(step.from, step.from + step.length);
          const response = await send(
            step.method,
            path,
            step.csrf,
            headers({
              'upload-offset': offset,
              'tus-resumable': step.tusResumable,
              'content-type': step.contentType,
            }),
            sent,
          );
          if (!response || !own || path !== own.url) continue;
          if (step.method === 'PATCH' && response.status === 204) {
            assert.equal(offset, String(current), 'a PATCH is taken only at the current offset');
          }
          if (step.method === 'DELETE' && response.status === 204) {
            assert.ok(own.accepted.length < own.length, 'a finished upload cannot be deleted');
            own.gone = true;
          }
          if (!own.gone) await resync(own, step.method === 'PATCH' ? sent : Buffer.alloc(0));
        }

        if (own && !own.gone && own.accepted.length === own.length) {
          sentWhole.push(sha256(own.accepted));
        }
        await assertOnlyWholeUploads(t, client, owner, sentWhole, true, verified);
      }

      await fc.assert(fc.asyncProperty(tusRun, run), {
        numRuns: TUS_RUNS,
        seed: SEED,
        endOnFailure: true,
      });
      console.log(
        `# ${target.name}: tus, ${TUS_RUNS} runs, ${sentWhole.length} uploads sent whole, ` +
          `answers ${summary(statuses)}`,
      );
    });

    it('forms: any field, id, body or token gets a 4xx or a success', async () => {
      const client = new Client(t.url);
      const address = uniqueEmail('form-props');
      let currentPassword = PASSWORD;
      assert.equal((await client.register(address)).status, 303);
      const owner = await userId(t, address);
      const sentWhole: string[] = [];
      const verified = new Set<string>();
      for (let i = 0; i < 3; i++) {
        const data = Buffer.from(`file ${i} of ${address}`);
        await uploadWithTus(client, data, { name: `seed-${i}.txt` });
        sentWhole.push(sha256(data));
      }
      const statuses = new Map<number, number>();

      async function ownIds() {
        const db = t.app.database.db;
        const [fileRows, folderRows] = await Promise.all([
          db.select({ id: files.id }).from(files).where(eq(files.userId, owner)),
          db.select({ id: folders.id }).from(folders).where(eq(folders.userId, owner)),
        ]);
        return { file: fileRows.map((row) => row.id), folder: folderRows.map((row) => row.id) };
      }

      async function signedIn(): Promise<boolean> {
        const page = await client.get('/files');
        await page.arrayBuffer();
        return page.status === 200;
      }

      async function run(submissions: Submission[]) {
        for (const form of submissions) {
          const ids = await ownIds();
          const resolve = (choice: IdChoice, kind: 'file' | 'folder') => {
            if (typeof choice === 'string') return choice;
            const list = ids[kind].length > 0 ? ids[kind] : ids.file;
            return list.length > 0 ? list[choice.own % list.length]! : '';
          };
          const kindOf = (key: string): 'file' | 'folder' => (key === 'file' ? 'file' : 'folder');
          const token = client.cookies.get('KhaznatiSession');
          const sessionId =
            form.session === 'own' ? token && sha256(Buffer.from(token)) : form.session;
          const path = form.path
            .replace(':file', encodeURIComponent(resolve(form.id, 'file')) || 'x')
            .replace(':folder', encodeURIComponent(resolve(form.id, 'folder')) || 'x')
            .replace(':session', sessionId || 'x');

          const fields = new URLSearchParams();
          for (const [key, value] of Object.entries(form.extra)) fields.append(key, value);
          for (const [key, value] of Object.entries(form.fields)) {
            if (value === undefined) continue;
            const values = (Array.isArray(value) ? value : [value]) as unknown[];
            for (const one of values) {
              let text = typeof one === 'string' ? one : resolve(one as IdChoice, kindOf(key));
              if (key === 'email' && text === 'owner') text = address;
              if (key === 'currentPassword' && text === PASSWORD) text = currentPassword;
              fields.append(key, text);
            }
          }
          const page = (await signedIn()) ? '/files' : '/signin';
          const csrfToken = form.csrf === 'valid' ? await client.csrfToken(page) : 'forged';
          if (form.csrf !== 'missing') fields.set('_csrf', csrfToken);

          // fetch takes bytes as they are; the cast only satisfies the DOM typings.
          let body: string | Uint8Array = fields.toString();
          let type: string | undefined = form.contentType;
          let wholeFile: Buffer | undefined;
          if (form.path === '/files/upload') {
            const data = Buffer.alloc(form.file.size, form.file.size % 251);
            const boundary = `----khaznati${form.file.size}`;
            const parts = Buffer.concat([
              Buffer.from(
                `--${boundary}\r\ncontent-disposition: form-data; name="_csrf"\r\n\r\n${fields.get('_csrf') ?? ''}\r\n` +
                  `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${form.file.name}"\r\n` +
                  'content-type: application/octet-stream\r\n\r\n',
              ),
              data,
              Buffer.from(`\r\n--${boundary}--\r\n`),
            ]);
            const cut = parts.length - 10 - Math.floor(form.file.size / 2);
            body = new Uint8Array(form.file.whole ? parts : parts.subarray(0, cut));
            type = `multipart/form-data; boundary=${boundary}`;
            wholeFile = form.file.whole ? data : undefined;
          }
          const response = await client.request(path, {
            method: 'POST',
            headers: headers({ 'content-type': type }),
            body: body as string,
          });
          await response.arrayBuffer();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          const what = `POST ${form.path}`;
          assertAnswered(response.status, what);
          if (form.csrf !== 'valid') {
            assert.ok(
              response.status >= 400 || response.headers.get('location')?.startsWith('/signin'),
              `${what} without a valid token changes nothing (${response.status})`,
            );
          }
          const succeeded =
            response.status === 303 && !response.headers.get('location')?.startsWith('/signin');
          if (form.path === '/files/upload' && succeeded) {
            assert.ok(wholeFile, 'only a whole form upload is taken');
            sentWhole.push(sha256(wholeFile));
          }
          if (form.path === '/account/password' && succeeded) {
            currentPassword = fields.get('newPassword') ?? currentPassword;
          }
        }

        // A run may have signed the person out; they sign in again, as they would.
        if (!(await signedIn())) {
          const back = await client.signIn(address, currentPassword);
          assert.equal(back.status, 303, 'the person can still sign in');
        }
        await assertOnlyWholeUploads(t, client, owner, sentWhole, false, verified);
      }

      await fc.assert(fc.asyncProperty(fc.array(submission, { minLength: 1, maxLength: 4 }), run), {
        numRuns: FORM_RUNS,
        seed: SEED,
        endOnFailure: true,
      });
      console.log(`# ${target.name}: forms, ${FORM_RUNS} runs, answers ${summary(statuses)}`);
    });
  });
}
