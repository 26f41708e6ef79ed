import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import type { CliIo, GlobalOptions } from './cli-context.js';
import { EXIT_CODES_HELP, ExitCode, describeError, exitCodeFor } from './exit-codes.js';
import { integerIn, parseModality } from './option-parsers.js';
import { MODALITIES, type Modality } from '../domain/modalities.js';

const MODALITY_CHOICES = MODALITIES.join(' or ');

// The commands load the services (and the Elasticsearch client) only when run: --help stays fast.
const ingestModule = () => import('./ingest-command.js');
const modelModule = () => import('./model-commands.js');

const ENVIRONMENT_HELP = `Backend selection (options win over the environment):
  ELASTICSEARCH_URL      Elasticsearch to use; unset → the embedded backend
  LSHQL_INDEX_PREFIX     index name prefix (default "lshql")
  LSHQL_EMBEDDED_FILE    file the embedded backend persists to (without it nothing is kept)
  LSHQL_ES_TIMEOUT_MS, LSHQL_ES_MAX_RETRIES, LSHQL_SUBSPACES, LSHQL_CLUSTERS, LSHQL_SEED, …
                         as for the gateway (see the README)`;

const INGEST_HELP = `
Each non-blank line is one JSON object: {"id": "a1", "title": "…", "text": "…", "tags": […],
"imageVector": [0.1, …], "textVector": [0.3, …]} (all but "id" optional; other fields are
ignored). A line that is not JSON, or not such an object, fails alone and the rest go on; a
repeated id replaces the earlier line's item. Progress goes to stderr (a bar on a terminal,
status lines otherwise), the summary to stdout.

Exit status: 0 every item indexed, 1 some failed, 2 the file cannot be read, 3 the backend is
unavailable, 130 interrupted (Ctrl-C stops after the batch in flight).`;

function packageVersion(): string {
  // src/cli/program.ts and dist/src/cli/program.js both find the package.json above them.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'lshql' && pkg.version) return pkg.version;
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

/** The backend options, accepted before the command name and after it. */
function withGlobalOptions(command: Command): Command {
  return command
    .option('--elasticsearch <url>', 'Elasticsearch URL (overrides ELASTICSEARCH_URL)')
    .option('--index-prefix <prefix>', 'index name prefix (overrides LSHQL_INDEX_PREFIX)')
    .option(
      '--embedded-file <path>',
      'use the embedded backend, persisted in this file (overrides LSHQL_EMBEDDED_FILE)',
    );
}

function globalsOf(program: Command, command: Command): GlobalOptions {
  const pick = (o: GlobalOptions): GlobalOptions => ({
    ...(o.elasticsearch !== undefined ? { elasticsearch: o.elasticsearch } : {}),
    ...(o.indexPrefix !== undefined ? { indexPrefix: o.indexPrefix } : {}),
    ...(o.embeddedFile !== undefined ? { embeddedFile: o.embeddedFile } : {}),
  });
  return { ...pick(program.opts<GlobalOptions>()), ...pick(command.opts<GlobalOptions>()) };
}

/** The `lshql` command line: parses `argv` (after node and the script), runs, returns the exit status. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let status: number = ExitCode.OK;
  const program = new Command('lshql');
  program
    .description(
      'Ingest items, train and manage the LSH models of lshql, on Elasticsearch or the embedded backend.',
    )
    .version(packageVersion(), '-V, --version')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
    })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', `\n${ENVIRONMENT_HELP}\n\n${EXIT_CODES_HELP}`);
  withGlobalOptions(program);

  const subcommand = (name: string) => withGlobalOptions(program.command(name));
  const globals = (command: Command) => globalsOf(program, command);

  subcommand('ingest')
    .description('index the items of a JSONL/NDJSON file ("-" reads standard input)')
    .argument('<file>', 'JSONL file, one item per line, or - for stdin')
    .option('-b, --batch-size <n>', 'items per ingest request', integerIn(1, 10_000), 500)
    .option('--failures <file>', 'write every failure to this file, one JSON object per line')
    .option('--no-progress', 'no progress bar: a status line every few batches instead')
    .option('--progress-every <n>', 'batches between status lines', integerIn(1), 10)
    .option('--show-failures <n>', 'failures listed in the summary', integerIn(0), 20)
    .addHelpText('after', INGEST_HELP)
    .action(async (file: string, opts: Record<string, unknown>, command: Command) => {
      status = await (
        await ingestModule()
      ).ingestCommand(
        file,
        {
          batchSize: opts.batchSize as number,
          progress: opts.progress as boolean,
          progressEvery: opts.progressEvery as number,
          show: opts.showFailures as number,
          ...(typeof opts.failures === 'string' ? { failures: opts.failures } : {}),
        },
        globals(command),
        io,
      );
    });

  subcommand('train')
    .description('train the next model version of a modality on the stored vectors, activate it')
    .requiredOption('-m, --modality <modality>', MODALITY_CHOICES, parseModality)
    .option(
      '--subspaces <n>',
      'subspaces (default: LSHQL_SUBSPACES, at most the dim)',
      integerIn(1),
    )
    .option(
      '--clusters <n>',
      'clusters per subspace (default: from LSHQL_CLUSTERS and the sample)',
      integerIn(2, 65_535),
    )
    .option('--sample-size <n>', 'vectors sampled for training (default 10000)', integerIn(2))
    .option('--json', 'print the new model record as JSON')
    .action(async (opts: Record<string, unknown>, command: Command) => {
      status = await (
        await modelModule()
      ).trainCommand(
        {
          modality: opts.modality as Modality,
          ...(opts.subspaces !== undefined ? { subspaces: opts.subspaces as number } : {}),
          ...(opts.clusters !== undefined ? { clusters: opts.clusters as number } : {}),
          ...(opts.sampleSize !== undefined ? { sampleSize: opts.sampleSize as number } : {}),
          json: opts.json === true,
        },
        globals(command),
        io,
      );
    });

  subcommand('models')
    .description('list the stored model versions and which one is active')
    .option('-m, --modality <modality>', `only ${MODALITY_CHOICES}`, parseModality)
    .option('--json', 'print the records as JSON')
    .action(async (opts: Record<string, unknown>, command: Command) => {
      status = await (
        await modelModule()
      ).modelsCommand(
        {
          ...(opts.modality !== undefined ? { modality: opts.modality as Modality } : {}),
          json: opts.json === true,
        },
        globals(command),
        io,
      );
    });

  subcommand('export')
    .description('write a stored model version (default: the active one) as JSON')
    .requiredOption('-m, --modality <modality>', MODALITY_CHOICES, parseModality)
    .option('--version <n>', 'the version to export (default: the active one)', integerIn(1))
    .option('-o, --out <file>', 'write to this file instead of standard output')
    .action(async (opts: Record<string, unknown>, command: Command) => {
      status = await (
        await modelModule()
      ).exportCommand(
        {
          modality: opts.modality as Modality,
          ...(opts.version !== undefined ? { version: opts.version as number } : {}),
          ...(typeof opts.out === 'string' ? { out: opts.out } : {}),
        },
        globals(command),
        io,
      );
    });

  subcommand('import')
    .description('store a model file written by export as the next version of its modality')
    .argument('<file>', 'model JSON file, or - for stdin')
    .option('--activate', 'make it the active version and re-hash the stored items')
    .option('-m, --modality <modality>', 'modality of a bare serialized model', parseModality)
    .option('--json', 'print the new model record as JSON')
    .action(async (file: string, opts: Record<string, unknown>, command: Command) => {
      status = await (
        await modelModule()
      ).importCommand(
        file,
        {
          ...(opts.modality !== undefined ? { modality: opts.modality as Modality } : {}),
          activate: opts.activate === true,
          json: opts.json === true,
        },
        globals(command),
        io,
      );
    });

  subcommand('activate')
    .description('make a stored model version active (e.g. roll back) and re-hash the items')
    .requiredOption('-m, --modality <modality>', MODALITY_CHOICES, parseModality)
    .requiredOption('--version <n>', 'the version to activate', integerIn(1))
    .action(async (opts: Record<string, unknown>, command: Command) => {
      status = await (
        await modelModule()
      ).activateCommand(
        { modality: opts.modality as Modality, version: opts.version as number },
        globals(command),
        io,
      );
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return status;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander printed the message (or the help/version) already.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version'
        ? ExitCode.OK
        : ExitCode.USAGE;
    }
    io.stderr.write(`${describeError(error, Boolean(io.env.LSHQL_DEBUG))}\n`);
    return exitCodeFor(error);
  }
}
