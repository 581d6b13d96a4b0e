import net from 'node:net';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, spawnServer, waitForHealthy, type ServerProcess } from './server-process.js';

const directories: string[] = [];
const running: ServerProcess[] = [];
const groups: number[] = [];
afterAll(() => {
  for (const server of running) server.child.kill('SIGKILL');
  for (const group of groups) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

function freshDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'attribution-shutdown-'));
  directories.push(directory);
  return directory;
}

async function startServer(env: Record<string, string> = {}): Promise<{ server: ServerProcess; key: string }> {
  const directory = freshDirectory();
  const server = spawnServer(directory, { RATE_LIMIT_MAX: '100000', ...env }, await freePort());
  running.push(server);
  await waitForHealthy(server);
  const key = /API_KEY=(sk_\S+)/.exec(readFileSync(join(directory, '.env.local'), 'utf8'))![1]!;
  return { server, key };
}

/** A raw connection that has sent `text` and collects whatever comes back. */
async function rawConnection(port: number, text: string): Promise<{ socket: net.Socket; received: () => string; closed: Promise<void> }> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  let received = '';
  socket.on('data', (chunk) => (received += chunk.toString()));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  socket.write(text);
  return { socket, received: () => received, closed };
}

const partnerRequest = (key: string, body: string) =>
  `POST /partners HTTP/1.1\r\nHost: x\r\nX-API-Key: ${key}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SIGTERM drain', () => {
  it('answers a request that arrives while draining with a 503 problem and Connection: close', async () => {
    const { server, key } = await startServer({ LOG_LEVEL: 'info' });
    const body = JSON.stringify({ id: 'p-drain', name: 'Drain', email: 'drain@example.com' });
    // In flight: headers and half the body. Arriving: half its headers, so the connection is not idle.
    const inFlight = await rawConnection(server.port, partnerRequest(key, body) + body.slice(0, 5));
    const arriving = await rawConnection(server.port, 'GET /partners HTTP/1.1\r\nHost: x\r\n');
    await sleep(300);
    server.child.kill('SIGTERM');
    // Draining from here on (a loaded machine may take a while to get there).
    while (!server.output().includes('shutting down')) await sleep(20);
    await sleep(200);
    arriving.socket.write(`X-API-Key: ${key}\r\n\r\n`);
    await arriving.closed;
    const answer = arriving.received();
    expect(answer).toMatch(/^HTTP\/1\.1 503/);
    expect(answer).toMatch(/content-type: application\/problem\+json/i);
    expect(answer).toMatch(/connection: close/i);
    expect(answer).toMatch(/retry-after: 5/i);
    expect(answer).toContain('"code":"unavailable"');

    inFlight.socket.write(body.slice(5));
    await inFlight.closed.catch(() => undefined);
    await sleep(50);
    expect(inFlight.received()).toMatch(/^HTTP\/1\.1 201/);
    expect((await server.exited).code).toBe(0);
  });

  it('gives up after SHUTDOWN_TIMEOUT, exits 1 and names the request it abandoned', async () => {
    const { server, key } = await startServer({ SHUTDOWN_TIMEOUT: '1500ms', LOG_LEVEL: 'info' });
    const body = JSON.stringify({ id: 'p-stuck', name: 'Stuck', email: 'stuck@example.com' });
    // A client that never sends the rest of its body holds the drain open.
    const stuck = await rawConnection(server.port, partnerRequest(key, body) + body.slice(0, 5));
    await sleep(300);
    const signalled = Date.now();
    server.child.kill('SIGTERM');
    const { code } = await server.exited;
    const tookMs = Date.now() - signalled;
    stuck.socket.destroy();
    expect(code).toBe(1);
    expect(tookMs).toBeGreaterThanOrEqual(1_400);
    expect(tookMs).toBeLessThan(5_000);
    const line = server.output().split('\n').find((text) => text.includes('SHUTDOWN_TIMEOUT'));
    expect(line).toBeDefined();
    expect(JSON.parse(line!).abandoned).toEqual([expect.stringMatching(/^POST \/partners /)]);
  });
});

describe('npm start', () => {
  it('passes SIGTERM to the server, which drains and exits 0', async () => {
    // A package with our start script, whose build is a no-op and whose dist/server.js runs the real server.
    const directory = freshDirectory();
    // With our node flags (config.node_flags), which the start script passes to node.
    const manifest = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { scripts: { start: string }; config: unknown };
    const { start } = manifest.scripts;
    writeFileSync(join(directory, 'package.json'), JSON.stringify({ name: 'start-check', private: true, config: manifest.config, scripts: { build: 'true', start } }));
    mkdirSync(join(directory, 'dist'));
    const serverEntry = pathToFileURL(fileURLToPath(new URL('../../src/server.ts', import.meta.url))).href;
    writeFileSync(join(directory, 'dist', 'server.js'), `import ${JSON.stringify(serverEntry)};\n`);
    const tsx = pathToFileURL(fileURLToPath(new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url))).href;
    const port = await freePort();
    const npm = spawn('npm', ['start', '--silent'], {
      cwd: directory,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: directory,
        NODE_OPTIONS: `--import ${tsx}`,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        PAYOUT_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // A group of its own, so that a server npm failed to stop can be killed with it.
      detached: true,
    });
    groups.push(npm.pid!);
    let output = '';
    npm.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    npm.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    const process_ = { child: npm, port, url: `http://127.0.0.1:${port}`, output: () => output, exited: exited.then((code) => ({ code, signal: null })) };
    running.push(process_);
    await waitForHealthy(process_);

    npm.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toMatch(/shutting down/);
    // Nothing is left listening: the server itself stopped, not only npm.
    await expect(fetch(`${process_.url}/health`)).rejects.toThrow();
  });
});
