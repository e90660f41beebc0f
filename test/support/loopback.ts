import net, { type AddressInfo, type Server, type Socket } from 'node:net';

/** A TCP server on 127.0.0.1:`port` (0: any free port) that hands each connection to `accept`. */
export function listenOnLoopback(
  port: number,
  accept: (socket: Socket) => void,
): Promise<{ server: Server; port: number }> {
  const server = net.createServer(accept);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve({ server, port: (server.address() as AddressInfo).port });
    });
  });
}
