// The local stack the browser tests run against: moto (the AWS stand-in) and the local server
// (the real API handlers, serving portal/dist with the template's CSP). Started here unless the
// environment already names them; stopped when the tests end.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PORTAL = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = resolve(PORTAL, '..');

export interface Stack {
  base: string;
  moto: string;
  env: NodeJS.ProcessEnv;
  /** `prenota-local` itself, for its commands (office-user). */
  binary: string;
  stop: () => Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? ok(address.port) : fail(new Error('no port'))));
    });
  });
}

async function waitFor(url: string, child: ChildProcess, what: string, seconds = 60): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not answer at ${url} within ${seconds} s`);
}

/** The prenota-local binary: $PRENOTA_LOCAL_BIN, else $CARGO_TARGET_DIR/debug/prenota-local. */
export function localBinary(): string {
  if (process.env.PRENOTA_LOCAL_BIN) return process.env.PRENOTA_LOCAL_BIN;
  const target = process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache', 'prenota', 'target');
  return join(target, 'debug', 'prenota-local');
}

/** prenota-draw-audit (tools/draw-audit), built beside prenota-local: $PRENOTA_DRAW_AUDIT_BIN else there. */
export function drawAuditBinary(): string {
  return process.env.PRENOTA_DRAW_AUDIT_BIN ?? join(dirname(localBinary()), 'prenota-draw-audit');
}

function python(): string {
  if (process.env.PRENOTA_PYTHON) return process.env.PRENOTA_PYTHON;
  const cache = join(homedir(), '.cache', 'prenota');
  const venv = existsSync(cache) ? readdirSync(cache).find((name) => name.startsWith('venv-')) : undefined;
  if (!venv) throw new Error('No Python venv with moto: run scripts/test (or set PRENOTA_AWS_ENDPOINT)');
  return join(cache, venv, 'bin', 'python');
}

export async function startStack(): Promise<Stack> {
  const children: ChildProcess[] = [];
  let moto = process.env.PRENOTA_AWS_ENDPOINT ?? '';
  if (!moto) {
    const port = await freePort();
    const child = spawn(python(), [join(ROOT, 'tools/testing/moto_server.py'), '127.0.0.1', String(port)], { stdio: 'ignore' });
    children.push(child);
    moto = `http://127.0.0.1:${port}`;
    await waitFor(`${moto}/moto-api/data.json`, child, 'moto');
  }
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const binary = localBinary();
  if (!existsSync(binary)) throw new Error(`${binary} is missing: build it (cargo build -p prenota-local) or set PRENOTA_LOCAL_BIN`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PRENOTA_AWS_ENDPOINT: moto,
    PORT: String(port),
    PORTAL_DIR: join(PORTAL, 'dist'),
    PORTAL_URL: base,
    TABLE_NAME: `portal-e2e-${Date.now()}`,
    RUST_LOG: process.env.RUST_LOG ?? 'warn',
  };
  const server = spawn(binary, ['serve'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(server);
  await waitFor(`${base}/services`, server, 'prenota-local', 120);
  return {
    base,
    moto,
    env,
    binary,
    stop: async () => {
      for (const child of children.reverse()) {
        if (child.exitCode === null) {
          child.kill('SIGTERM');
          await new Promise((r) => child.once('exit', r));
        }
      }
    },
  };
}
