// Every error message the action can print, read from the source with the TypeScript parser, for
// the troubleshooting coverage test. `node test/project/error-messages.ts` lists them.
//
// A message is the problem text of an ActionError: `new ActionError(stage, problem, hint)`, the
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

/** A function that builds an ActionError from its own parameters. */
interface Builder {
  params: string[];
  stage: ts.Expression;
  problem: ts.Expression;
}

type Bindings = Map<string, string>;

function isActionErrorConstruction(node: ts.Node): node is ts.NewExpression {
  return (
    ts.isNewExpression(node) &&
    ts.isIdentifier(node.expression) &&
    node.expression.text === 'ActionError'
  );
}

function isSuperOfActionError(node: ts.Node): node is ts.CallExpression {
  if (!ts.isCallExpression(node) || node.expression.kind !== ts.SyntaxKind.SuperKeyword)
    return false;
  let parent: ts.Node | undefined = node.parent;
  while (parent !== undefined && !ts.isClassDeclaration(parent)) parent = parent.parent;
  return (
    parent?.heritageClauses?.some((clause) =>
      clause.types.some((type) => type.expression.getText() === 'ActionError'),
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

function messagesOfFile(file: string): ErrorMessage[] {
  const text = readFileSync(join(SRC, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const at = (node: ts.Node): string =>
    `src/${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const builders = new Map<string, Builder>();
  const direct: Array<{ node: ts.Node; stage: ts.Expression; problem: ts.Expression }> = [];
  const messages: ErrorMessage[] = [];

  const visit = (node: ts.Node): void => {
    if (isActionErrorConstruction(node) || isSuperOfActionError(node)) {
      const [stage, problem] = node.arguments ?? [];
      if (stage === undefined || problem === undefined) throw new Error(`${at(node)}: no problem`);
      const fn = enclosingFunction(node);
      const name = fn && functionName(fn);
      const params = fn?.parameters.map((param) => param.name.getText()) ?? [];
      if (name !== undefined && (usesParameter(problem, params) || usesParameter(stage, params)))
        builders.set(name, { params, stage, problem });
      else direct.push({ node, stage, problem });
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
            messages.push({ stage: undefined, pattern, at: at(statement) });
        }
    ts.forEachChild(node, visit);
  };
  visit(source);

  const stageOf = (expression: ts.Expression, bindings: Bindings): string | undefined => {
    const stage = render(expression, bindings);
    return stage === PLACEHOLDER ? undefined : stage;
  };
  for (const { node, stage, problem } of direct)
    messages.push({
      stage: stageOf(stage, new Map()),
      pattern: collapse(render(problem, new Map())),
      at: at(node),
    });
  const callSites = (node: ts.Node): void => {
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
          at: at(node),
        });
      }
    }
    ts.forEachChild(node, callSites);
  };
  callSites(source);
  return messages;
}

/** Every .ts file below src/, as a path relative to it, so the check follows files into folders. */
function sourceFiles(): string[] {
  return readdirSync(SRC, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .sort();
}

export function errorMessages(): ErrorMessage[] {
  return sourceFiles().flatMap(messagesOfFile);
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
