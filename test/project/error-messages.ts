// Every error message the action can print, read from the source with the TypeScript parser, for
// the troubleshooting coverage test. `node test/project/error-messages.ts` lists them.
//
// A message is the problem text of a StageError: `new StageError(stage, problem, hint)`, the
// `super(stage, problem, hint)` of a subclass, or a call of a helper that builds one from its
// parameters (`invalid('scope', '… is not …', hint)` gives "scope … is not …"), plus the
// internal-error line of describeFailure. Whatever is not fixed text becomes "…".
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

export function errorMessages(): ErrorMessage[] {
  const files = sourceFiles().map(parseFile);
  const builders = new Map<string, Builder>();
  const direct = files.flatMap((file) => constructionsOf(file, builders));
  return [...direct, ...files.flatMap((file) => builderCallsOf(file, builders))];
}

/** Stage name → the words a failure line starts with, as the source defines them. */
export function stageLabels(): Map<string, string> {
  return new Map(Object.entries(STAGE_LABELS));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const labels = stageLabels();
  for (const message of errorMessages())
    console.log(
      `${message.stage === undefined ? '(any stage)' : labels.get(message.stage)}\t${message.pattern}\t${message.at}`,
    );
}
