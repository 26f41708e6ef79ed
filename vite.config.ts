// Builds the offline GraphiQL page (web/graphiql) into dist/graphiql, served by the gateway
// at /graphiql (src/server/graphiql-route.ts). Run with `npm run build:graphiql`.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const repoRoot = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: resolve(repoRoot, 'web/graphiql'),
  base: '/graphiql/',
  publicDir: false,
  plugins: [react()],
  worker: { format: 'es' },
  build: {
    outDir: resolve(repoRoot, 'dist/graphiql'),
    emptyOutDir: true,
    target: 'es2022',
    // Monaco + GraphiQL are large by nature; this is a dev tool served from the gateway.
    chunkSizeWarningLimit: 8192,
    reportCompressedSize: false,
    rollupOptions: {
      onwarn(warning, warn) {
        // @graphiql/react ships React-compiler `'use no memo'` directives; harmless when bundled.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
});
