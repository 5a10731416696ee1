// Every error message the action can print, read from the source with the TypeScript parser, for
// the troubleshooting coverage test. `node test/project/error-messages.ts` lists them.
//
// A message is the problem text of a StageError: `new StageError(stage, problem, hint)`, the
// `super(stage, problem, hint)` of a subclass, or a call of a helper that builds one from its
// parameters (`invalid('scope', '… is not …', hint)` gives "scope … is not …"), plus the
// internal-error line of describeFailure. Whatever is not fixed text becomes "…".
//
// The command line also prints one-line messages of its own, which are not StageErrors: its usage
// errors, the line of a command it cannot start, the error bodies of serve's metadata service and
// the notes on masking. CLI_MESSAGES says where each kind is in the source and which section of
// docs/TROUBLESHOOTING.md documents it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { STAGE_LABELS } from '../../src/core/errors.ts';

export const SRC = fileURLToPath(new URL('../../src', import.meta.url));
export const PLACEHOLDER = '…';

export interface ErrorMessage {
  /** The stage's literal name, or undefined when the stage is passed in (any stage). */
  stage: string | undefined;
  /** For a message of the command line's own (no StageError): its troubleshooting section. */
  section?: string;
  /** The problem text, `${…}` parts replaced by "…". */
  pattern: string;
  /** file:line of the call that produces it. */
  at: string;
}

/** A function that builds a StageError from its own parameters. */
interface Builder {
  params: string[];
  stage: ts.Expression;
  problem: ts.Expression;
}

type Bindings = Map<string, string>;

/** StageError and the subclasses that take (stage, problem, hint) as given, like ConfigurationError. */
const STAGE_ERROR_CLASSES = new Set(['StageError', 'ConfigurationError']);

function isStageErrorConstruction(node: ts.Node): node is ts.NewExpression {
  return (
    ts.isNewExpression(node) &&
    ts.isIdentifier(node.expression) &&
    STAGE_ERROR_CLASSES.has(node.expression.text)
  );
}

function isSuperOfStageError(node: ts.Node): node is ts.CallExpression {
  if (!ts.isCallExpression(node) || node.expression.kind !== ts.SyntaxKind.SuperKeyword)
    return false;
  let parent: ts.Node | undefined = node.parent;
  while (parent !== undefined && !ts.isClassDeclaration(parent)) parent = parent.parent;
  if (parent?.name !== undefined && STAGE_ERROR_CLASSES.has(parent.name.text)) return false;
  return (
    parent?.heritageClauses?.some((clause) =>
      clause.types.some((type) => type.expression.getText() === 'StageError'),
    ) ?? false
  );
}

/** Text of an expression with every non-literal part as "…"; parameters bound to call arguments. */
function render(expression: ts.Expression, bindings: Bindings): string {
  if (ts.isStringLiteral(expression) || ts.isNoSubstitutionTemplateLiteral(expression))
    return expression.text;
  if (ts.isParenthesizedExpression(expression)) return render(expression.expression, bindings);
  if (ts.isIdentifier(expression) && bindings.has(expression.text))
    return bindings.get(expression.text) ?? PLACEHOLDER;
  if (ts.isTemplateExpression(expression)) {
    let text = expression.head.text;
    for (const span of expression.templateSpans)
      text += render(span.expression, bindings) + span.literal.text;
    return text;
  }
  return PLACEHOLDER;
}

function collapse(text: string): string {
  return text.replace(/…(\s*…)+/g, PLACEHOLDER);
}

function enclosingFunction(node: ts.Node): ts.SignatureDeclaration | undefined {
  for (let parent = node.parent; parent !== undefined; parent = parent.parent)
    if (ts.isFunctionDeclaration(parent) || ts.isArrowFunction(parent)) return parent;
  return undefined;
}

function functionName(fn: ts.SignatureDeclaration): string | undefined {
  if (ts.isFunctionDeclaration(fn)) return fn.name?.text;
  if (ts.isVariableDeclaration(fn.parent) && ts.isIdentifier(fn.parent.name))
    return fn.parent.name.text;
  return undefined;
}

/** Does the expression use one of the parameters directly (not inside a call)? */
function usesParameter(expression: ts.Expression, params: string[]): boolean {
  if (ts.isIdentifier(expression)) return params.includes(expression.text);
  if (ts.isParenthesizedExpression(expression)) return usesParameter(expression.expression, params);
  if (ts.isTemplateExpression(expression))
    return expression.templateSpans.some((span) => usesParameter(span.expression, params));
  return false;
}

interface ParsedFile {
  source: ts.SourceFile;
  at(node: ts.Node): string;
}

function parseFile(file: string): ParsedFile {
  const text = readFileSync(join(SRC, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  return {
    source,
    at: (node) => `src/${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`,
  };
}

function stageOf(expression: ts.Expression, bindings: Bindings): string | undefined {
  const stage = render(expression, bindings);
  return stage === PLACEHOLDER ? undefined : stage;
}

/** Direct constructions become messages; functions that build one from parameters become builders. */
function constructionsOf(file: ParsedFile, builders: Map<string, Builder>): ErrorMessage[] {
  const messages: ErrorMessage[] = [];
  const visit = (node: ts.Node): void => {
    if (isStageErrorConstruction(node) || isSuperOfStageError(node)) {
      const [stage, problem] = node.arguments ?? [];
      if (stage === undefined || problem === undefined)
        throw new Error(`${file.at(node)}: no problem`);
      const fn = enclosingFunction(node);
      const name = fn && functionName(fn);
      const params = fn?.parameters.map((param) => param.name.getText()) ?? [];
      if (name !== undefined && (usesParameter(problem, params) || usesParameter(stage, params)))
        builders.set(name, { params, stage, problem });
      else
        messages.push({
          stage: stageOf(stage, new Map()),
          pattern: collapse(render(problem, new Map())),
          at: file.at(node),
        });
    }
    if (
      ts.isFunctionDeclaration(node) &&
      node.name?.text === 'describeFailure' &&
      node.body !== undefined
    )
      for (const statement of node.body.statements)
        if (ts.isReturnStatement(statement) && statement.expression !== undefined) {
          const pattern = collapse(render(statement.expression, new Map()));
          if (pattern !== PLACEHOLDER)
            messages.push({ stage: undefined, pattern, at: file.at(statement) });
        }
    ts.forEachChild(node, visit);
  };
  visit(file.source);
  return messages;
}

/** Calls of a builder, in any file: the message with the call's arguments filled in. */
function builderCallsOf(file: ParsedFile, builders: Map<string, Builder>): ErrorMessage[] {
  const messages: ErrorMessage[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression)) {
      const builder = builders.get(node.expression.text);
      if (builder !== undefined) {
        const bindings: Bindings = new Map(
          builder.params.map((param, i) => {
            const argument = node.arguments[i];
            return [param, argument === undefined ? PLACEHOLDER : render(argument, new Map())];
          }),
        );
        messages.push({
          stage: stageOf(builder.stage, bindings),
          pattern: collapse(render(builder.problem, bindings)),
          at: file.at(node),
        });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file.source);
  return messages;
}

/** Every .ts file below src/, as a path relative to it, so the check follows files into folders. */
function sourceFiles(): string[] {
  return readdirSync(SRC, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .sort();
}

/** The initializer of an object literal's `name: …` property. */
function property(node: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined {
  for (const prop of node.properties)
    if (ts.isPropertyAssignment(prop) && prop.name.getText() === name) return prop.initializer;
  return undefined;
}

/** A call of `name(…)` or of `….name(…)`. */
function isCallOf(node: ts.Node, name: string): node is ts.CallExpression {
  if (!ts.isCallExpression(node)) return false;
  const callee = node.expression;
  return (
    (ts.isIdentifier(callee) && callee.text === name) ||
    (ts.isPropertyAccessExpression(callee) && callee.name.text === name)
  );
}

interface CliMessageSite {
  /** The file below src/. */
  file: string;
  section: string;
  /** The message text, if this node is a place that prints one. */
  text(node: ts.Node): ts.Expression | undefined;
}

export const CLI_MESSAGES: CliMessageSite[] = [
  {
    // `{ kind: 'usage-error', message: … }`, printed as `databricks-oidc: <message>`, exit 2.
    file: 'cli/args.ts',
    section: 'Command line usage',
    text: (node) => {
      if (!ts.isObjectLiteralExpression(node)) return undefined;
      const kind = property(node, 'kind');
      return kind !== undefined && ts.isStringLiteral(kind) && kind.text === 'usage-error'
        ? property(node, 'message')
        : undefined;
    },
  },
  {
    // What runChild logs when exec or serve cannot start the command.
    file: 'cli/commands/exec.ts',
    section: 'Starting the command (exec, serve)',
    text: (node) =>
      ts.isCallExpression(node) &&
      ['info', 'warning', 'notice'].some((level) => isCallOf(node, level)) &&
      enclosingFunctionName(node) === 'runChild'
        ? node.arguments[0]
        : undefined,
  },
  {
    // `{ status, error: … }`: the JSON body the metadata service refuses a request with.
    file: 'core/metadata-service/contract.ts',
    section: 'The metadata service (serve)',
    text: (node) =>
      ts.isObjectLiteralExpression(node) && property(node, 'status') !== undefined
        ? property(node, 'error')
        : undefined,
  },
  {
    // `reply(status, { error: … })`: the body when no valid token can be served.
    file: 'core/metadata-service/service.ts',
    section: 'The metadata service (serve)',
    text: (node) => {
      const body = isCallOf(node, 'reply') ? node.arguments[1] : undefined;
      return body !== undefined && ts.isObjectLiteralExpression(body)
        ? property(body, 'error')
        : undefined;
    },
  },
  {
    // `note(…)`: printed as `note: <text>` before a hand-off that nothing masks.
    file: 'cli/mask.ts',
    section: 'Notes on masking',
    text: (node) => (isCallOf(node, 'note') ? node.arguments[0] : undefined),
  },
];

function enclosingFunctionName(node: ts.Node): string | undefined {
  for (let parent = node.parent; parent !== undefined; parent = parent.parent)
    if (ts.isFunctionDeclaration(parent)) return parent.name?.text;
  return undefined;
}

function cliMessagesOf(kind: CliMessageSite): ErrorMessage[] {
  const file = parseFile(kind.file);
  const messages: ErrorMessage[] = [];
  const visit = (node: ts.Node): void => {
    const text = kind.text(node);
    if (text !== undefined)
      messages.push({
        stage: undefined,
        section: kind.section,
        pattern: collapse(render(text, new Map())),
        at: file.at(node),
      });
    ts.forEachChild(node, visit);
  };
  visit(file.source);
  return messages;
}

export function errorMessages(): ErrorMessage[] {
  const files = sourceFiles().map(parseFile);
  const builders = new Map<string, Builder>();
  const direct = files.flatMap((file) => constructionsOf(file, builders));
  return [
    ...direct,
    ...files.flatMap((file) => builderCallsOf(file, builders)),
    ...CLI_MESSAGES.flatMap(cliMessagesOf),
  ];
}

/** Stage name → the words a failure line starts with, as the source defines them. */
export function stageLabels(): Map<string, string> {
  return new Map(Object.entries(STAGE_LABELS));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const labels = stageLabels();
  for (const message of errorMessages())
    console.log(
      `${message.section ?? (message.stage === undefined ? '(any stage)' : labels.get(message.stage))}\t${message.pattern}\t${message.at}`,
    );
}
