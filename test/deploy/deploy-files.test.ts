import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { projectRoot } from '../../src/paths.js';

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  volumes?: string[];
  env_file?: { path: string; required: boolean }[];
  depends_on?: Record<string, unknown>;
}

const read = (path: string) => readFileSync(join(projectRoot, path), 'utf8');

/** Names assigned in an env example file, commented out or not. */
function exampleVariables(path: string): Set<string> {
  return new Set([...read(path).matchAll(/^#?\s?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!));
}

describe('the CI/CD workflow', () => {
  const workflow = parse(read('.github/workflows/deploy.yml'));
  const { lint, test, deploy } = workflow.jobs;
  const steps = (job: { steps: { run?: string }[] }) =>
    job.steps.map((step) => step.run ?? '').join('\n');

  it('runs lint, then test, then deploy, in that order', () => {
    assert.deepEqual(Object.keys(workflow.jobs), ['lint', 'test', 'deploy']);
    assert.equal(lint.needs, undefined);
    assert.equal(test.needs, 'lint');
    assert.equal(deploy.needs, 'test');
    assert.match(steps(lint), /npm run lint/);
    assert.match(steps(lint), /npm run typecheck/);
  });

  it('tests with the README command against Postgres and Redis service containers', () => {
    assert.deepEqual(Object.keys(test.services).sort(), ['postgres', 'redis']);
    assert.match(steps(test), /npm test/);
    assert.match(test.env.TEST_DATABASE_URL, /^postgres:\/\//);
    assert.match(test.env.REDIS_URL, /^redis:\/\//);
    assert.match(
      read('README.md'),
      /TEST_DATABASE_URL=postgres:\/\/\S+ REDIS_URL=redis:\/\/\S+ npm test/,
    );
  });

  it('deploys only on a push to main, over SSH with secrets', () => {
    assert.deepEqual(workflow.on.push.branches, ['main']);
    assert.match(deploy.if, /github\.ref == 'refs\/heads\/main'/);
    assert.match(deploy.if, /github\.event_name == 'push'/);
    const ssh = deploy.steps.find((step: { uses?: string }) => step.uses?.includes('ssh-action'));
    for (const input of ['host', 'username', 'key']) {
      assert.match(ssh.with[input], /^\$\{\{ secrets\.DEPLOY_[A-Z_]+ \}\}$/, input);
    }
    assert.match(
      ssh.with.script.replace(/\s+/g, ' '),
      /cd \/opt\/khaznati-dz && git pull origin main && docker compose .*up -d --build && docker system prune -f/,
    );
  });
});

describe('the compose file', () => {
  const text = read('infrastructure/docker-compose.yml');
  const compose = parse(text);
  const services = compose.services as Record<string, ComposeService>;

  it('names only variables that .env.example or the compose file define', () => {
    const known = new Set([
      ...exampleVariables('.env.example'),
      ...exampleVariables('infrastructure/.env.example'),
    ]);
    for (const match of text.matchAll(/\$\{([A-Z0-9_]+)(:?-[^}]*)?\}/g)) {
      const [, name, fallback] = match;
      assert.ok(known.has(name!) || fallback, `${name} is documented or has a default`);
    }
    for (const name of Object.keys(services.app!.environment ?? {})) {
      assert.ok(exampleVariables('.env.example').has(name), `${name} is in .env.example`);
    }
  });

  it('builds the app from the Dockerfile and pins every other image to a tag', () => {
    const build = services.app!.build!;
    assert.equal(build.dockerfile, 'Dockerfile');
    assert.ok(existsSync(join(projectRoot, 'infrastructure', build.context, build.dockerfile)));
    for (const [name, service] of Object.entries(services)) {
      if (service.build) continue;
      assert.match(
        service.image ?? '',
        /^[a-z0-9./-]+:[\w.-]+$/,
        `${name} names an image and a tag`,
      );
      assert.doesNotMatch(service.image ?? '', /:latest$/, name);
    }
  });

  it('mounts only files of the repository, or folders the operator creates', () => {
    const operatorMade = ['./tls', './secrets/'];
    for (const service of Object.values(services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (!source.startsWith('.')) {
          assert.ok(source in compose.volumes, `volume ${source} is declared`);
          continue;
        }
        if (operatorMade.some((folder) => source.startsWith(folder))) continue;
        assert.ok(existsSync(join(projectRoot, 'infrastructure', source)), source);
      }
      for (const file of service.env_file ?? []) {
        assert.ok(!file.required || file.path === '../.env', file.path);
      }
      for (const dependency of Object.keys(service.depends_on ?? {})) {
        assert.ok(dependency in services, `${dependency} is a service`);
      }
    }
  });
});

describe('the Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const ignored = read('.dockerignore')
    .split('\n')
    .filter((line) => line && !line.startsWith('#') && !line.startsWith('!'));

  it('builds on pinned Node.js LTS images and runs as a non-root user', () => {
    const bases = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    assert.equal(bases.length, 2);
    assert.match(bases[0]!, /^node:\$\{NODE_VERSION\}-bookworm$/);
    assert.match(bases[1]!, /^node:\$\{NODE_VERSION\}-bookworm-slim$/);
    assert.match(dockerfile, /^ARG NODE_VERSION=\d+$/m);
    assert.match(dockerfile, /^USER node$/m);
    assert.match(dockerfile, /^HEALTHCHECK .*\n.*\/healthz/m);
  });

  it('copies only what exists in the repository and is not in .dockerignore', () => {
    for (const [, sources] of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const source of sources!.split(' ').filter((s) => s !== '.')) {
        assert.ok(existsSync(join(projectRoot, source)), source);
        assert.ok(!ignored.includes(source), `${source} reaches the build`);
      }
    }
    for (const needed of ['src', 'drizzle', 'tsconfig.json', 'package-lock.json']) {
      assert.ok(!ignored.includes(needed), needed);
    }
  });
});
