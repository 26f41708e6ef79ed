import { request } from 'node:http';

export interface RawRequest {
  method: string;
  /** Path and query string. */
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** Send the body with chunked transfer encoding instead of a content-length. */
  chunked?: boolean;
}

export interface RawAnswer {
  status: number;
  contentType: string;
  text: string;
}

/**
 * Sends one request exactly as given (node:http, no fetch normalisation: any method, header
 * and byte sequence), on a fresh connection, and reads the whole answer. A server that closes
 * the connection after answering early (e.g. 413 before the body is read) is fine: the answer
 * already received counts.
 */
export function sendRaw(baseUrl: string, raw: RawRequest, timeoutMs = 30_000): Promise<RawAnswer> {
  const url = new URL(raw.path, baseUrl);
  const body = raw.body === undefined ? undefined : Buffer.from(raw.body);
  return new Promise((resolve, reject) => {
    let answered: RawAnswer | undefined;
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: raw.method,
        agent: false,
        headers: {
          ...raw.headers,
          ...(body && !raw.chunked ? { 'content-length': String(body.length) } : {}),
          ...(raw.chunked ? { 'transfer-encoding': 'chunked' } : {}),
        },
        timeout: timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          answered = {
            status: response.statusCode ?? 0,
            contentType: String(response.headers['content-type'] ?? ''),
            text: Buffer.concat(chunks).toString('utf8'),
          };
          resolve(answered);
        });
        response.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) => {
      // EPIPE/ECONNRESET while still sending: the server answered and closed; wait for it.
      if (answered) return;
      if (error.code === 'EPIPE' || error.code === 'ECONNRESET') {
        setTimeout(() => (answered ? undefined : reject(error)), 1000);
        return;
      }
      reject(error);
    });
    if (body && raw.chunked) {
      const chunkSize = 256 * 1024;
      for (let i = 0; i < body.length; i += chunkSize) req.write(body.subarray(i, i + chunkSize));
      req.end();
    } else req.end(body);
  });
}
