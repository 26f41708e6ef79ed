// Runs the TypeScript worker (compute-worker.ts) when the gateway itself runs from source
// (tsx, vitest): registers tsx in this worker thread, then loads the worker module.
import { register } from 'tsx/esm/api';

register();
const worker = await import('./compute-worker.ts');

export default worker.default;
