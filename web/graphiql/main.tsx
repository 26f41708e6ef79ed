// GraphiQL 5 front end served by the gateway at /graphiql (see src/server/graphiql-route.ts).
// Everything is bundled by Vite at build time (`npm run build:graphiql`): React, GraphiQL,
// Monaco and its web workers. Nothing is fetched from a CDN at run time.

// Monaco web workers (editor, graphql, json) bundled through Vite's `?worker` imports.
// This is GraphiQL 5's documented Vite setup; it must run before any editor is created.
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';

import { createGraphiQLFetcher, type Fetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { Kind, parse } from 'graphql';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

interface TabConfig {
  name?: string;
  query: string;
  variables?: string;
}

interface PageConfig {
  endpoint: string;
  tabs: TabConfig[];
}

const CONFIG_ELEMENT_ID = 'lshql-config';

/** Reads the JSON the server injected into `<script id="lshql-config" type="application/json">`. */
function readConfig(): PageConfig {
  const fallback: PageConfig = { endpoint: '/graphql', tabs: [] };
  const text = document.getElementById(CONFIG_ELEMENT_ID)?.textContent;
  if (!text) return fallback;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    console.error('lshql: invalid GraphiQL configuration JSON', error);
    return fallback;
  }
  if (typeof raw !== 'object' || raw === null) return fallback;
  const record = raw as Record<string, unknown>;
  const endpoint =
    typeof record.endpoint === 'string' && record.endpoint !== ''
      ? record.endpoint
      : fallback.endpoint;
  const tabs: TabConfig[] = [];
  if (Array.isArray(record.tabs)) {
    for (const item of record.tabs as unknown[]) {
      if (typeof item !== 'object' || item === null) continue;
      const tab = item as Record<string, unknown>;
      if (typeof tab.query !== 'string') continue;
      tabs.push({
        query: tab.query,
        ...(typeof tab.name === 'string' ? { name: tab.name } : {}),
        ...(typeof tab.variables === 'string' ? { variables: tab.variables } : {}),
      });
    }
  }
  return { endpoint, tabs };
}

/** 32-bit FNV-1a hash, hex encoded; only used to derive a storage namespace. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/**
 * GraphiQL only uses `defaultTabs` when no tab state is persisted. Keying the persisted state
 * by a hash of the configured tabs keeps the user's edits across reloads while making sure a
 * gateway that ships different example operations shows them (first tab active) again.
 */
function namespacedStorage(namespace: string): Storage | undefined {
  let local: Storage;
  try {
    local = window.localStorage;
    const probe = `${namespace}:__probe__`;
    local.setItem(probe, '1');
    local.removeItem(probe);
  } catch {
    return undefined; // storage disabled: let GraphiQL fall back to its defaults
  }
  const prefix = `${namespace}:`;
  const ownKeys = (): string[] => {
    const keys: string[] = [];
    for (let i = 0; i < local.length; i++) {
      const key = local.key(i);
      if (key?.startsWith(prefix)) keys.push(key);
    }
    return keys;
  };
  return {
    getItem: (key) => local.getItem(prefix + key),
    setItem: (key, value) => local.setItem(prefix + key, value),
    removeItem: (key) => local.removeItem(prefix + key),
    clear: () => ownKeys().forEach((key) => local.removeItem(key)),
    key: (index) => ownKeys()[index]?.slice(prefix.length) ?? null,
    get length() {
      return ownKeys().length;
    },
  };
}

const config = readConfig();

// createGraphiQLFetcher POSTs JSON (`content-type: application/json`), which also satisfies
// Apollo Server's CSRF prevention. The header is repeated here to make that explicit.
const httpFetcher = createGraphiQLFetcher({
  url: config.endpoint,
  headers: { 'content-type': 'application/json' },
});

/**
 * GraphiQL derives the operation name 100 ms (debounced) after an edit or a tab switch, so a
 * run right after one sends the previous operation's name ("Unknown operation named ...").
 * The query text itself is always current: fix the name up from it.
 */
const fetcher: Fetcher = (params, opts) => {
  const name = params.operationName;
  if (name) {
    try {
      const operations = parse(params.query).definitions.filter(
        (definition) => definition.kind === Kind.OPERATION_DEFINITION,
      );
      if (!operations.some((operation) => operation.name?.value === name)) {
        const only = operations.length === 1 ? operations[0]?.name?.value : undefined;
        params = { ...params, operationName: only ?? null };
      }
    } catch {
      // Syntax error: send as is and let the server report it.
    }
  }
  return httpFetcher(params, opts);
};

const defaultTabs = config.tabs.map((tab) => ({
  query: tab.query,
  variables: tab.variables ?? null,
}));
const storage = namespacedStorage(`lshql-${fnv1a(JSON.stringify([config.endpoint, config.tabs]))}`);

// GraphiQL 5.4 fills the operation editor from the first default tab but leaves the variables
// editor empty, and on reload it matches the restored tabs against the separately persisted
// `query`/`variables` entries (only written on edit), appending a duplicate tab when a default
// tab has variables. Seeding both entries for a fresh namespace avoids both problems.
const firstTab = config.tabs[0];
let initialVariables: string | undefined;
if (firstTab && storage) {
  if (storage.getItem('graphiql:tabState') === null) {
    storage.setItem('graphiql:query', firstTab.query);
    if (firstTab.variables) storage.setItem('graphiql:variables', firstTab.variables);
    else storage.removeItem('graphiql:variables');
  }
} else if (firstTab) {
  initialVariables = firstTab.variables; // no persistence: just fill the variables editor
}

const container = document.getElementById('graphiql');
if (!container) throw new Error('lshql: #graphiql container missing from the page');

createRoot(container).render(
  <StrictMode>
    <GraphiQL
      fetcher={fetcher}
      {...(defaultTabs.length > 0 ? { defaultTabs } : {})}
      {...(storage ? { storage } : {})}
      {...(initialVariables !== undefined ? { initialVariables } : {})}
      {...(firstTab?.variables ? { defaultEditorToolsVisibility: 'variables' as const } : {})}
    />
  </StrictMode>,
);
