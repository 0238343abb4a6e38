/**
 * Expression checks: functions and arities, lambda placement, and — when a schema is given —
 * name resolution and attribute types. Types are inferred loosely: `undefined` means "not
 * known", and nothing is reported about what is not known.
 */
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js'
import type { Arg, Expr } from '../grammar/ir.js'
import type { Builtin, ParamType } from '../stdlib/builtin-types.js'
import type { CheckOptions } from './checker.js'
import { CHECK } from './codes.js'
import { ANY_TYPE, fieldType, typeLabel, type SchemaType } from './schema.js'

const REQUEST_NAMES = new Set(['principal', 'action', 'resource', 'context'])
const ORDERING = new Set(['<', '>', '<=', '>='])

function scalar(kind: 'string' | 'number' | 'boolean' | 'duration'): SchemaType {
  return { kind }
}

function fromParamType(t: ParamType): SchemaType | undefined {
  switch (t) {
    case 'boolean':
    case 'number':
    case 'string':
    case 'duration':
      return scalar(t)
    case 'array':
      return { kind: 'array', element: ANY_TYPE }
    default:
      return undefined
  }
}

export class TypeChecker {
  constructor(
    private readonly options: CheckOptions,
    private readonly report: (d: Diagnostic) => void,
  ) {}

  /** Checks an expression that must be a boolean (a guard or a precondition). */
  checkBoolean(e: Expr, binders: ReadonlySet<string>): void {
    const t = this.infer(e, binders)
    // A record literal is typed `any` (its fields are not tracked), but as a condition it is a record.
    const label = e.kind === 'Record' ? 'record' : t && t.kind !== 'boolean' && t.kind !== 'any' ? typeLabel(t) : undefined
    if (label !== undefined) {
      const literal = e.kind === 'String' || e.kind === 'Number' || e.kind === 'Duration' || e.kind === 'Array' || e.kind === 'Record'
      this.report(diagnostic(CHECK.notBoolean, literal ? 'error' : 'warning', `this condition is a ${label}, not a boolean; it will always be an evaluation error`, e.span, { help: 'compare it, e.g. `x == true` or `x != ""`' }))
    }
  }

  /** Checks any expression. */
  check(e: Expr, binders: ReadonlySet<string>): void {
    this.infer(e, binders)
  }

  private infer(e: Expr, scope: ReadonlySet<string>): SchemaType | undefined {
    switch (e.kind) {
      case 'String':
        return scalar('string')
      case 'Number':
        return scalar('number')
      case 'Bool':
        return scalar('boolean')
      case 'Duration':
        return scalar('duration')
      case 'Vault':
        this.report(diagnostic(CHECK.vaultInExpression, 'error', 'vault references cannot be evaluated in policy expressions', e.span, { help: 'pass the value in the request context instead' }))
        return undefined
      case 'Wildcard':
        this.report(diagnostic(CHECK.wildcardValue, 'error', '`_` matches anything in an action pattern but is not a value', e.span))
        return undefined
      case 'Ident':
        return this.name(e.name, e.span, scope)
      case 'Member': {
        const obj = this.infer(e.object, scope)
        if (!obj || !this.options.schema) return undefined
        const t = fieldType(obj, e.property)
        if (t === undefined && obj.kind === 'record' && !this.options.schema.open) {
          this.report(diagnostic(CHECK.unknownAttribute, 'warning', `the schema declares no attribute \`${e.property}\` here`, e.span, { help: `known attributes: ${[...obj.fields.keys()].join(', ') || '(none)'}` }))
        }
        return t
      }
      case 'Index':
        this.infer(e.object, scope)
        this.infer(e.index, scope)
        return undefined
      case 'Call':
        return this.call(e, scope)
      case 'Unary': {
        const t = this.infer(e.operand, scope)
        return e.op === '-' ? t : scalar('boolean')
      }
      case 'Binary':
        return this.binary(e, scope)
      case 'Lambda':
        this.report(diagnostic(CHECK.lambdaPlacement, 'error', 'a lambda can only be passed to a function that takes one, such as `any` or `map`', e.span))
        return undefined
      case 'IfExpr': {
        this.checkBoolean(e.cond, scope)
        const t = this.inferBlock(e.then, scope)
        if (e.else) this.inferBranch(e.else, scope)
        return t
      }
      case 'Array':
        for (const x of e.elements) this.infer(x, scope)
        return { kind: 'array', element: ANY_TYPE }
      case 'Record':
        for (const f of e.fields) this.infer(f.value, scope)
        return ANY_TYPE
      case 'Assign':
        this.infer(e.value, scope)
        return undefined
    }
  }

  private inferBranch(b: NonNullable<Extract<Expr, { kind: 'IfExpr' }>['else']>, scope: ReadonlySet<string>): void {
    if (b.kind === 'IfExpr') this.infer(b, scope)
    else this.inferBlock(b, scope)
  }

  private inferBlock(b: Extract<Expr, { kind: 'IfExpr' }>['then'], scope: ReadonlySet<string>): SchemaType | undefined {
    if (b.statements.length > 0 || b.value === undefined) {
      this.report(diagnostic(CHECK.statementsInGuard, 'error', 'an `if` expression in a policy must be `if c { value } else { value }`', b.span))
      return undefined
    }
    return this.infer(b.value, scope)
  }

  private name(name: string, span: Expr['span'], scope: ReadonlySet<string>): SchemaType | undefined {
    if (scope.has(name)) return ANY_TYPE
    const schema = this.options.schema
    if (!schema) return undefined
    const t = schema.context.get(name)
    if (t) return t
    if (name === 'principal') return schema.principal
    if (name === 'resource') return schema.resource
    if (REQUEST_NAMES.has(name)) return ANY_TYPE
    if (!schema.open) {
      this.report(diagnostic(CHECK.unboundName, 'error', `\`${name}\` is not bound: it is no pattern binder, context attribute or request name`, span, {
        help: `context attributes in the schema: ${[...schema.context.keys()].join(', ') || '(none)'}`,
      }))
    }
    return undefined
  }

  private call(e: Extract<Expr, { kind: 'Call' }>, scope: ReadonlySet<string>): SchemaType | undefined {
    let fn: Builtin | undefined
    let receiverCount = 0
    if (e.callee.kind === 'Ident') {
      fn = this.options.functions.get(e.callee.name)
      if (!fn) {
        this.report(diagnostic(CHECK.unknownFunction, 'error', `unknown function \`${e.callee.name}\``, e.callee.span, { help: `known functions: ${[...this.options.functions.keys()].sort().join(', ')}` }))
      }
    } else if (e.callee.kind === 'Member') {
      this.infer(e.callee.object, scope)
      fn = this.options.functions.get(e.callee.property)
      receiverCount = 1
      if (!fn || !fn.method) {
        this.report(diagnostic(CHECK.unknownMethod, 'error', `unknown method \`${e.callee.property}\``, e.callee.span, {
          help: `methods: ${[...this.options.functions.values()].filter((f) => f.method).map((f) => f.name).sort().join(', ')}`,
        }))
        fn = undefined
      }
    } else {
      this.report(diagnostic(CHECK.unknownFunction, 'error', 'only named functions and methods can be called', e.callee.span))
      this.infer(e.callee, scope)
    }
    const count = e.args.length + receiverCount
    if (fn && (count < fn.minArgs || count > fn.maxArgs)) {
      const expected = fn.minArgs === fn.maxArgs ? `${fn.minArgs - receiverCount}` : fn.maxArgs === Infinity ? `at least ${fn.minArgs - receiverCount}` : `${fn.minArgs - receiverCount} to ${fn.maxArgs - receiverCount}`
      this.report(diagnostic(CHECK.arity, 'error', `\`${fn.name}\` takes ${expected} argument${expected === '1' ? '' : 's'}, not ${e.args.length}`, e.span))
    }
    e.args.forEach((a, i) => this.arg(a, fn ? paramAt(fn, i + receiverCount) : undefined, scope))
    return fn ? fromParamType(fn.returns) : undefined
  }

  private arg(a: Arg, param: ParamType | undefined, scope: ReadonlySet<string>): void {
    if (a.name !== undefined) this.report(diagnostic(CHECK.namedArgument, 'error', `functions in policies take positional arguments only (\`${a.name} = …\`)`, a.span))
    if (a.value.kind === 'Lambda') {
      if (param !== undefined && param !== 'function' && param !== 'any') {
        this.report(diagnostic(CHECK.lambdaPlacement, 'error', 'a lambda is not accepted here', a.value.span))
      }
      const inner = new Set(scope)
      for (const p of a.value.params) inner.add(p)
      this.infer(a.value.body, inner)
      return
    }
    if (param === 'function') this.report(diagnostic(CHECK.lambdaPlacement, 'error', 'this argument must be a lambda such as `x => x.level > 2`', a.value.span))
    this.infer(a.value, scope)
  }

  private binary(e: Extract<Expr, { kind: 'Binary' }>, scope: ReadonlySet<string>): SchemaType | undefined {
    const l = this.infer(e.left, scope)
    const r = this.infer(e.right, scope)
    if (e.op === '&&' || e.op === '||') {
      for (const [side, t] of [[e.left, l], [e.right, r]] as const) {
        if (t && t.kind !== 'boolean' && t.kind !== 'any') this.report(diagnostic(CHECK.notBoolean, 'warning', `\`${e.op}\` takes booleans; this is a ${typeLabel(t)}`, side.span))
      }
      return scalar('boolean')
    }
    if (ORDERING.has(e.op)) {
      for (const side of [e.left, e.right]) {
        if (side.kind === 'String' && !this.options.ladders.byValue.has(side.value)) {
          this.report(diagnostic(CHECK.notOnLadder, 'warning', `"${side.value}" is on no ladder, so ordering it is always an evaluation error`, side.span, {
            help: `ladders: ${[...this.options.ladders.byName.entries()].map(([n, rs]) => `${n} (${rs.join(' < ')})`).join('; ')}`,
          }))
        }
      }
    }
    if ((e.op === '==' || e.op === '!=' || ORDERING.has(e.op)) && l && r && l.kind !== 'any' && r.kind !== 'any' && typeLabel(l) !== typeLabel(r)) {
      this.report(diagnostic(CHECK.typeMismatch, 'warning', `comparing a ${typeLabel(l)} with a ${typeLabel(r)}`, e.span, { help: e.op === '==' || e.op === '!=' ? 'values of different types are never equal' : 'values of different types have no order' }))
    }
    if (e.op === 'in' && (e.right.kind === 'String' || r?.kind === 'string')) {
      // SEMANTICS.md §5: `in` is not a substring test. A literal string can never work (error);
      // a string-typed attribute always errors at run time (warning: the schema may be wrong).
      this.report(diagnostic(CHECK.inString, e.right.kind === 'String' ? 'error' : 'warning', '`in` needs an array or a record on the right; with a string it is an evaluation error, not a substring test', e.right.span, {
        help: 'test substrings with `contains()`: `s.contains("x")`',
      }))
    }
    if (e.op === '==' || e.op === '!=' || e.op === 'in' || ORDERING.has(e.op)) return scalar('boolean')
    if (e.op === '+' && l?.kind === 'string') return l
    return l && (l.kind === 'number' || l.kind === 'duration') ? l : undefined
  }
}

function paramAt(fn: Builtin, i: number): ParamType {
  return fn.params[Math.min(i, fn.params.length - 1)] ?? 'any'
}
