import { connect, createServer, type Server, type Socket } from 'node:net';

function pipeBoth(a: Socket, b: Socket): void {
  a.pipe(b).pipe(a);
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
}

/**
 * Puts host ports on a container's `127.0.0.1`: the host side listens on the container network's gateway
 * address (reachable from the containers only, not from other machines) and forwards to the host's
 * `127.0.0.1:<port>`; the container side ({@link LoopbackRelay.INNER_SCRIPT}, run with Node in the task's
 * network namespace) listens on `127.0.0.1:<port>` and forwards to the gateway. URLs naming
 * `127.0.0.1:<port>` (the control plane, presigned S3 URLs) then work unchanged inside the task.
 */
export class LoopbackRelay {
  /** `node -e INNER_SCRIPT <gateway> <port>:<gatewayPort>...` */
  static readonly INNER_SCRIPT = `const net=require('net');const [gw,...pairs]=process.argv.slice(1);for(const p of pairs){const [i,o]=p.split(':').map(Number);net.createServer((c)=>{const u=net.connect(o,gw);c.pipe(u).pipe(c);c.on('error',()=>u.destroy());u.on('error',()=>c.destroy());}).listen(i,'127.0.0.1');}process.on('SIGTERM',()=>process.exit(0));`;

  private readonly servers: Server[] = [];

  /** Listens on `address` for each port; resolves host port → relay port on `address`. */
  async listen(address: string, ports: number[]): Promise<Record<number, number>> {
    const out: Record<number, number> = {};
    for (const port of ports) {
      const server = createServer((socket) => pipeBoth(socket, connect(port, '127.0.0.1')));
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, address, () => resolve()));
      server.unref();
      this.servers.push(server);
      out[port] = (server.address() as { port: number }).port;
    }
    return out;
  }

  close(): void {
    for (const s of this.servers) s.close();
  }
}
