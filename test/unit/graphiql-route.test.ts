import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GraphiqlTab, registerGraphiql } from '../../src/server/graphiql-route.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const assetsDir = join(repoRoot, 'dist', 'graphiql');

const tabs: GraphiqlTab[] = [
  {
    name: 'similar',
    query: 'query similar($id: ID!) {\n  similar(id: $id) { id score }\n}',
    variables: '{ "id": "doc-1" }',
  },
  // Hostile content must stay inert inside the page's <script> element.
  { name: 'tricky', query: '# </script><script>alert(1)</script> <!-- $& $1 \u2028\n{ hello }' },
];

function configFromPage(html: string): unknown {
  const match = /<script id="lshql-config" type="application\/json">([\s\S]*?)<\/script>/.exec(
    html,
  );
  expect(match, 'config script element present').not.toBeNull();
  return JSON.parse(match![1]!);
}

/** Same-document asset references (`src`/`href`) found in the page. */
function assetUrls(html: string): string[] {
  return [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"/g)]
    .map((m) => m[1]!)
    .filter((url) => url.startsWith('/graphiql/'));
}

describe('registerGraphiql', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    if (!existsSync(join(assetsDir, 'index.html'))) {
      // Build the real bundle once (same as `npm run build:graphiql`); takes ~30 s.
      // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
      const nodeEnv = process.env.NODE_ENV;
      process.env.NODE_ENV = 'production';
      try {
        const { build } = await import('vite');
        await build({ configFile: join(repoRoot, 'vite.config.ts'), logLevel: 'warn' });
      } finally {
        if (nodeEnv === undefined) delete process.env.NODE_ENV;
        else process.env.NODE_ENV = nodeEnv;
      }
    }
    if (!existsSync(join(assetsDir, 'index.html'))) {
      throw new Error(`GraphiQL build missing in ${assetsDir}; run \`npm run build:graphiql\``);
    }
    app = Fastify();
    await registerGraphiql(app, { endpoint: '/graphql', tabs });
    await app.ready();
  }, 300_000);

  afterAll(async () => {
    await app?.close();
  });

  it('serves the page with the injected config and a self-only CSP', async () => {
    const res = await app.inject({ method: 'GET', url: '/graphiql' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
    expect(configFromPage(res.body)).toEqual({ endpoint: '/graphql', tabs });

    const csp = String(res.headers['content-security-policy'] ?? '');
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/https?:|\*/);

    // The hostile tab did not break out of the JSON script element.
    expect(res.body).not.toContain('<script>alert(1)');
    expect(res.body).not.toContain('<!-- $&');
  });

  it('answers on /graphiql/ too', async () => {
    const res = await app.inject({ method: 'GET', url: '/graphiql/' });
    expect(res.statusCode).toBe(200);
    expect(configFromPage(res.body)).toEqual({ endpoint: '/graphql', tabs });
  });

  it('references only same-origin assets that are served with the right types', async () => {
    const page = (await app.inject({ method: 'GET', url: '/graphiql' })).body;
    expect(page).not.toMatch(/<script[^>]*\bsrc=["']?(https?:)?\/\//i);
    expect(page).not.toMatch(/<link[^>]*\bhref=["']?(https?:)?\/\//i);

    const urls = assetUrls(page);
    expect(urls.some((url) => url.endsWith('.js'))).toBe(true);
    expect(urls.some((url) => url.endsWith('.css'))).toBe(true);
    for (const url of urls) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type'], url).toMatch(
        url.endsWith('.css') ? /^text\/css/ : /^(text|application)\/javascript/,
      );
      expect(res.headers['cache-control'], url).toContain('immutable');
    }
  });

  it('serves the bundled Monaco workers', async () => {
    const workers = readdirSync(join(assetsDir, 'assets')).filter((f) => /worker.*\.js$/.test(f));
    expect(workers.map((f) => f.replace(/-[\w-]+\.js$/, '')).sort()).toEqual([
      'editor.worker',
      'graphql.worker',
      'json.worker',
    ]);
    for (const file of workers) {
      const res = await app.inject({ method: 'GET', url: `/graphiql/assets/${file}` });
      expect(res.statusCode, file).toBe(200);
      expect(res.headers['content-type'], file).toMatch(/^(text|application)\/javascript/);
    }
  });

  it('404s unknown assets', async () => {
    const res = await app.inject({ method: 'GET', url: '/graphiql/assets/nope.js' });
    expect(res.statusCode).toBe(404);
  });

  it('answers 503 with a build hint when the assets are missing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'lshql-graphiql-'));
    const bare = Fastify();
    try {
      await registerGraphiql(bare, { endpoint: '/graphql', tabs, assetsDir: empty });
      const res = await bare.inject({ method: 'GET', url: '/graphiql' });
      expect(res.statusCode).toBe(503);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.body).toContain('npm run build:graphiql');
    } finally {
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
