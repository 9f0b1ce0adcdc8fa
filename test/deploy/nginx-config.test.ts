import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import {
  NGINX_DIR,
  PLACEHOLDERS,
  renderSite,
  writeNginxConfig,
} from '../../infrastructure/nginx/render.mjs';
import { findNginx } from './processes.js';

const nginx = findNginx();
if (!nginx && process.env.CI === 'true') throw new Error('nginx must be installed in CI');

function nginxTest(args: string[]) {
  const result = spawnSync(nginx!, ['-t', ...args], { encoding: 'utf8', timeout: 20_000 });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

describe('the shipped nginx configuration', { skip: nginx ? false : 'needs nginx' }, () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'khaznati-nginx-'));
  });
  after(() => rm(work, { recursive: true, force: true }));

  it('passes nginx -t as rendered for the tests', () => {
    const written = writeNginxConfig({
      listenPort: 18080,
      upstreams: ['127.0.0.1:13101', '127.0.0.1:13102'],
      prefixDir: join(work, 'rendered'),
    });
    const result = nginxTest(written.args.filter((arg) => arg !== '-g' && arg !== 'daemon off;'));
    assert.ok(result.ok, result.output);
  });

  it('fills every placeholder of the site from the compose file', async () => {
    const compose = parse(await readFile(join(NGINX_DIR, '..', 'docker-compose.yml'), 'utf8'));
    const environment = compose.services.nginx.environment as Record<string, string>;
    for (const name of PLACEHOLDERS) assert.ok(environment[name], `${name} is set for nginx`);
    assert.doesNotMatch(renderSite(environment), /\$\{?KHAZNATI_/);
  });

  it('passes nginx -t in the production main file, with a throwaway certificate', async () => {
    // Debian's nginx (1.22) predates two directives of the image's (1.28 and later):
    // "http2 on" and the "resolve" parameter of an upstream server. Only those are removed.
    const certificate = join(work, 'origin.pem');
    const key = join(work, 'origin.key');
    const openssl = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=khaznati.test',
        '-keyout',
        key,
        '-out',
        certificate,
      ],
      { timeout: 60_000 },
    );
    assert.equal(openssl.status, 0, 'openssl made a certificate');

    const site = renderSite({
      KHAZNATI_LISTEN: '127.0.0.1:18443 ssl',
      KHAZNATI_UPSTREAM_SERVERS: 'server 127.0.0.1:13101;',
      KHAZNATI_LOG_DIR: work,
      KHAZNATI_NGINX_DIR: NGINX_DIR,
    });
    await writeFile(join(work, 'khaznati.conf'), site);
    const paths: [RegExp, string][] = [
      [/^user nginx;$/m, process.getuid?.() === 0 ? 'user root;' : ''],
      [/^(\s*)http2 o(n|ff);$/gm, ''],
      [/^pid .*;$/m, `pid ${join(work, 'nginx.pid')};`],
      [/^error_log \S+/m, `error_log ${join(work, 'error.log')}`],
      [/^(\s*)include mime\.types;$/m, '$1include /etc/nginx/mime.types;'],
      [/^(\s*)ssl_certificate \S+;$/m, `$1ssl_certificate ${certificate};`],
      [/^(\s*)ssl_certificate_key \S+;$/m, `$1ssl_certificate_key ${key};`],
      [/^(\s*)include \/etc\/nginx\/conf\.d\/\S+;$/m, `$1include ${join(work, 'khaznati.conf')};`],
    ];
    let main = await readFile(join(NGINX_DIR, 'nginx.conf'), 'utf8');
    for (const [pattern, replacement] of paths) {
      assert.match(main, pattern, `nginx.conf has ${pattern}`);
      main = main.replace(pattern, replacement);
    }
    await writeFile(join(work, 'nginx.conf'), main);

    const result = nginxTest([
      '-p',
      `${work}/`,
      '-c',
      join(work, 'nginx.conf'),
      '-e',
      join(work, 'error.log'),
    ]);
    assert.ok(result.ok, result.output);
  });
});
