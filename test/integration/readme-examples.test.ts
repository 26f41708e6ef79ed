import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OPTIONS, loadDemoData } from '../../src/demo/demo-data.js';
import { REPO_DIR } from '../support/child-gateway.js';
import { startGateway, type Gateway } from '../support/gateway-harness.js';
import { matchesShown, runnableExamples } from '../support/readme-blocks.js';

const run = promisify(execFile);
const README = readFileSync(join(REPO_DIR, 'README.md'), 'utf8');
const examples = runnableExamples(README);
/** The address the README's examples use: `npm start`'s. */
const README_URL = 'http://127.0.0.1:4000';

/** The operations of a GraphQL block, each to be sent on its own (by name when named). */
function operationsOf(source: string): { name: string | undefined; text: string }[] {
  const document = parse(source);
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  return operations.map((operation) => ({
    name: operation.name?.value,
    text: operation.loc ? source.slice(operation.loc.start, operation.loc.end) : source,
  }));
}

describe('README examples, run on the demo gateway as shown', () => {
  let gateway: Gateway;

  beforeAll(async () => {
    // The gateway `npm start` runs: embedded backend, demo collection loaded and trained.
    gateway = await startGateway({
      backend: 'embedded',
      graphiqlTabs: async (services) => {
        await loadDemoData(services);
        return [];
      },
    });
  }, 180_000);
  afterAll(async () => {
    await gateway?.close();
  });

  it('marks its runnable examples (GraphQL and curl)', () => {
    const langs = examples.map((e) => e.block.lang);
    expect(langs).toContain('graphql');
    expect(langs).toContain('sh');
  });

  it('states the demo vector sizes the code uses', () => {
    expect(README).toContain(`${DEMO_OPTIONS.imageDim}-value image vectors`);
    expect(README).toContain(`${DEMO_OPTIONS.textDim}-value text vectors`);
  });

  // In README order: later examples may change what earlier ones see (ingest, training).
  it.each(examples.map((e) => [`${e.block.lang} block at README line ${e.block.line}`, e]))(
    '%s runs without errors and answers as shown',
    async (_label, example) => {
      if (example.block.lang === 'graphql') {
        const operations = operationsOf(example.block.body);
        for (const operation of operations) {
          const response = await gateway.gql(operation.text, example.variables);
          expect(response.errors, operation.text).toBeUndefined();
          expect(response.status).toBe(200);
          if (example.response !== undefined && operations.length === 1) {
            const { status: _status, ...body } = response;
            expect(matchesShown(body, example.response), JSON.stringify(body, null, 2)).toBe(true);
          }
        }
        return;
      }
      expect(example.block.lang).toBe('sh');
      const script = example.block.body.replaceAll(README_URL, gateway.url);
      expect(script).toContain(gateway.url);
      const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], { cwd: REPO_DIR });
      const body = JSON.parse(stdout) as { errors?: unknown };
      expect(body.errors, stdout).toBeUndefined();
      if (example.response !== undefined) {
        expect(matchesShown(body, example.response), stdout).toBe(true);
      }
    },
  );
});
