// Serves the offline GraphiQL page built by Vite (`npm run build:graphiql` -> dist/graphiql).
// GET /graphiql renders the built index.html with the runtime configuration injected; the
// hashed JS/CSS/worker assets are served from /graphiql/assets/. A strict Content-Security-
// Policy ('self' only) on the page guarantees that nothing is loaded from a CDN.
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

export interface GraphiqlTab {
  /** Label of the example; GraphiQL titles tabs after the query's operation name. */
  name: string;
  query: string;
  /** JSON text shown in the variables editor. */
  variables?: string;
}

export interface GraphiqlOptions {
  /** GraphQL endpoint the page POSTs to, e.g. `/graphql`. */
  endpoint: string;
  /** Example operations preloaded as tabs; the first one is active. */
  tabs: GraphiqlTab[];
  /** Directory holding the Vite build; defaults to `<package root>/dist/graphiql`. */
  assetsDir?: string;
}

const ROUTE = '/graphiql';
const CONFIG_SCRIPT = /(<script\b[^>]*\bid=["']lshql-config["'][^>]*>)[\s\S]*?(<\/script>)/i;

/** Walks up from this module to the folder holding package.json (works from src/ and dist/src/). */
function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('graphiql-route: package.json not found above module');
    dir = parent;
  }
}

export function defaultGraphiqlAssetsDir(): string {
  return join(findPackageRoot(), 'dist', 'graphiql');
}

/** JSON that is safe inside an HTML <script> element (no `</script>`, `<!--`, etc.). */
export function serializeConfigForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function originOf(url: string): string | undefined {
  if (!/^https?:\/\//i.test(url)) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

function contentSecurityPolicy(endpoint: string): string {
  const endpointOrigin = originOf(endpoint);
  return [
    "default-src 'self'",
    "script-src 'self'",
    // Monaco injects <style> elements and style attributes at run time.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    `connect-src 'self'${endpointOrigin ? ` ${endpointOrigin}` : ''}`,
    "worker-src 'self'", // Monaco workers are same-origin module files
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
  ].join('; ');
}

export async function registerGraphiql(
  app: FastifyInstance,
  options: GraphiqlOptions,
): Promise<void> {
  const assetsDir = resolve(options.assetsDir ?? defaultGraphiqlAssetsDir());
  const indexFile = join(assetsDir, 'index.html');
  const config = serializeConfigForScript({
    endpoint: options.endpoint,
    tabs: options.tabs.map((tab) => ({
      name: tab.name,
      query: tab.query,
      ...(tab.variables !== undefined ? { variables: tab.variables } : {}),
    })),
  });
  const csp = contentSecurityPolicy(options.endpoint);

  // Rendered on demand and cached per index.html mtime: building (or rebuilding) the assets
  // while the server runs is picked up without a restart.
  let cached: { mtimeMs: number; html: string } | undefined;
  const renderPage = async (): Promise<string | undefined> => {
    let html: string;
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(indexFile)).mtimeMs;
      if (cached?.mtimeMs === mtimeMs) return cached.html;
      html = await readFile(indexFile, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    // Function replacers: `$` sequences in the config must not be treated as patterns.
    html = CONFIG_SCRIPT.test(html)
      ? html.replace(CONFIG_SCRIPT, (_m, open: string, close: string) => open + config + close)
      : html.replace(
          /<\/head>/i,
          () => `<script id="lshql-config" type="application/json">${config}</script></head>`,
        );
    cached = { mtimeMs, html };
    return html;
  };

  const sendPage = async (reply: FastifyReply): Promise<FastifyReply> => {
    const html = await renderPage();
    if (html === undefined) {
      return reply
        .code(503)
        .header('cache-control', 'no-store')
        .type('text/plain; charset=utf-8')
        .send(
          `GraphiQL assets are not built (missing ${indexFile}).\n` +
            'Run `npm run build:graphiql` and reload this page.\n',
        );
    }
    return reply
      .header('content-security-policy', csp)
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .type('text/html; charset=utf-8')
      .send(html);
  };

  app.get(ROUTE, async (_request, reply) => sendPage(reply));
  app.get(`${ROUTE}/index.html`, async (_request, reply) => sendPage(reply));
  try {
    app.get(`${ROUTE}/`, async (_request, reply) => sendPage(reply));
  } catch (error) {
    // With the router's `ignoreTrailingSlash`, `/graphiql` already answers `/graphiql/`.
    if ((error as { code?: string }).code !== 'FST_ERR_DUPLICATED_ROUTE') throw error;
  }

  if (!existsSync(indexFile)) {
    app.log.warn(`GraphiQL assets missing in ${assetsDir}: run \`npm run build:graphiql\``);
  }

  await app.register(fastifyStatic, {
    root: assetsDir,
    prefix: `${ROUTE}/`,
    decorateReply: false,
    index: false,
    wildcard: true,
    cacheControl: false, // set below instead
    setHeaders(res, filePath) {
      res.setHeader('x-content-type-options', 'nosniff');
      // Vite content-hashes everything under assets/: safe to cache forever.
      res.setHeader(
        'cache-control',
        filePath.startsWith(join(assetsDir, 'assets'))
          ? 'public, max-age=31536000, immutable'
          : 'no-cache',
      );
    },
  });
}
