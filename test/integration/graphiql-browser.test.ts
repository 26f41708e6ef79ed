// GraphiQL at GET /graphiql, driven in headless Chromium (Debian `chromium` + playwright-core):
// the page and its Monaco workers come from the gateway alone (no CDN), the example tabs are
// preloaded, and running the `similar` example shows the hits the API returns.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { chromium, type Browser, type Page, type Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OPTIONS, loadDemoData } from '../../src/demo/demo-data.js';
import { generateSyntheticItems } from '../../src/demo/synthetic-items.js';
import { buildGraphiqlTabs } from '../../src/server/graphiql-examples.js';
import type { GraphiqlTab } from '../../src/server/graphiql-route.js';
import { startGateway, type Gateway } from '../support/gateway-harness.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const PAGE_TIMEOUT = 30_000;
const LAUNCH_TIMEOUT = 120_000;

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const graphiqlIndex = join(repoRoot, 'dist', 'graphiql', 'index.html');
const screenshotPath = join(repoRoot, 'test-results', 'graphiql.png');

const QUERY_EDITOR = 'section.graphiql-query-editor .view-lines';
const RESULT_PANE = 'section.result-window .view-lines';
const EXECUTE_BUTTON = 'button.graphiql-execute-button';
/** A tab's title (its operation's name); `.graphiql-tab` also holds the close button. */
const TAB_TITLE = '.graphiql-tab .graphiql-tab-button';
const ACTIVE_TAB_TITLE = '.graphiql-tab-active .graphiql-tab-button';

interface SimilarResult {
  data?: { similar: { hits: { score: number; item: { id: string } }[] } };
  errors?: unknown[];
}

/** Same as `npm run build:graphiql`; Vite must not see vitest's NODE_ENV=test (React dev build). */
function ensureGraphiqlBuilt(): void {
  if (existsSync(graphiqlIndex)) return;
  try {
    execFileSync('npx', ['--no', '--', 'vite', 'build', '--logLevel', 'warn'], {
      cwd: repoRoot,
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: 'pipe',
      timeout: 240_000,
    });
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '');
    throw new Error(`building GraphiQL (vite build) failed: ${stderr || String(error)}`);
  }
  if (!existsSync(graphiqlIndex)) throw new Error(`vite build did not produce ${graphiqlIndex}`);
}

/** The rendered (visible) lines of a Monaco editor, with Monaco's U+00A0 turned into spaces. */
async function editorText(page: Page, selector: string): Promise<string> {
  const text = await page.locator(selector).first().textContent();
  return (text ?? '').replace(/\u00a0/g, ' ');
}

function operationOf(query: string): OperationDefinitionNode {
  const operation = parse(query).definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  if (!operation) throw new Error(`no operation in ${query}`);
  return operation;
}

/** Top-level field of an example operation (similar, similarToVector, ingestItems, ...). */
function rootField(query: string): string {
  const selection = operationOf(query).selectionSet.selections[0];
  if (selection?.kind !== Kind.FIELD) throw new Error(`no root field in ${query}`);
  return selection.name.value;
}

describe('GraphiQL page in headless Chromium', () => {
  let gateway: Gateway | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let tabs: GraphiqlTab[] = [];
  const demoIds = new Set(generateSyntheticItems(DEMO_OPTIONS).map((item) => item.id));
  const requests: string[] = [];
  const failedRequests: string[] = [];
  const workers: string[] = [];
  const uncaughtErrors: string[] = [];
  const consoleErrors: string[] = [];
  let screenshotTaken = false;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium is required for the GraphiQL browser test but ${CHROMIUM} is missing: ` +
          'install it with `apt-get install chromium` (scripts/test-all.sh does so when run as root).',
      );
    }
    ensureGraphiqlBuilt();

    // What `npm start` serves with the embedded backend: the demo collection and its examples.
    gateway = await startGateway({
      backend: 'embedded',
      graphiqlTabs: async (services, backend) => {
        await loadDemoData(services);
        tabs = await buildGraphiqlTabs(backend);
        return tabs;
      },
    });

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      // Starting Chromium beside the other test files (worker threads training models) has
      // taken over 30 s on 2 busy cores: a slow start is not what this suite tests.
      timeout: LAUNCH_TIMEOUT,
    });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    context.setDefaultTimeout(PAGE_TIMEOUT);
    // Context level: also sees the requests of the Monaco web workers.
    context.on('request', (request: Request) => requests.push(request.url()));
    context.on('requestfailed', (request: Request) =>
      failedRequests.push(`${request.url()}: ${request.failure()?.errorText ?? '?'}`),
    );
    page = await context.newPage();
    page.on('worker', (worker) => workers.push(worker.url()));
    page.on('pageerror', (error) => uncaughtErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });

    const response = await page.goto(`${gateway.url}/graphiql`, { waitUntil: 'load' });
    expect(response?.status(), 'GET /graphiql status').toBe(200);
    await page.locator(EXECUTE_BUTTON).waitFor({ state: 'visible' });
    await page.waitForFunction(
      (selector) => document.querySelector(selector)?.textContent?.includes('similar'),
      QUERY_EDITOR,
    );
  }, 300_000);

  afterAll(async () => {
    try {
      if (browser && !screenshotTaken && page) {
        // Something failed before the result was checked: keep what the page looked like.
        mkdirSync(dirname(screenshotPath), { recursive: true });
        await page
          .screenshot({ path: join(dirname(screenshotPath), 'graphiql-failure.png') })
          .catch(() => undefined);
      }
    } finally {
      await browser?.close().catch(() => undefined);
      await gateway?.close();
    }
  });

  it('preloads the similar, similarToVector and ingestItems examples, similar active', async () => {
    expect(tabs.map((tab) => rootField(tab.query))).toEqual(
      expect.arrayContaining(['similar', 'similarToVector', 'ingestItems']),
    );
    // GraphiQL titles each tab after its operation's name, in the configured order.
    const titles = (await page.locator(TAB_TITLE).allTextContents()).map((t) => t.trim());
    expect(titles).toEqual(tabs.map((tab) => operationOf(tab.query).name?.value));
    const similarTitle = operationOf(tabs[0]!.query).name!.value;
    expect((await page.locator(ACTIVE_TAB_TITLE).textContent())?.trim()).toBe(similarTitle);
    expect(rootField(tabs[0]!.query)).toBe('similar');
    expect(await editorText(page, QUERY_EDITOR)).toContain('similar(id: $id');
  });

  it('runs the similar example and shows the hits the API returns', async () => {
    const [response] = await Promise.all([
      page.waitForResponse(
        (r) =>
          r.url() === `${gateway!.url}/graphql` &&
          (r.request().postData() ?? '').includes('similar('),
      ),
      page.locator(EXECUTE_BUTTON).click(),
    ]);
    expect(response.status()).toBe(200);
    const sent = response.request().postDataJSON() as {
      query: string;
      variables?: Record<string, unknown>;
    };
    const received = (await response.json()) as SimilarResult;

    // The result pane shows the hits (only the visible lines are rendered).
    await page.waitForFunction((selector) => {
      const text = document.querySelector(selector)?.textContent?.replace(/\u00a0/g, ' ') ?? '';
      return text.includes('"hits"') && /"id": "[^"]+"/.test(text);
    }, RESULT_PANE);
    const pane = await editorText(page, RESULT_PANE);
    expect(pane).not.toContain('"errors"');
    const paneIds = [...pane.matchAll(/"id": "([^"]+)"/g)].map((m) => m[1]!);
    expect(paneIds.length).toBeGreaterThan(0);
    for (const id of paneIds) expect(demoIds.has(id), `${id} is a demo item`).toBe(true);

    // The page sent the example with its preloaded variables, and the API answers the same
    // query, sent directly, with the same hits the page shows.
    expect(sent.variables).toEqual(JSON.parse(tabs[0]!.variables ?? '{}'));
    const direct = await gateway!.gql<NonNullable<SimilarResult['data']>>(
      sent.query,
      sent.variables,
    );
    expect(direct.errors).toBeUndefined();
    const directIds = direct.data!.similar.hits.map((hit) => hit.item.id);
    expect(directIds.length).toBeGreaterThan(0);
    expect(received.errors).toBeUndefined();
    expect(received.data).toEqual(direct.data);
    expect(paneIds[0]).toBe(directIds[0]);
    expect(paneIds).toEqual(directIds.slice(0, paneIds.length));
    expect(paneIds).not.toContain(sent.variables?.id); // never the query item itself

    mkdirSync(dirname(screenshotPath), { recursive: true });
    await page.screenshot({ path: screenshotPath });
    screenshotTaken = true;
  });

  it('switches to the similarToVector and ingestItems examples in their tabs', async () => {
    for (const field of ['similarToVector', 'ingestItems']) {
      const index = tabs.findIndex((tab) => rootField(tab.query) === field);
      await page.locator(TAB_TITLE).nth(index).click();
      await expect
        .poll(() => editorText(page, QUERY_EDITOR), { timeout: PAGE_TIMEOUT })
        .toContain(`${field}(`);
      expect((await page.locator(ACTIVE_TAB_TITLE).textContent())?.trim()).toBe(
        operationOf(tabs[index]!.query).name?.value,
      );
    }
  });

  it('loads everything, Monaco workers included, from the gateway itself (no CDN)', async () => {
    const origin = new URL(gateway!.url).origin;
    expect(new URL(origin).hostname).toBe('127.0.0.1');
    const assets = `${origin}/graphiql/assets/`;
    // Each Monaco worker (editor, graphql, json) is a bundled module file under /graphiql/assets;
    // the graphql one starts once the schema is introspected.
    const workerPatterns = ['editor.worker', 'graphql.worker', 'json.worker'].map(
      (name) => new RegExp(`^${assets.replace(/[.?/]/g, '\\$&')}${name}-[\\w-]+\\.js$`),
    );
    for (const pattern of workerPatterns) {
      await expect
        .poll(() => workers.some((url) => pattern.test(url)), {
          message: `a worker started from ${pattern.source}`,
          timeout: PAGE_TIMEOUT,
        })
        .toBe(true);
      expect(requests.some((url) => pattern.test(url))).toBe(true);
    }

    expect(requests.length).toBeGreaterThan(0);
    const elsewhere = requests.filter((url) => !url.startsWith(`${origin}/`));
    expect(elsewhere, `requests not to the gateway at ${origin}`).toEqual([]);
    expect(failedRequests).toEqual([]);
    expect(uncaughtErrors).toEqual([]);
    expect(consoleErrors).toEqual([]); // CSP violations, failed loads, ... are logged here
  });
});
