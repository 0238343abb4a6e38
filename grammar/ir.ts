/**
 * The typed IR of the Symbiont policy language. Plain, readonly, JSON-serialisable data: a
 * discriminated union on `kind`, a `span` on every node, no methods, no parent pointers.
 * Spans are half-open UTF-16 offsets. Two IRs are "the same" when they are equal after
 * `stripSpans` (see ir-utils.ts); surface choices that the formatter normalises (closure
 * style `|d|` vs `d =>`, `:` vs `=` in named arguments, trailing commas) are not recorded.
 */
import type { Span } from '../diagnostics/diagnostic.js'

export type { Span }

// ───────────────────────────── expressions ─────────────────────────────

/** Binary operators, by precedence level (lowest first). */
export type BinaryOp = '||' | '&&' | '==' | '!=' | 'in' | '<' | '>' | '<=' | '>=' | '+' | '-' | '*' | '/' | '%'
/** Prefix operators. `not` and `!` are kept apart only so the formatter prints what was written. */
export type UnaryOp = '!' | 'not' | '-'
/** Duration units as written. */
export type DurationUnit = 's' | 'm' | 'h' | 'd' | 'w' | 'months' | 'y' | 'seconds' | 'minutes' | 'hours'

export interface StringLit { readonly kind: 'String'; readonly value: string; readonly raw: string; readonly span: Span }
export interface NumberLit { readonly kind: 'Number'; readonly value: number; readonly raw: string; readonly span: Span }
export interface BoolLit { readonly kind: 'Bool'; readonly value: boolean; readonly span: Span }
/** `30s`, `6months`, `30.seconds`; `amount` is the integer written. */
export interface DurationLit { readonly kind: 'Duration'; readonly amount: number; readonly unit: DurationUnit; readonly span: Span }
/** `vault://path/segments`; `path` excludes the scheme. */
export interface VaultRef { readonly kind: 'Vault'; readonly path: string; readonly span: Span }
export interface Ident { readonly kind: 'Ident'; readonly name: string; readonly span: Span }
/** `_` — matches anything in a pattern. */
export interface Wildcard { readonly kind: 'Wildcard'; readonly span: Span }
export interface Member { readonly kind: 'Member'; readonly object: Expr; readonly property: string; readonly span: Span }
export interface Index { readonly kind: 'Index'; readonly object: Expr; readonly index: Expr; readonly span: Span }
/** A call argument; `name` is set for `f(x = 1)` and `f(x: 1)`. */
export interface Arg { readonly name?: string; readonly value: Expr; readonly span: Span }
export interface Call { readonly kind: 'Call'; readonly callee: Expr; readonly args: readonly Arg[]; readonly span: Span }
export interface Unary { readonly kind: 'Unary'; readonly op: UnaryOp; readonly operand: Expr; readonly span: Span }
export interface Binary { readonly kind: 'Binary'; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr; readonly span: Span }
/** `x => body`, or a seed closure `|a, b| body`. */
export interface Lambda { readonly kind: 'Lambda'; readonly params: readonly string[]; readonly body: Expr; readonly span: Span }
/** `if c { … } else { … }` used as an expression. */
export interface IfExpr { readonly kind: 'IfExpr'; readonly cond: Expr; readonly then: Block; readonly else?: Block | IfExpr; readonly span: Span }
export interface ArrayLit { readonly kind: 'Array'; readonly elements: readonly Expr[]; readonly span: Span }
/** A record field; `quoted` is true for `"quoted-key": v`. */
export interface Field { readonly key: string; readonly quoted: boolean; readonly value: Expr; readonly span: Span }
/** `{ k: v }`, or a typed record `Point { x: 1 }` when `typeName` is set. */
export interface RecordLit { readonly kind: 'Record'; readonly typeName?: string; readonly fields: readonly Field[]; readonly span: Span }
/** Seed extension: `name = value` as an element of a require/audit list (a parameterised obligation). */
export interface Assign { readonly kind: 'Assign'; readonly name: string; readonly value: Expr; readonly span: Span }

/** Every expression node. */
export type Expr =
  | StringLit | NumberLit | BoolLit | DurationLit | VaultRef | Ident | Wildcard
  | Member | Index | Call | Unary | Binary | Lambda | IfExpr | ArrayLit | RecordLit | Assign

// ───────────────────────────── statements ─────────────────────────────

/** A braced block; `value` is a final expression without `;` (the block's value when used as an expression). */
export interface Block { readonly kind: 'Block'; readonly statements: readonly Stmt[]; readonly value?: Expr; readonly span: Span }
export interface LetStmt { readonly kind: 'Let'; readonly name: string; readonly type?: TypeRef; readonly value: Expr; readonly span: Span }
export interface IfStmt { readonly kind: 'If'; readonly cond: Expr; readonly then: Block; readonly else?: Block | IfStmt; readonly span: Span }
export interface ForStmt { readonly kind: 'For'; readonly binding: string; readonly iterable: Expr; readonly body: Block; readonly span: Span }
/** One arm of a match: `pattern => expr` (the pattern `_` is a wildcard). */
export interface MatchArm { readonly pattern: Expr; readonly body: Expr | Block; readonly span: Span }
export interface MatchStmt { readonly kind: 'Match'; readonly subject: Expr; readonly arms: readonly MatchArm[]; readonly span: Span }
export interface TryStmt { readonly kind: 'Try'; readonly body: Block; readonly binding?: string; readonly handler: Block; readonly span: Span }
export interface ReturnStmt { readonly kind: 'Return'; readonly value?: Expr; readonly span: Span }
export interface ExprStmt { readonly kind: 'ExprStmt'; readonly expr: Expr; readonly span: Span }
/** `with a = 1, b = "x" { … }` inside an agent or function body. */
export interface WithBlock { readonly kind: 'With'; readonly attributes: readonly Attribute[]; readonly body: Block; readonly span: Span }

/** Every statement node. */
export type Stmt = LetStmt | IfStmt | ForStmt | MatchStmt | TryStmt | ReturnStmt | ExprStmt | WithBlock

// ───────────────────────────── types ─────────────────────────────

/** A type reference: `String`, `int`, `List<String>`, `Map<String, int>`, `Report`. */
export interface TypeRef { readonly kind: 'TypeRef'; readonly name: string; readonly args: readonly TypeRef[]; readonly optional: boolean; readonly span: Span }
export interface Param { readonly name: string; readonly type?: TypeRef; readonly span: Span }
export interface TypeField { readonly name: string; readonly type: TypeRef; readonly span: Span }

// ───────────────────────────── policies ─────────────────────────────

/** Rule kinds. */
export type RuleKind = 'allow' | 'deny' | 'require' | 'audit'

/** `allow: target for scope with m1, m2 if guard`. */
export interface Rule {
  readonly kind: 'Rule'
  readonly ruleKind: RuleKind
  readonly target: Expr
  /** Seed extension: the rule applies only to actions matching this pattern. */
  readonly scope?: Expr
  /** Docs extension (audit/require only): modifiers such as `digital_signature`. */
  readonly modifiers?: readonly Expr[]
  readonly guard?: Expr
  readonly span: Span
}

export interface Policy { readonly kind: 'Policy'; readonly name: string; readonly rules: readonly Rule[]; readonly span: Span }

// ───────────────────────────── items ─────────────────────────────

/** `key = value` or `key: value`. */
export interface Attribute { readonly key: string; readonly value: Expr; readonly span: Span }

export interface Metadata { readonly kind: 'Metadata'; readonly entries: readonly Attribute[]; readonly span: Span }

/** `function name(params) -> Type { … }`. */
export interface FunctionDef { readonly kind: 'Function'; readonly name: string; readonly params: readonly Param[]; readonly returns?: TypeRef; readonly body: Block; readonly span: Span }

/** Members of an agent body. */
export type AgentMember =
  | { readonly kind: 'Capabilities'; readonly value: Expr; readonly span: Span }
  | Policy
  | FunctionDef
  | WithBlock
  | PropertyMember
  | SectionMember

/** `agent name(params) -> Type { … }`. */
export interface Agent {
  readonly kind: 'Agent'
  readonly name: string
  readonly params: readonly Param[]
  readonly returns?: TypeRef
  readonly members: readonly AgentMember[]
  readonly span: Span
}

/** `type Name = { field: Type, … }` or `type Name = Other`. */
export interface TypeDef { readonly kind: 'TypeDef'; readonly name: string; readonly fields?: readonly TypeField[]; readonly alias?: TypeRef; readonly span: Span }

/** One `category: action` entry of a `data_classification { … }` block. */
export interface ClassificationRule { readonly category: string; readonly action: Expr; readonly span: Span }

/** Members of a generic block body (schedule, channel, memory, webhook and their nested blocks). */
export type BlockMember = PropertyMember | SectionMember | DataClassificationBlock | Policy

/** `key: value` or `key = value` inside a block. */
export interface PropertyMember { readonly kind: 'Property'; readonly key: string; readonly value: Expr; readonly span: Span }
/** A nested named block such as `resources { … }`. */
export interface SectionMember { readonly kind: 'Section'; readonly name: string; readonly members: readonly BlockMember[]; readonly span: Span }
/** `data_classification { category: action … }` inside a channel. */
export interface DataClassificationBlock { readonly kind: 'DataClassification'; readonly rules: readonly ClassificationRule[]; readonly span: Span }

/** `schedule`, `channel`, `memory` and `webhook` items share one shape. */
export interface BlockItem {
  readonly kind: 'Schedule' | 'Channel' | 'Memory' | 'Webhook'
  readonly name: string
  readonly members: readonly BlockMember[]
  readonly span: Span
}

/** Every top-level item. */
export type Item = Metadata | Agent | Policy | TypeDef | FunctionDef | BlockItem

/** A whole `.policy` or `.symbi` file. `comments` are kept for the formatter. */
export interface Program {
  readonly kind: 'Program'
  readonly items: readonly Item[]
  readonly comments: readonly Comment[]
  readonly span: Span
}

/** A `//` or `#` comment, text including its marker. */
export interface Comment { readonly text: string; readonly span: Span }
