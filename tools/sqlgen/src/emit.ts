import path from 'node:path';

import { IndentationText, NewLineKind, Project, QuoteKind, StructureKind, VariableDeclarationKind } from 'ts-morph';
import type { InterfaceDeclarationStructure, OptionalKind, PropertySignatureStructure } from 'ts-morph';

import type { FieldModel, GenerationModel, QueryModel } from './model.js';

/** The first line of every generated file; `gen:check` and reviewers look for it. */
export const GENERATED_HEADER = '// GENERATED — DO NOT EDIT — run pnpm gen';

export interface EmitOptions {
  /** Module the `Executor` type is imported from, relative to the output file. */
  executorImport: string;
  /** Folder that query file names are shown relative to, in comments. */
  relativeTo: string;
}

/**
 * Prints the module: `JsonValue`, table models, one params/row type, SQL
 * constant and function per query, the `Querier` interface, `QUERIER_METHODS`
 * and `bindQuerier`. Deterministic: the same model always gives the same text.
 */
export function emitModule(model: GenerationModel, options: EmitOptions): string {
  const project = new Project({
    useInMemoryFileSystem: true,
    manipulationSettings: {
      indentationText: IndentationText.TwoSpaces,
      quoteKind: QuoteKind.Single,
      newLineKind: NewLineKind.LineFeed,
      useTrailingCommas: true,
    },
  });
  const file = project.createSourceFile('queries.gen.ts', '', { overwrite: true });
  const where = (q: QueryModel) => `${path.relative(options.relativeTo, q.query.file).split(path.sep).join('/')}:${q.query.line}`;

  file.addImportDeclaration({ isTypeOnly: true, moduleSpecifier: options.executorImport, namedImports: ['Executor'] });

  file.addTypeAlias({
    isExported: true,
    name: 'JsonValue',
    type: 'string | number | boolean | null | JsonValue[] | { [key in string]?: JsonValue }',
    docs: ['A value of a `json`/`jsonb` column, as `JSON.parse` gives it.'],
  });
  file.addTypeAlias({ name: 'Row', type: 'Record<string, unknown>' });
  file.addFunction({
    name: 'jsonText',
    docs: ['Nullable jsonb parameters go as JSON text (pg would send a JS array as a PostgreSQL array); null is SQL NULL.'],
    parameters: [{ name: 'value', type: 'JsonValue | undefined' }],
    returnType: 'string | null',
    statements: ['return value === null || value === undefined ? null : JSON.stringify(value);'],
  });

  for (const [name, columns] of [...model.models].sort(([a], [b]) => a.localeCompare(b))) {
    const users = model.queries.filter((q) => q.rowType === name).map((q) => q.query.name);
    file.addInterface(rowInterface(name, columns, [`A whole row, as returned by ${users.join(', ')}.`]));
  }
  const mappers = new Map<string, FieldModel[]>();
  for (const q of model.queries) {
    if (q.paramsType) {
      file.addInterface({
        kind: StructureKind.Interface,
        isExported: true,
        name: q.paramsType,
        docs: [`Parameters of ${q.query.name} (${where(q)}).`],
        properties: q.params.map(property),
      });
    }
    if (q.rowType && !q.rowIsModel) file.addInterface(rowInterface(q.rowType, q.columns, [`A row of ${q.query.name} (${where(q)}).`]));
    if (q.rowType && !mappers.has(q.rowType)) mappers.set(q.rowType, q.columns);
  }

  for (const [name, columns] of mappers) {
    file.addFunction({
      name: `to${name}`,
      parameters: [{ name: 'row', type: 'Row' }],
      returnType: name,
      statements: [
        'return {',
        ...columns.map((c) => `  ${c.property}: row[${quote(c.sqlName)}] as ${typeText(c)},`),
        '};',
      ],
    });
  }

  for (const q of model.queries) {
    file.addVariableStatement({
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      docs: [`SQL of ${q.query.name} (${where(q)}), parameters as $n.`],
      declarations: [{ name: `${q.functionName}Sql`, initializer: templateLiteral(q.query.sql) }],
    });
    const oneLine = `[${q.paramOrder.map(paramValue).join(', ')}]`;
    const values = oneLine.length <= 70 ? oneLine : `[\n${q.paramOrder.map((p) => `  ${paramValue(p)},`).join('\n')}\n]`;
    const call = `${q.functionName}Sql, ${values}`;
    const statements: string[] = [];
    switch (q.query.command) {
      case 'one':
        statements.push(`const { rows } = await db.query(${call});`, 'const row = rows[0];');
        if (q.alwaysOneRow) {
          statements.push(`if (!row) throw new Error(${quote(`${q.query.name} returned no row`)});`, `return to${q.rowType}(row);`);
        } else {
          statements.push(`return row ? to${q.rowType}(row) : null;`);
        }
        break;
      case 'many':
        statements.push(`const { rows } = await db.query(${call});`, `return rows.map(to${q.rowType});`);
        break;
      case 'exec':
        statements.push(`await db.query(${call});`);
        break;
      case 'execrows':
        statements.push(`const { rowCount } = await db.query(${call});`, 'return rowCount ?? 0;');
        break;
    }
    file.addFunction({
      isExported: true,
      isAsync: true,
      name: q.functionName,
      docs: [functionDoc(q, where(q))],
      parameters: [{ name: 'db', type: 'Executor' }, ...(q.paramsType ? [{ name: 'params', type: q.paramsType }] : [])],
      returnType: `Promise<${returnType(q)}>`,
      statements,
    });
  }

  file.addInterface({
    isExported: true,
    name: 'Querier',
    docs: ['Every query as a method; a `Store` is a Querier plus transactions.'],
    methods: model.queries.map((q) => ({
      name: q.functionName,
      docs: [`${q.query.name} (${where(q)}).`],
      parameters: q.paramsType ? [{ name: 'params', type: q.paramsType }] : [],
      returnType: `Promise<${returnType(q)}>`,
    })),
  });
  file.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: ['Names of every Querier method: layers and their tests check they cover all of them.'],
    declarations: [
      {
        name: 'QUERIER_METHODS',
        initializer: `[\n${model.queries.map((q) => `  ${quote(q.functionName)},`).join('\n')}\n] as const satisfies ReadonlyArray<keyof Querier>`,
      },
    ],
  });
  file.addFunction({
    isExported: true,
    name: 'bindQuerier',
    docs: [
      'Binds every query to one executor (the pool, or a transaction\'s connection).\n\n@example\nconst querier = bindQuerier(driver.pool);\nawait querier.' +
        `${model.queries[0]?.functionName ?? 'query'}(...);`,
    ],
    parameters: [{ name: 'db', type: 'Executor' }],
    returnType: 'Querier',
    statements: [
      'return {',
      ...model.queries.map((q) =>
        q.paramsType ? `  ${q.functionName}: (params) => ${q.functionName}(db, params),` : `  ${q.functionName}: () => ${q.functionName}(db),`,
      ),
      '};',
    ],
  });
  file.formatText({ indentSize: 2, convertTabsToSpaces: true });
  // The header goes first, before the imports ts-morph keeps at the top.
  const header = [
    GENERATED_HEADER,
    '// Typed functions for the annotated SQL in queries/*.sql, typed by preparing each',
    '// query against the migrated schema (@coder/sqlgen).',
  ].join('\n');
  return `${header}\n${file.getFullText().trimEnd()}\n`;
}

function rowInterface(name: string, columns: FieldModel[], docs: string[]): OptionalKind<InterfaceDeclarationStructure> {
  return { isExported: true, name, docs, properties: columns.map(property) };
}

function property(field: FieldModel): OptionalKind<PropertySignatureStructure> {
  return { name: field.property, type: typeText(field) };
}

function typeText(field: FieldModel): string {
  if (!field.nullable) return field.type;
  // JsonValue already includes null.
  return field.type === 'JsonValue' ? 'JsonValue' : `${field.type} | null`;
}

function paramValue(field: FieldModel): string {
  const access = `params.${field.property}`;
  if (!field.json) return access;
  return field.nullable ? `jsonText(${access})` : `JSON.stringify(${access})`;
}

function returnType(q: QueryModel): string {
  switch (q.query.command) {
    case 'one':
      return q.alwaysOneRow ? q.rowType! : `${q.rowType} | null`;
    case 'many':
      return `${q.rowType}[]`;
    case 'exec':
      return 'void';
    case 'execrows':
      return 'number';
  }
}

function functionDoc(q: QueryModel, where: string): string {
  const doc = q.query.doc.filter((l) => l.trim() !== '');
  const result =
    q.query.command === 'one'
      ? q.alwaysOneRow
        ? 'the inserted row'
        : 'the row, or null when there is none'
      : q.query.command === 'many'
        ? 'every row'
        : q.query.command === 'execrows'
          ? 'the number of rows affected'
          : 'nothing';
  const args = q.paramsType ? `{ ${q.params.map((p) => p.property).join(', ')} }` : '';
  return [
    ...(doc.length > 0 ? doc : [`${q.query.name}.`]),
    '',
    `Returns ${result}. SQL: ${where}.`,
    '',
    '@example',
    `await ${q.functionName}(db, ${args});`.replace(', );', ');'),
  ].join('\n');
}

function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

function templateLiteral(text: string): string {
  return `\`${text.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${')}\``;
}
