#!/usr/bin/env node
import { getEventListeners } from 'node:events';
import { runCli } from './program.js';

// Ctrl-C during an ingest: stop after the batch in flight (the summary is printed and the
// embedded backend saved). Twice, or during any other command: stop at once.
const controller = new AbortController();
process.on('SIGINT', () => {
  if (controller.signal.aborted || getEventListeners(controller.signal, 'abort').length === 0) {
    process.exit(130);
  }
  controller.abort();
  process.stderr.write('\ninterrupted: finishing the batch in flight (Ctrl-C again to stop now)\n');
});
// `lshql models | head`: a closed pipe ends the output quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  signal: controller.signal,
});
