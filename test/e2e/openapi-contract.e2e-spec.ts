import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as ts from 'typescript';
import { createTestSystem, startApi, TestApi, TestSystem } from '../support/harness';

/**
 * The API contract as a client generator sees it: the document served at /api/docs-json passes Redocly's
 * recommended rules, every operation says what it does, who may call it and how it fails (in the one error
 * shape), and the TypeScript types generated from it are the checked-in ones a client compiles against.
 */

const CONTRACT_DIR = join(__dirname, '../contract');
const CHECKED_IN_TYPES = join(CONTRACT_DIR, 'api-types.ts');
const CLIENT_USAGE = join(CONTRACT_DIR, 'client-usage.ts');
const METADATA_SCRIPT = join(__dirname, '../../scripts/openapi-metadata.mjs');
const ERROR_SCHEMA_REF = '#/components/schemas/ErrorResponseDto';

/** Reachable without a token on purpose (the routes marked @Public()). */
const PUBLIC_OPERATIONS = ['healthLiveness', 'healthReadiness', 'logIn', 'refreshTokens', 'logOut'];

interface Operation {
  operationId?: string;
  summary?: string;
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: { 'application/json'?: { schema?: { $ref?: string } } } }>;
}
interface LintProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location?: string;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'];

function operationsOf(document: { paths: Record<string, Record<string, Operation>> }) {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, operation })),
  );
}

/** Type-checks the client usage file, with the generated types standing in for the checked-in ones. */
function compileClientUsage(generatedTypes: string): string[] {
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    lib: ['lib.es2023.d.ts'],
    types: [],
    skipLibCheck: true,
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  host.readFile = (fileName) => (fileName === CHECKED_IN_TYPES ? generatedTypes : readFile(fileName));
  const program = ts.createProgram([CLIENT_USAGE], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
}

describe('OpenAPI contract', () => {
  let system: TestSystem;
  let api: TestApi;
  let document: { servers?: { url: string }[]; paths: Record<string, Record<string, Operation>> };
  let problems: LintProblem[];
  let generatedTypes: string;
  let metadataCheck: Promise<unknown>;

  beforeAll(async () => {
    // Reads the whole program's types (seconds), so it runs while the API starts; awaited in its own test.
    metadataCheck = promisify(execFile)(process.execPath, [METADATA_SCRIPT, '--check']);
    metadataCheck.catch(() => undefined); // the test below reports the failure
    system = await createTestSystem({ API_DOCS_ENABLED: 'true' });
    api = await startApi(system.config);
    const res = await api.http().get('/api/docs-json').expect(200);
    document = res.body;

    // Inside the repo so that prettier resolves the repo's settings for the generated file.
    const workDir = mkdtempSync(join(CONTRACT_DIR, '.generated-'));
    try {
      const documentFile = join(workDir, 'openapi.json');
      const typesFile = join(workDir, 'api-types.ts');
      writeFileSync(documentFile, JSON.stringify(document));
      const output = execFileSync(
        process.execPath,
        [join(CONTRACT_DIR, 'lint-and-generate.mjs'), documentFile, typesFile],
        { encoding: 'utf8' },
      );
      problems = (JSON.parse(output) as { problems: LintProblem[] }).problems;
      generatedTypes = readFileSync(typesFile, 'utf8');
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  });

  afterAll(async () => {
    await api?.close();
    await system?.shutdown();
  });

  it('is built from plugin metadata that matches the DTO and controller types', async () => {
    await expect(metadataCheck).resolves.toBeDefined();
  }, 60_000);

  it("passes Redocly's recommended rules with no error", () => {
    expect(problems.filter((problem) => problem.severity === 'error')).toEqual([]);
    // The one warning left: the registry has no licence to name (package.json: UNLICENSED). A new warning
    // fails here, so the document does not slide back.
    expect(problems.map((problem) => problem.ruleId)).toEqual(['info-license']);
  });

  it('names the servers a client calls', () => {
    expect(document.servers?.length).toBeGreaterThan(0);
  });

  it('gives every operation an id a client generator can name a method after, and a summary', () => {
    const operations = operationsOf(document);
    expect(operations.length).toBeGreaterThan(50);
    const ids = operations.map(({ operation }) => operation.operationId);
    for (const { route, operation } of operations) {
      expect({ route, operationId: operation.operationId }).toEqual({
        route,
        operationId: expect.stringMatching(/^[a-z][A-Za-z0-9]+$/),
      });
      expect({ route, summary: operation.summary }).toEqual({ route, summary: expect.stringMatching(/\S/) });
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('declares bearer security on every operation but the deliberately public ones', () => {
    const unsecured = operationsOf(document)
      .filter(({ operation }) => !operation.security?.some((requirement) => 'bearer' in requirement))
      .map(({ operation }) => operation.operationId);
    expect(unsecured.sort()).toEqual([...PUBLIC_OPERATIONS].sort());
  });

  it('documents at least one 4xx for every operation, every error in the one error shape', () => {
    for (const { route, operation } of operationsOf(document)) {
      const errors = Object.entries(operation.responses).filter(([status]) => /^4\d\d$/.test(status));
      expect({ route, documented4xx: errors.length > 0 }).toEqual({ route, documented4xx: true });
      for (const [status, response] of errors) {
        expect({ route, status, schema: response.content?.['application/json']?.schema?.$ref }).toEqual({
          route,
          status,
          schema: ERROR_SCHEMA_REF,
        });
      }
    }
    const protectedOperations = operationsOf(document).filter(
      ({ operation }) => !PUBLIC_OPERATIONS.includes(operation.operationId ?? ''),
    );
    for (const { route, operation } of protectedOperations) {
      expect({ route, documents401: '401' in operation.responses }).toEqual({ route, documents401: true });
    }
  });

  it('generates the checked-in client types (regenerate with test/contract/README.md when the API changes)', () => {
    if (process.env.UPDATE_API_TYPES === '1') writeFileSync(CHECKED_IN_TYPES, generatedTypes);
    expect(generatedTypes).toEqual(readFileSync(CHECKED_IN_TYPES, 'utf8'));
  });

  it('compiles a client against the generated types', () => {
    expect(compileClientUsage(generatedTypes)).toEqual([]);
  });
});
