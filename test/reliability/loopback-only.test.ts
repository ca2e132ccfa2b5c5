import { createServer, type Server } from 'node:net';
import { startDevServer, type DevServer } from '../support/dev-server';
import { canReadSockets, isLoopback, listeningSockets } from '../support/listening-sockets';

// `slipway dev` serves the API and its AWS emulators (DynamoDB, SQS, S3) on the loopback interface only, unless
// `--host` says otherwise: nothing it opens may be reachable from the network by default.
const describeOnLinux = canReadSockets ? describe : describe.skip;
if (!canReadSockets) console.warn('skipping loopback-only tests: /proc/<pid>/net/tcp is not available (Linux only)');

describeOnLinux('reliability: slipway dev listens on loopback only', () => {
  let server: DevServer;
  beforeAll(async () => {
    server = await startDevServer(); // no --host: the default applies
  }, 90_000);
  afterAll(async () => server?.stop());

  it('binds every listening TCP socket of the server (API and emulators) to 127.0.0.1 or ::1', () => {
    const sockets = listeningSockets(server.process.pid!);
    // The API and the three emulators at least: an empty list would mean the sockets were not read at all.
    expect(sockets.length).toBeGreaterThanOrEqual(4);
    expect(sockets.map((s) => s.port)).toContain(Number(new URL(server.url).port));
    const exposed = sockets.filter((s) => !isLoopback(s.address)).map((s) => `port ${s.port} on ${s.address} (pid ${s.pid})`);
    expect(exposed).toEqual([]);
  });

  it('reports a socket bound to all interfaces (the check above can fail)', async () => {
    const probe: Server = createServer();
    await new Promise<void>((r) => probe.listen(0, '0.0.0.0', r));
    try {
      const port = (probe.address() as { port: number }).port;
      const mine = listeningSockets(process.pid).filter((s) => s.port === port);
      expect(mine).toEqual([{ pid: process.pid, address: '0.0.0.0', port }]);
      expect(isLoopback(mine[0].address)).toBe(false);
    } finally {
      await new Promise<void>((r) => probe.close(() => r()));
    }
  });
});
