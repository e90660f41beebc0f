/** Floor 1: a bare `node:http` server answering "ok". Run by the bench as a child process. */
import http from 'node:http';

const port = Number(process.env.PORT);
http
  .createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
    res.end('ok');
  })
  .listen(port, '127.0.0.1');

process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
