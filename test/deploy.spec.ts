import { spawnSync } from 'node:child_process';
import { accessSync, constants, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

/*
 * The deployment files, rendered and checked offline: `kubectl kustomize` for k8s/, the YAML of
 * docker-compose.yml, and `docker-compose config` (v1, installed by scripts/provision.sh), which
 * interpolates and validates the compose file without a Docker engine.
 */

const root = resolve(__dirname, '..');
const apps = [
  { name: 'gateway', port: 3000 },
  { name: 'mail-fetcher', port: 3001 },
  { name: 'ticket-processor', port: 3002 },
  { name: 'mail-sender', port: 3003 },
  { name: 'bounce-worker', port: 3004 },
] as const;
const workers = apps.filter((app) => app.name !== 'gateway');
const migrateCommand = ['node', 'libs/persistence/dist/migrate.js'];
const appCommand = (app: string): string[] => ['node', `apps/${app}/dist/main.js`];
/** Names of variables that hold secrets (DATABASE_URL and REDIS_URL may carry passwords). */
const secretName = /PASSWORD|SECRET|TOKEN|_KEY$|^DATABASE_URL$|^REDIS_URL$/;
const requiredComposeSecrets = ['TWE_SECRET_KEY', 'POSTGRES_PASSWORD', 'DOVECOT_PASSWORD'];
const provisionHint = 'run `bash scripts/provision.sh`';

// ---------- minimal shapes of what the manifests hold ----------
interface KeyRef {
  name: string;
  key: string;
  optional?: boolean;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: KeyRef; configMapKeyRef?: KeyRef };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
  tcpSocket?: { port: string | number };
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
}
interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec: {
    containers: Container[];
    initContainers?: Container[];
    restartPolicy?: string;
    terminationGracePeriodSeconds?: number;
    securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  };
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: {
    replicas?: number;
    backoffLimit?: number;
    selector?: { matchLabels?: Record<string, string> } & Record<string, string>;
    template?: PodTemplate;
    ports?: { name?: string; port: number; targetPort?: string | number }[];
    scaleTargetRef?: { kind: string; name: string };
  };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}
interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  restart?: string;
  environment?: Record<string, string | number | null>;
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: string[] | string };
  volumes?: string[];
}

// ---------- helpers ----------
function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env, cwd = root) {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 32 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function onPath(binary: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    if (dir === '') return false;
    try {
      accessSync(join(dir, binary), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function kustomize(dir: string): K8sObject[] {
  if (!onPath('kubectl'))
    throw new Error(`kubectl is not on PATH (it renders k8s/ offline); ${provisionHint}`);
  const result = run('kubectl', ['kustomize', dir]);
  if (result.status !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${result.stderr}`);
  return parseAllDocuments(result.stdout)
    .map((document) => document.toJS() as K8sObject | null)
    .filter((object): object is K8sObject => object !== null);
}

const podTemplates = (objects: K8sObject[]) =>
  objects.flatMap((object) =>
    object.spec?.template ? [{ owner: object, template: object.spec.template }] : [],
  );
const containersOf = (template: PodTemplate) => [
  ...template.spec.containers,
  ...(template.spec.initContainers ?? []),
];
const find = (objects: K8sObject[], kind: string, name: string) =>
  objects.find((object) => object.kind === kind && object.metadata.name === name);
const isSubset = (small: Record<string, string>, big: Record<string, string> = {}) =>
  Object.entries(small).every(([key, value]) => big[key] === value);

function secretValues(secret: K8sObject): Record<string, string> {
  const decoded = Object.fromEntries(
    Object.entries(secret.data ?? {}).map(([key, value]) => [
      key,
      Buffer.from(value, 'base64').toString('utf8'),
    ]),
  );
  return { ...decoded, ...(secret.stringData ?? {}) };
}

/** Every envFrom / valueFrom in the pod templates names an object (and key) present in the output. */
function unresolvedReferences(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const keysOf = (kind: string, name: string) => {
    const object = find(objects, kind, name);
    return object ? Object.keys(kind === 'Secret' ? secretValues(object) : (object.data ?? {})) : undefined;
  };
  for (const { owner, template } of podTemplates(objects)) {
    for (const container of containersOf(template)) {
      const where = `${owner.kind}/${owner.metadata.name} container ${container.name}`;
      for (const source of container.envFrom ?? []) {
        if (source.configMapRef && !keysOf('ConfigMap', source.configMapRef.name))
          problems.push(`${where}: envFrom ConfigMap ${source.configMapRef.name} is missing`);
        if (source.secretRef && !keysOf('Secret', source.secretRef.name))
          problems.push(`${where}: envFrom Secret ${source.secretRef.name} is missing`);
      }
      for (const variable of container.env ?? []) {
        const refs: [string, KeyRef | undefined][] = [
          ['Secret', variable.valueFrom?.secretKeyRef],
          ['ConfigMap', variable.valueFrom?.configMapKeyRef],
        ];
        for (const [kind, ref] of refs) {
          if (!ref) continue;
          const keys = keysOf(kind, ref.name);
          if (!keys) problems.push(`${where}: ${variable.name} names ${kind} ${ref.name}, which is missing`);
          else if (!keys.includes(ref.key) && !ref.optional)
            problems.push(
              `${where}: ${variable.name} names key ${ref.key}, missing from ${kind} ${ref.name}`,
            );
        }
      }
    }
  }
  return problems;
}

/** Containers given a secret as a literal `value` instead of a reference. */
function literalSecretsInEnv(objects: K8sObject[]): string[] {
  return podTemplates(objects).flatMap(({ owner, template }) =>
    containersOf(template).flatMap((container) =>
      (container.env ?? [])
        .filter((variable) => secretName.test(variable.name) && variable.value !== undefined)
        .map((variable) => `${owner.kind}/${owner.metadata.name}: ${variable.name} has a literal value`),
    ),
  );
}

function portNumber(container: Container, port: string | number): number | undefined {
  return typeof port === 'number'
    ? port
    : container.ports?.find((candidate) => candidate.name === port)?.containerPort;
}

// ---------- Kubernetes ----------
describe('k8s (kubectl kustomize k8s)', () => {
  let objects: K8sObject[] = [];
  beforeAll(() => {
    objects = kustomize(join(root, 'k8s'));
  });

  const deployment = (app: string) => {
    const found = find(objects, 'Deployment', `twe-${app}`);
    if (!found?.spec?.template) throw new Error(`no Deployment twe-${app} in the rendered base`);
    return {
      object: found,
      template: found.spec.template,
      container: found.spec.template.spec.containers[0]!,
    };
  };

  it('renders without a namespace, every object labelled as part of the system', () => {
    expect(objects.length).toBeGreaterThan(0);
    for (const object of objects) {
      expect(object.metadata.namespace, `${object.kind}/${object.metadata.name}`).toBeUndefined();
      expect(object.metadata.labels?.['app.kubernetes.io/part-of']).toBe('ticket-workflow-engine');
    }
  });

  it.each(apps)('has a Deployment for $name running its main.js, ready on /health', ({ name, port }) => {
    const { object, template, container } = deployment(name);
    expect(container.command).toEqual(appCommand(name));
    expect(container.env?.find((variable) => variable.name === 'HTTP_PORT')?.value).toBe(String(port));

    const readiness = container.readinessProbe?.httpGet;
    expect(readiness?.path).toBe('/health');
    expect(portNumber(container, readiness!.port)).toBe(port);

    // Liveness must not restart pods over a database outage: cheap, and tolerant for a minute at least.
    const liveness = container.livenessProbe;
    expect(liveness?.tcpSocket ?? liveness?.httpGet).toBeDefined();
    expect((liveness?.periodSeconds ?? 10) * (liveness?.failureThreshold ?? 3)).toBeGreaterThanOrEqual(60);

    for (const resource of ['cpu', 'memory']) {
      expect(container.resources?.requests?.[resource], `requests.${resource}`).toBeDefined();
    }
    expect(container.resources?.limits?.memory).toBeDefined();

    expect(template.spec.securityContext?.runAsNonRoot).toBe(true);
    expect(container.securityContext?.allowPrivilegeEscalation).toBe(false);
    expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);

    expect(isSubset(object.spec!.selector!.matchLabels!, template.metadata?.labels)).toBe(true);
  });

  it.each(workers)('gives $name time to drain its jobs on shutdown', ({ name }) => {
    expect(deployment(name).template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(60);
  });

  it('runs every Deployment and the migration Job from one image', () => {
    const images = new Set(
      podTemplates(objects).flatMap(({ template }) =>
        containersOf(template).map((container) => container.image),
      ),
    );
    expect([...images]).toHaveLength(1);
  });

  it('exposes the gateway, and only the gateway, through a Service', () => {
    const service = find(objects, 'Service', 'twe-gateway');
    expect(service).toBeDefined();
    const selector = service!.spec!.selector as Record<string, string>;
    const gateway = deployment('gateway');
    expect(isSubset(selector, gateway.template.metadata?.labels)).toBe(true);
    for (const { name } of workers) {
      expect(isSubset(selector, deployment(name).template.metadata?.labels)).toBe(false);
    }
    const targetPort = service!.spec!.ports![0]!.targetPort!;
    expect(portNumber(gateway.container, targetPort)).toBe(3000);
  });

  it('has a migration Job that runs migrate.js once, not from the services', () => {
    const jobs = objects.filter((object) => object.kind === 'Job');
    expect(jobs).toHaveLength(1);
    const template = jobs[0]!.spec!.template!;
    expect(template.spec.containers[0]!.command).toEqual(migrateCommand);
    expect(['Never', 'OnFailure']).toContain(template.spec.restartPolicy);
    expect(jobs[0]!.spec!.backoffLimit).toBeGreaterThanOrEqual(1);
    for (const { name } of apps) expect(deployment(name).container.command).not.toEqual(migrateCommand);
  });

  it('resolves every ConfigMap and Secret reference to an object in the output', () => {
    expect(unresolvedReferences(objects)).toEqual([]);
    // Both kinds are actually used, so the check above is not vacuous.
    const sources = podTemplates(objects).flatMap(({ template }) => containersOf(template));
    expect(sources.some((container) => container.envFrom?.some((source) => source.configMapRef))).toBe(true);
    expect(
      sources.some((container) => container.env?.some((variable) => variable.valueFrom?.secretKeyRef)),
    ).toBe(true);
  });

  it('points every autoscaler at a Deployment that leaves replicas to it', () => {
    const autoscalers = objects.filter((object) => object.kind === 'HorizontalPodAutoscaler');
    for (const autoscaler of autoscalers) {
      const target = find(objects, 'Deployment', autoscaler.spec!.scaleTargetRef!.name);
      expect(target, autoscaler.metadata.name).toBeDefined();
      expect(target!.spec!.replicas, `${target!.metadata.name} sets replicas`).toBeUndefined();
    }
  });

  it('holds no secret values: placeholders in the Secret, references in the pods, none in the ConfigMap', () => {
    const secrets = objects.filter((object) => object.kind === 'Secret');
    expect(secrets.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      const values = secretValues(secret);
      expect(Object.keys(values)).toContain('TWE_SECRET_KEY');
      for (const [key, value] of Object.entries(values)) expect(value, key).toBe('REPLACE_ME');
    }
    expect(literalSecretsInEnv(objects)).toEqual([]);
    for (const configMap of objects.filter((object) => object.kind === 'ConfigMap')) {
      for (const [key, value] of Object.entries(configMap.data ?? {})) {
        expect(secretName.test(key), `ConfigMap key ${key}`).toBe(false);
        expect(value, `ConfigMap ${key} holds a URL with credentials`).not.toMatch(/:\/\/[^/\s@]*:[^/\s@]*@/);
      }
    }
  });
});

describe('k8s/overlays/example (with a secrets.env made from the example file)', () => {
  let workdir = '';
  let objects: K8sObject[] = [];
  const fakeValues: Record<string, string> = {
    DATABASE_URL: 'postgres://twe:fake-db-password@db.test:5432/twe',
    REDIS_URL: 'redis://redis.test:6379',
    TWE_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
    SMTP_USER: 'fake-user',
    SMTP_PASSWORD: 'fake-smtp-password',
  };

  beforeAll(() => {
    // A copy, so no secrets.env is ever written into the work tree.
    workdir = mkdtempSync(join(tmpdir(), 'twe-k8s-'));
    cpSync(join(root, 'k8s'), join(workdir, 'k8s'), { recursive: true });
    const overlay = join(workdir, 'k8s/overlays/example');
    const example = readFileSync(join(overlay, 'secrets.env.example'), 'utf8');
    const filled = example.replace(
      /^([A-Z_]+)=.*$/gm,
      (_line, key: string) => `${key}=${fakeValues[key] ?? ''}`,
    );
    writeFileSync(join(overlay, 'secrets.env'), filled);
    objects = kustomize(overlay);
  });
  afterAll(() => {
    if (workdir) rmSync(workdir, { recursive: true, force: true });
  });

  it('keeps secrets.env out of git', () => {
    expect(run('git', ['check-ignore', '-q', 'k8s/overlays/example/secrets.env']).status).toBe(0);
  });

  it('replaces the placeholder Secret with the values of secrets.env', () => {
    const secret = find(objects, 'Secret', 'twe-secrets');
    expect(secret?.stringData).toBeUndefined();
    expect(secretValues(secret!)).toEqual(fakeValues);
    expect(unresolvedReferences(objects)).toEqual([]);
  });

  it('puts everything in the namespace and pins the image', () => {
    for (const object of objects.filter((candidate) => candidate.kind !== 'Namespace')) {
      expect(object.metadata.namespace, `${object.kind}/${object.metadata.name}`).toBe('twe');
    }
    for (const { template } of podTemplates(objects)) {
      for (const container of containersOf(template))
        expect(container.image).toMatch(/\/ticket-workflow-engine:.+/);
    }
  });
});

// ---------- docker-compose ----------
describe('docker-compose.yml', () => {
  const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
  const compose = parse(text, { merge: true }) as { services: Record<string, ComposeService> };
  const services = compose.services;
  const service = (name: string): ComposeService => {
    const found = services[name];
    if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
    return found;
  };
  const dependsOn = (name: string) => service(name).depends_on as Record<string, { condition?: string }>;

  it('has the five services, the migration, PostgreSQL, Redis, Dovecot and the SMTP sink', () => {
    for (const name of [
      ...apps.map((app) => app.name),
      'migrate',
      'postgres',
      'redis',
      'dovecot',
      'smtp-sink',
    ]) {
      expect(Object.keys(services)).toContain(name);
    }
    expect(service('postgres').image).toMatch(/^postgres:15/);
    expect(service('redis').image).toMatch(/^redis:7/);
    expect(service('dovecot').image).toMatch(/^dovecot\/dovecot:2\.3/);
    expect(service('smtp-sink').image).toMatch(/mailpit/);
  });

  it('health-checks PostgreSQL, Redis, Dovecot and the SMTP sink', () => {
    for (const name of ['postgres', 'redis', 'dovecot', 'smtp-sink']) {
      expect(service(name).healthcheck?.test, name).toBeDefined();
    }
  });

  it('gives Dovecot its config and a users file rendered from a template without passwords', () => {
    const mounts = service('dovecot').volumes ?? [];
    expect(mounts.some((mount) => mount.startsWith('./deploy/dovecot/dovecot.conf:'))).toBe(true);
    expect(mounts.some((mount) => mount.startsWith('./deploy/dovecot/users.template:'))).toBe(true);
    const template = readFileSync(join(root, 'deploy/dovecot/users.template'), 'utf8');
    const entries = template.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) expect(entry.split(':')[1]).toBe('{PLAIN}${DOVECOT_PASSWORD}');
  });

  it('runs the migration once, after PostgreSQL is healthy', () => {
    const migrate = service('migrate');
    expect(migrate.command).toEqual(migrateCommand);
    expect(migrate.restart).toBe('no');
    expect(dependsOn('migrate').postgres?.condition).toBe('service_healthy');
  });

  it.each(apps)(
    'starts $name from the shared image after healthy stores and a finished migration',
    ({ name, port }) => {
      const app = service(name);
      expect(app.command).toEqual(appCommand(name));
      expect(app.image).toBe(service('migrate').image);
      expect(String(app.environment?.HTTP_PORT)).toBe(String(port));
      expect(app.environment?.NODE_ENV).toBe('production');

      const depends = dependsOn(name);
      expect(Array.isArray(depends)).toBe(false);
      expect(depends.postgres?.condition).toBe('service_healthy');
      expect(depends.redis?.condition).toBe('service_healthy');
      expect(depends.migrate?.condition).toBe('service_completed_successfully');
      for (const [dependency, { condition }] of Object.entries(depends)) {
        expect(['service_healthy', 'service_completed_successfully'], `${name} -> ${dependency}`).toContain(
          condition,
        );
      }

      const test = [app.healthcheck?.test ?? []].flat().join(' ');
      expect(test).toContain(`127.0.0.1:${port}/health`);
    },
  );

  it('requires TWE_SECRET_KEY with the `${VAR:?message}` form', () => {
    for (const name of [...apps.map((app) => app.name), 'migrate']) {
      expect(String(service(name).environment?.TWE_SECRET_KEY)).toMatch(/^\$\{TWE_SECRET_KEY:\?[^}]+\}$/);
    }
  });

  it('has no default or literal passwords', () => {
    // No `${SECRET:-default}` / `${SECRET-default}` anywhere in the file.
    const defaulted = [...text.matchAll(/\$\{(\w+)(:?-)/g)].map((match) => match[1]!);
    expect(defaulted.filter((name) => secretName.test(name))).toEqual([]);
    for (const [serviceName, definition] of Object.entries(services)) {
      for (const [key, value] of Object.entries(definition.environment ?? {})) {
        if (!/PASSWORD|SECRET|TOKEN|_KEY$/.test(key)) continue;
        expect(String(value), `${serviceName}.${key}`).toMatch(/^\$\{\w+:\?[^}]+\}$/);
      }
      const databaseUrl = definition.environment?.DATABASE_URL;
      if (databaseUrl !== undefined) {
        expect(String(databaseUrl), `${serviceName}.DATABASE_URL`).toMatch(
          /:\$\{POSTGRES_PASSWORD:\?[^}]+\}@/,
        );
      }
    }
  });

  describe('docker-compose config', () => {
    let emptyEnvDir = '';
    beforeAll(() => {
      // An empty --env-file, so a developer's .env cannot stand in for the variables under test.
      emptyEnvDir = mkdtempSync(join(tmpdir(), 'twe-compose-'));
      writeFileSync(join(emptyEnvDir, 'empty.env'), '');
    });
    afterAll(() => {
      if (emptyEnvDir) rmSync(emptyEnvDir, { recursive: true, force: true });
    });

    const composeConfig = (values: Record<string, string>, quiet: boolean) => {
      if (!onPath('docker-compose')) {
        throw new Error(
          `docker-compose is not on PATH, so the compose file cannot be validated; ${provisionHint}`,
        );
      }
      const env: NodeJS.ProcessEnv = { ...process.env };
      for (const name of requiredComposeSecrets) delete env[name];
      Object.assign(env, values);
      const args = ['--env-file', join(emptyEnvDir, 'empty.env'), '-f', 'docker-compose.yml', 'config'];
      return run('docker-compose', quiet ? [...args, '-q'] : args, env);
    };
    const allSecrets = { TWE_SECRET_KEY: 'x', POSTGRES_PASSWORD: 'y', DOVECOT_PASSWORD: 'z' };

    it('validates with the required secrets set', () => {
      const result = composeConfig(allSecrets, true);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const rendered = parse(composeConfig(allSecrets, false).stdout) as {
        services: Record<string, ComposeService>;
      };
      expect(rendered.services.gateway?.environment?.TWE_SECRET_KEY).toBe('x');
      expect(rendered.services.gateway?.environment?.DATABASE_URL).toBe('postgres://twe:y@postgres:5432/twe');
    });

    it.each(requiredComposeSecrets)('refuses to interpolate without %s', (missing) => {
      const values = Object.fromEntries(Object.entries(allSecrets).filter(([name]) => name !== missing));
      const result = composeConfig(values, true);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain(missing);
    });
  });
});

// ---------- image ----------
describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
  const instructions = dockerfile.split('\n').filter((line) => !line.trimStart().startsWith('#'));
  const stages = instructions.filter((line) => /^FROM\s/i.test(line));

  it('builds on node 20 bookworm-slim in stages, without dev dependencies in the result', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    expect(stages.length).toBeGreaterThan(1);
    expect(dockerfile).toContain('npm ci');
    expect(dockerfile).toContain('nx run-many -t build');
    expect(dockerfile).toContain('--omit=dev');
  });

  it('runs as the non-root node user with NODE_ENV=production and no HEALTHCHECK', () => {
    const lastStage = instructions.slice(instructions.lastIndexOf(stages.at(-1)!));
    expect(lastStage).toContain('USER node');
    expect(lastStage.join('\n')).toMatch(/ENV NODE_ENV=production/);
    expect(instructions.some((line) => /^HEALTHCHECK/i.test(line))).toBe(false);
  });

  it('keeps dependencies, build output and local secrets out of the build context', () => {
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
    for (const pattern of ['**/node_modules', '**/dist', '.env', '**/*.env', '.git'])
      expect(ignored).toContain(pattern);
  });
});
