#!/usr/bin/env node
// Renders khaznati.conf.template outside Docker: for the tests, which run Debian's nginx
// unprivileged in front of app instances on loopback, and for a host without Docker.
//
// As a module:
//   renderNginxConfig({ listenPort, upstreams, prefixDir, logDir }) → text of a complete
//   nginx.conf for `nginx -p <prefixDir> -c <file>`; writeNginxConfig(...) also writes it
//   and creates the folders nginx needs.
// From the shell:
//   node infrastructure/nginx/render.mjs --listen-port 8080 --upstream 127.0.0.1:3101 \
//     --upstream 127.0.0.1:3102 --prefix ./nginx-run [--log-dir DIR] [--real-ip-from CIDR]
//     [--write]
//   node infrastructure/nginx/render.mjs --site   (the site alone, from KHAZNATI_* variables)
// Plain Node.js, no dependencies.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const NGINX_DIR = dirname(fileURLToPath(import.meta.url));
export const TEMPLATE_PATH = join(NGINX_DIR, 'khaznati.conf.template');
export const PLACEHOLDERS = Object.freeze([
  'KHAZNATI_LISTEN',
  'KHAZNATI_UPSTREAM_SERVERS',
  'KHAZNATI_LOG_DIR',
  'KHAZNATI_NGINX_DIR',
]);

const PLACEHOLDER_PATTERN = /\$\{(KHAZNATI_[A-Z0-9_]+)\}|\$(KHAZNATI_[A-Z0-9_]+)/g;
// Paths are written in double quotes; these would still end the string or be read as an
// nginx variable.
const UNSAFE_IN_PATH = /["$\\\n\r]/;
const HOST_PORT = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/;

/**
 * Fills the template the way the official image's envsubst does (both `${NAME}` and
 * `$NAME`), but strictly: every placeholder needs a value and an unknown one is an error.
 */
export function renderSite(values, template = readFileSync(TEMPLATE_PATH, 'utf8')) {
  for (const name of PLACEHOLDERS) {
    if (typeof values[name] !== 'string') throw new Error(`${name} has no value`);
  }

  return template.replace(PLACEHOLDER_PATTERN, (_match, braced, bare) => {
    const name = braced ?? bare;
    if (!PLACEHOLDERS.includes(name)) throw new Error(`unknown placeholder ${name}`);
    return values[name];
  });
}

/**
 * A complete nginx.conf around the rendered site, with every path nginx writes (pid, logs,
 * temporary files) under `prefixDir`, so that it runs without root and without touching
 * /etc/nginx or /var. Listens on `listenAddress:listenPort` (loopback by default) and
 * balances round-robin over `upstreams` ("127.0.0.1:3101", ...).
 *
 * `realIpFrom` adds sources trusted like Cloudflare's ranges, so that a test can send
 * CF-Connecting-IP from, say, 127.0.0.2 and see it honoured while 127.0.0.1 is not.
 */
export function renderNginxConfig({
  listenPort,
  upstreams,
  prefixDir,
  logDir = join(prefixDir ?? '', 'logs'),
  listenAddress = '127.0.0.1',
  realIpFrom = [],
  errorLogLevel = 'warn',
  user = defaultUser(),
}) {
  const paths = nginxPaths(prefixDir, logDir);
  checkPort(listenPort, 'listenPort');
  checkUpstreams(upstreams);
  if (isIP(listenAddress) === 0) throw new Error('listenAddress must be an IP address');
  for (const source of realIpFrom) checkAddressOrRange(source);

  checkDirectory(NGINX_DIR, 'the folder of render.mjs');

  const listenHost = isIP(listenAddress) === 6 ? `[${listenAddress}]` : listenAddress;
  const site = renderSite({
    KHAZNATI_LISTEN: `${listenHost}:${listenPort}`,
    KHAZNATI_UPSTREAM_SERVERS: upstreams.map((upstream) => `server ${upstream};`).join('\n    '),
    KHAZNATI_LOG_DIR: paths.logDir,
    KHAZNATI_NGINX_DIR: NGINX_DIR,
  });
  const extraSources = realIpFrom.map((source) => `set_real_ip_from ${source};`);

  return [
    '# Written by infrastructure/nginx/render.mjs around khaznati.conf.template.',
    `# Run: nginx ${shellQuote(nginxArgs(paths))}`,
    '',
    // Run as root (CI does), nginx would drop its workers to "nobody", who cannot enter a
    // private temporary prefix directory; keep them as the caller instead.
    ...(user ? [`user ${user};`] : []),
    'worker_processes 1;',
    `pid "${paths.pidPath}";`,
    `error_log "${paths.errorLogPath}" ${errorLogLevel};`,
    '',
    'events {',
    '    worker_connections 512;',
    '}',
    '',
    'http {',
    '    default_type application/octet-stream;',
    `    client_body_temp_path "${paths.tempDir}/client_body";`,
    `    proxy_temp_path "${paths.tempDir}/proxy";`,
    `    fastcgi_temp_path "${paths.tempDir}/fastcgi";`,
    `    uwsgi_temp_path "${paths.tempDir}/uwsgi";`,
    `    scgi_temp_path "${paths.tempDir}/scgi";`,
    ...extraSources.map((line) => `    ${line}`),
    '',
    indent(site.trimEnd(), '    '),
    '}',
    '',
  ].join('\n');
}

/**
 * Writes `<prefixDir>/nginx.conf`, creates the log and temporary folders, and returns the
 * paths and the arguments for spawning nginx in the foreground:
 * `spawn('nginx', result.args)`.
 */
export function writeNginxConfig(options) {
  const paths = nginxPaths(
    options.prefixDir,
    options.logDir ?? join(options.prefixDir ?? '', 'logs'),
  );
  const text = renderNginxConfig({ ...options, logDir: paths.logDir });

  mkdirSync(paths.logDir, { recursive: true });
  mkdirSync(paths.tempDir, { recursive: true });
  writeFileSync(paths.configPath, text);
  return { ...paths, args: nginxArgs(paths) };
}

function nginxPaths(prefixDir, logDir) {
  checkDirectory(prefixDir, 'prefixDir');
  checkDirectory(logDir, 'logDir');
  const prefix = resolve(prefixDir);
  const logs = resolve(logDir);
  return {
    prefixDir: prefix,
    logDir: logs,
    configPath: join(prefix, 'nginx.conf'),
    pidPath: join(prefix, 'nginx.pid'),
    tempDir: join(prefix, 'temp'),
    accessLogPath: join(logs, 'access.log'),
    errorLogPath: join(logs, 'error.log'),
  };
}

// -e sends the messages nginx writes before reading its configuration to the same file
// instead of the packaged /var/log/nginx/error.log, which an unprivileged user cannot open.
function nginxArgs(paths) {
  return [
    '-p',
    `${paths.prefixDir}/`,
    '-c',
    paths.configPath,
    '-e',
    paths.errorLogPath,
    '-g',
    'daemon off;',
  ];
}

function shellQuote(args) {
  return args
    .map((arg) => (/[\s;']/.test(arg) ? `'${arg.replaceAll("'", "'\\''")}'` : arg))
    .join(' ');
}

function defaultUser() {
  return process.getuid?.() === 0 ? 'root' : undefined;
}

function indent(text, prefix) {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : prefix + line))
    .join('\n');
}

function checkDirectory(path, name) {
  if (typeof path !== 'string' || path === '') throw new Error(`${name} is required`);
  if (UNSAFE_IN_PATH.test(resolve(path))) {
    throw new Error(`${name} must not contain '"', '$', '\\' or a line break`);
  }
}

function checkPort(port, name) {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${name} must be a port number between 1 and 65535`);
  }
}

function checkUpstreams(upstreams) {
  if (!Array.isArray(upstreams) || upstreams.length === 0) {
    throw new Error('upstreams must list at least one "host:port"');
  }
  for (const upstream of upstreams) {
    const match = typeof upstream === 'string' ? HOST_PORT.exec(upstream) : null;
    if (!match) throw new Error(`upstream "${upstream}" is not "host:port"`);
    checkPort(Number(match[1]), `port of upstream ${upstream}`);
  }
}

function checkAddressOrRange(text) {
  const [address = '', bits, extra] = String(text).split('/');
  const family = isIP(address);
  const maxBits = family === 4 ? 32 : 128;
  const bitsValid = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= maxBits);
  if (family === 0 || extra !== undefined || !bitsValid) {
    throw new Error(`realIpFrom entry "${text}" is not an address or CIDR range`);
  }
}

function runCli(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      'listen-port': { type: 'string' },
      'listen-address': { type: 'string' },
      upstream: { type: 'string', multiple: true },
      prefix: { type: 'string' },
      'log-dir': { type: 'string' },
      'real-ip-from': { type: 'string', multiple: true },
      write: { type: 'boolean', default: false },
      site: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });

  if (values.help) {
    process.stdout.write(`${usage()}\n`);
    return;
  }

  if (values.site) {
    process.stdout.write(renderSite(process.env));
    return;
  }

  if (!values.prefix) throw new Error('--prefix is required');
  const options = {
    listenPort: Number(values['listen-port']),
    upstreams: values.upstream ?? [],
    prefixDir: values.prefix,
    realIpFrom: values['real-ip-from'] ?? [],
    ...(values['log-dir'] ? { logDir: values['log-dir'] } : {}),
    ...(values['listen-address'] ? { listenAddress: values['listen-address'] } : {}),
  };

  if (!values.write) {
    process.stdout.write(renderNginxConfig(options));
    return;
  }

  const written = writeNginxConfig(options);
  process.stdout.write(`${written.configPath}\nnginx ${shellQuote(written.args)}\n`);
}

function usage() {
  return [
    'Usage:',
    '  render.mjs --listen-port PORT --upstream HOST:PORT [--upstream HOST:PORT ...]',
    '             --prefix DIR [--log-dir DIR] [--listen-address IP]',
    '             [--real-ip-from CIDR ...] [--write]',
    '      Prints a complete nginx.conf; with --write, writes DIR/nginx.conf, creates the',
    '      log and temporary folders and prints the nginx command line.',
    '  render.mjs --site',
    '      Prints the site alone, filled from the KHAZNATI_* environment variables.',
  ].join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    runCli(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`render.mjs: ${error.message}\n`);
    process.exitCode = 1;
  }
}
