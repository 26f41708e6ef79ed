/** Benchmarks only ever talk to servers on this machine's loopback interface. */
export function assertLoopback(url: string): string {
  const host = new URL(url).hostname;
  if (!/^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(host)) {
    throw new Error(`benchmarks only send requests to 127.0.0.1/localhost, not to ${host}`);
  }
  return url;
}
