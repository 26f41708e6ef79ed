import { createServer } from 'node:net';

/**
 * Checks that HOST:PORT can be listened on, before anything slow (loading and training the
 * demo) happens: binds and closes at once. Throws an error that names the variable to change.
 * Port 0 (any free port) needs no check.
 */
export async function assertPortAvailable(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host, exclusive: true }, resolve);
    });
  } catch (error) {
    throw new Error(portErrorMessage(host, port, error));
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Why HOST:PORT cannot be listened on, and which variable to change. */
export function portErrorMessage(host: string, port: number, error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const where = `${host}:${port}`;
  if (code === 'EADDRINUSE') {
    return `Port ${port} on ${host} is already in use (another lshql, or another program). Stop it, or set PORT to a free port (e.g. PORT=${port + 1}).`;
  }
  if (code === 'EACCES') {
    return `Not allowed to listen on ${where} (ports below 1024 need privileges). Set PORT to a port above 1023.`;
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return `Cannot listen on ${where}: HOST is not an address of this machine. Set HOST to one (e.g. 127.0.0.1 or 0.0.0.0).`;
  }
  const reason = error instanceof Error ? error.message : String(error);
  return `Cannot listen on ${where}: ${reason}. Check PORT and HOST.`;
}
