/**
 * The Symbiont grammar as a Chevrotain `CstParser`. No semantics here: the CST is lowered to
 * IR by cst-to-ir.ts, which also reports the helpful errors for shapes this grammar accepts
 * only so that it can name them (`and`/`or` words, `|` unions, `::` paths, set literals, `;`
 * between rules, `X without Y`). One instance is built at module load and reused by assigning
 * `input`; building it runs `performSelfAnalysis`, which is the expensive part.
 */
import { validateGrammar } from './validate-grammar.js'
import { CstParser, tokenMatcher, type IToken, type TokenType } from 'chevrotain'
import * as T from './tokens.js'

function isIdentLike(t: IToken): boolean {
  return tokenMatcher(t, T.IdentLike)
}

export class SymbiParser extends CstParser {
  constructor(validate: boolean, recover = true) {
    // No node locations: lowering takes every span from tokens, and tracking costs time per node.
    super([...T.ALL_TOKENS], {
      recoveryEnabled: recover,
      maxLookahead: 3,
      nodeLocationTracking: 'none',
      skipValidations: !validate,
    })
    this.performSelfAnalysis()
  }

  private isWordOp(word: string): boolean {
    const t = this.LA(1)
    return tokenMatcher(t, T.Identifier) && t.image === word
  }

  // ───────────── items ─────────────

  program = this.RULE('program', () => {
    this.MANY(() => this.SUBRULE(this.item))
  })

  item = this.RULE('item', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.metadataBlock) },
      { ALT: () => this.SUBRULE(this.agentDef) },
      { ALT: () => this.SUBRULE(this.policyDef) },
      { ALT: () => this.SUBRULE(this.typeDef) },
      { ALT: () => this.SUBRULE(this.functionDef) },
      { ALT: () => this.SUBRULE(this.blockItem) },
    ])
  })

  metadataBlock = this.RULE('metadataBlock', () => {
    this.CONSUME(T.Metadata)
    this.CONSUME(T.LBrace)
    this.MANY(() => this.SUBRULE(this.property))
    this.CONSUME(T.RBrace)
  })

  /** `key: value` or `key = value`, optionally followed by a comma. */
  property = this.RULE('property', () => {
    this.CONSUME(T.IdentLike)
    this.OR([{ ALT: () => this.CONSUME(T.Colon) }, { ALT: () => this.CONSUME(T.Equals) }])
    this.SUBRULE(this.expression)
    this.OPTION(() => this.CONSUME(T.Comma))
  })

  agentDef = this.RULE('agentDef', () => {
    this.CONSUME(T.Agent)
    this.CONSUME(T.IdentLike)
    this.OPTION(() => this.SUBRULE(this.paramList))
    this.OPTION2(() => {
      this.CONSUME(T.Arrow)
      this.SUBRULE(this.typeRef)
    })
    this.CONSUME(T.LBrace)
    this.MANY(() => this.SUBRULE(this.agentMember))
    this.CONSUME(T.RBrace)
  })

  agentMember = this.RULE('agentMember', () => {
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        { GATE: () => !tokenMatcher(this.LA(2), T.LBrace), ALT: () => this.SUBRULE(this.capabilitiesDecl) },
        { GATE: () => isIdentLike(this.LA(2)), ALT: () => this.SUBRULE(this.policyDef) },
        { GATE: () => isIdentLike(this.LA(2)), ALT: () => this.SUBRULE(this.functionDef) },
        { GATE: () => isIdentLike(this.LA(2)), ALT: () => this.SUBRULE(this.withBlock) },
        { ALT: () => this.SUBRULE(this.blockMember) },
      ],
    })
  })

  capabilitiesDecl = this.RULE('capabilitiesDecl', () => {
    this.CONSUME(T.Capabilities)
    this.OR([{ ALT: () => this.CONSUME(T.Equals) }, { ALT: () => this.CONSUME(T.Colon) }])
    this.SUBRULE(this.expression)
    this.OPTION(() => this.CONSUME(T.Comma))
  })

  paramList = this.RULE('paramList', () => {
    this.CONSUME(T.LParen)
    this.OPTION(() => {
      this.SUBRULE(this.param)
      this.MANY({
        GATE: () => !tokenMatcher(this.LA(2), T.RParen),
        DEF: () => {
          this.CONSUME(T.Comma)
          this.SUBRULE2(this.param)
        },
      })
      this.OPTION2(() => this.CONSUME2(T.Comma))
    })
    this.CONSUME(T.RParen)
  })

  param = this.RULE('param', () => {
    this.CONSUME(T.IdentLike)
    this.OPTION(() => {
      this.CONSUME(T.Colon)
      this.SUBRULE(this.typeRef)
    })
  })

  typeRef = this.RULE('typeRef', () => {
    this.CONSUME(T.IdentLike)
    this.OPTION(() => {
      this.CONSUME(T.Less)
      this.SUBRULE(this.typeRef)
      this.MANY(() => {
        this.CONSUME(T.Comma)
        this.SUBRULE2(this.typeRef)
      })
      this.CONSUME(T.Greater)
    })
    this.OPTION2(() => this.CONSUME(T.Question))
  })

  functionDef = this.RULE('functionDef', () => {
    this.CONSUME(T.Function)
    this.CONSUME(T.IdentLike)
    this.SUBRULE(this.paramList)
    this.OPTION(() => {
      this.CONSUME(T.Arrow)
      this.SUBRULE(this.typeRef)
    })
    this.SUBRULE(this.block)
  })

  typeDef = this.RULE('typeDef', () => {
    this.CONSUME(T.Type)
    this.CONSUME(T.IdentLike)
    this.OPTION(() => this.CONSUME(T.Equals))
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.LBrace)
          this.MANY(() => this.SUBRULE(this.typeField))
          this.CONSUME(T.RBrace)
        },
      },
      { ALT: () => this.SUBRULE(this.typeRef) },
    ])
  })

  typeField = this.RULE('typeField', () => {
    this.CONSUME(T.IdentLike)
    this.CONSUME(T.Colon)
    this.SUBRULE(this.typeRef)
    this.OPTION(() => this.CONSUME(T.Comma))
  })

  blockItem = this.RULE('blockItem', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Schedule) },
      { ALT: () => this.CONSUME(T.Channel) },
      { ALT: () => this.CONSUME(T.Memory) },
      { ALT: () => this.CONSUME(T.Webhook) },
    ])
    this.CONSUME(T.IdentLike)
    this.CONSUME(T.LBrace)
    this.MANY(() => this.SUBRULE(this.blockMember))
    this.CONSUME(T.RBrace)
  })

  blockMember = this.RULE('blockMember', () => {
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        { GATE: () => isIdentLike(this.LA(2)), ALT: () => this.SUBRULE(this.policyDef) },
        { GATE: () => tokenMatcher(this.LA(2), T.LBrace), ALT: () => this.SUBRULE(this.dataClassification) },
        { GATE: () => tokenMatcher(this.LA(2), T.LBrace), ALT: () => this.SUBRULE(this.section) },
        { ALT: () => this.SUBRULE(this.property) },
      ],
    })
  })

  section = this.RULE('section', () => {
    this.CONSUME(T.IdentLike)
    this.CONSUME(T.LBrace)
    this.MANY(() => this.SUBRULE(this.blockMember))
    this.CONSUME(T.RBrace)
  })

  dataClassification = this.RULE('dataClassification', () => {
    this.CONSUME(T.DataClassification)
    this.CONSUME(T.LBrace)
    this.MANY(() => this.SUBRULE(this.classificationRule))
    this.CONSUME(T.RBrace)
  })

  classificationRule = this.RULE('classificationRule', () => {
    this.CONSUME(T.IdentLike)
    this.CONSUME(T.Colon)
    this.SUBRULE(this.expression)
    this.OPTION(() => this.CONSUME(T.Comma))
  })

  // ───────────── policies ─────────────

  policyDef = this.RULE('policyDef', () => {
    this.CONSUME(T.Policy)
    this.CONSUME(T.IdentLike)
    this.CONSUME(T.LBrace)
    this.MANY(() => {
      this.OR([
        { ALT: () => this.SUBRULE(this.rule) },
        { ALT: () => this.CONSUME(T.Semicolon) },
        { ALT: () => this.CONSUME(T.Comma) },
      ])
    })
    this.CONSUME(T.RBrace)
  })

  rule = this.RULE('rule', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Allow) },
      { ALT: () => this.CONSUME(T.Deny) },
      { ALT: () => this.CONSUME(T.Require) },
      { ALT: () => this.CONSUME(T.Audit) },
    ])
    this.CONSUME(T.Colon)
    this.SUBRULE(this.expression)
    this.OPTION(() => {
      this.CONSUME(T.For)
      this.SUBRULE2(this.expression, { LABEL: 'scope' })
    })
    this.OPTION2(() => {
      this.CONSUME(T.With)
      this.SUBRULE3(this.expression, { LABEL: 'modifier' })
      this.MANY(() => {
        this.CONSUME(T.Comma)
        this.SUBRULE4(this.expression, { LABEL: 'modifier' })
      })
    })
    this.OPTION3(() => {
      this.CONSUME(T.If)
      this.SUBRULE5(this.expression, { LABEL: 'guard' })
    })
    this.OPTION4({
      GATE: () => this.isWordOp('without'),
      DEF: () => {
        this.CONSUME(T.Identifier, { LABEL: 'without' })
        this.SUBRULE6(this.expression, { LABEL: 'withoutTarget' })
      },
    })
  })

  // ───────────── statements ─────────────

  block = this.RULE('block', () => {
    this.CONSUME(T.LBrace)
    this.MANY(() => this.SUBRULE(this.statement))
    this.CONSUME(T.RBrace)
  })

  statement = this.RULE('statement', () => {
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        { ALT: () => this.SUBRULE(this.letStmt) },
        { ALT: () => this.SUBRULE(this.ifStmt) },
        { ALT: () => this.SUBRULE(this.forStmt) },
        { GATE: () => !tokenMatcher(this.LA(2), T.LParen), ALT: () => this.SUBRULE(this.matchStmt) },
        { ALT: () => this.SUBRULE(this.tryStmt) },
        { ALT: () => this.SUBRULE(this.returnStmt) },
        { GATE: () => isIdentLike(this.LA(2)), ALT: () => this.SUBRULE(this.withBlock) },
        { ALT: () => this.SUBRULE(this.exprStmt) },
      ],
    })
  })

  letStmt = this.RULE('letStmt', () => {
    this.CONSUME(T.Let)
    this.CONSUME(T.IdentLike)
    this.OPTION(() => {
      this.CONSUME(T.Colon)
      this.SUBRULE(this.typeRef)
    })
    this.CONSUME(T.Equals)
    this.SUBRULE(this.expression)
    this.CONSUME(T.Semicolon)
  })

  ifStmt = this.RULE('ifStmt', () => {
    this.CONSUME(T.If)
    this.SUBRULE(this.expression)
    this.SUBRULE(this.block)
    this.OPTION(() => {
      this.CONSUME(T.Else)
      this.OR([{ ALT: () => this.SUBRULE(this.ifStmt) }, { ALT: () => this.SUBRULE2(this.block) }])
    })
  })

  forStmt = this.RULE('forStmt', () => {
    this.CONSUME(T.For)
    this.CONSUME(T.IdentLike)
    this.CONSUME(T.In)
    this.SUBRULE(this.expression)
    this.SUBRULE(this.block)
  })

  matchStmt = this.RULE('matchStmt', () => {
    this.CONSUME(T.Match)
    this.SUBRULE(this.expression)
    this.CONSUME(T.LBrace)
    this.MANY(() => this.SUBRULE(this.matchArm))
    this.CONSUME(T.RBrace)
  })

  matchArm = this.RULE('matchArm', () => {
    this.SUBRULE(this.matchPattern)
    this.CONSUME(T.FatArrow)
    // `{` after `=>` is a block, never a record literal.
    this.OR({ IGNORE_AMBIGUITIES: true, DEF: [{ ALT: () => this.SUBRULE(this.block) }, { ALT: () => this.SUBRULE(this.expression) }] })
    this.OPTION(() => this.CONSUME(T.Comma))
  })

  matchPattern = this.RULE('matchPattern', () => {
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        { ALT: () => this.CONSUME(T.StringLiteral) },
        { ALT: () => this.CONSUME(T.NumberLiteral) },
        { ALT: () => this.CONSUME(T.DurationLiteral) },
        { ALT: () => this.CONSUME(T.True) },
        { ALT: () => this.CONSUME(T.False) },
        { ALT: () => this.CONSUME(T.Underscore) },
        { ALT: () => this.CONSUME(T.IdentLike) },
      ],
    })
  })

  tryStmt = this.RULE('tryStmt', () => {
    this.CONSUME(T.Try)
    this.SUBRULE(this.block)
    this.CONSUME(T.Catch)
    this.OPTION(() => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(T.LParen)
            this.CONSUME(T.IdentLike)
            this.CONSUME(T.RParen)
          },
        },
        { ALT: () => this.CONSUME2(T.IdentLike) },
      ])
    })
    this.SUBRULE2(this.block)
  })

  returnStmt = this.RULE('returnStmt', () => {
    this.CONSUME(T.Return)
    this.OPTION(() => this.SUBRULE(this.expression))
    this.CONSUME(T.Semicolon)
  })

  withBlock = this.RULE('withBlock', () => {
    this.CONSUME(T.With)
    this.SUBRULE(this.withAttribute)
    this.MANY(() => {
      this.CONSUME(T.Comma)
      this.SUBRULE2(this.withAttribute)
    })
    this.SUBRULE(this.block)
  })

  withAttribute = this.RULE('withAttribute', () => {
    this.CONSUME(T.IdentLike)
    this.OR([{ ALT: () => this.CONSUME(T.Equals) }, { ALT: () => this.CONSUME(T.Colon) }])
    this.SUBRULE(this.expression)
  })

  /** An expression statement; a missing `;` is allowed only on a block's last statement (its value). */
  exprStmt = this.RULE('exprStmt', () => {
    this.SUBRULE(this.expression)
    this.OPTION(() => this.CONSUME(T.Semicolon))
  })

  // ───────────── expressions ─────────────

  expression = this.RULE('expression', () => {
    this.SUBRULE(this.orExpr)
  })

  orExpr = this.RULE('orExpr', () => {
    this.SUBRULE(this.andExpr)
    // The loop's own gate must see the word operators, or it would enter on any identifier.
    this.MANY({
      GATE: () => !tokenMatcher(this.LA(1), T.Identifier) || this.isWordOp('or'),
      DEF: () => {
      this.OR([
        { ALT: () => this.CONSUME(T.OrOr) },
        { ALT: () => this.CONSUME(T.Pipe) },
        { GATE: () => this.isWordOp('or'), ALT: () => this.CONSUME(T.Identifier, { LABEL: 'wordOp' }) },
      ])
      this.SUBRULE2(this.andExpr)
      },
    })
  })

  andExpr = this.RULE('andExpr', () => {
    this.SUBRULE(this.eqExpr)
    this.MANY({
      GATE: () => !tokenMatcher(this.LA(1), T.Identifier) || this.isWordOp('and'),
      DEF: () => {
      this.OR([
        { ALT: () => this.CONSUME(T.AndAnd) },
        { GATE: () => this.isWordOp('and'), ALT: () => this.CONSUME(T.Identifier, { LABEL: 'wordOp' }) },
      ])
      this.SUBRULE2(this.eqExpr)
      },
    })
  })

  eqExpr = this.RULE('eqExpr', () => {
    this.SUBRULE(this.relExpr)
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.EqEq) }, { ALT: () => this.CONSUME(T.NotEq) }, { ALT: () => this.CONSUME(T.In) }])
      this.SUBRULE2(this.relExpr)
    })
  })

  relExpr = this.RULE('relExpr', () => {
    this.SUBRULE(this.addExpr)
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Less) },
        { ALT: () => this.CONSUME(T.Greater) },
        { ALT: () => this.CONSUME(T.LessEq) },
        { ALT: () => this.CONSUME(T.GreaterEq) },
      ])
      this.SUBRULE2(this.addExpr)
    })
  })

  addExpr = this.RULE('addExpr', () => {
    this.SUBRULE(this.mulExpr)
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Plus) }, { ALT: () => this.CONSUME(T.Minus) }])
      this.SUBRULE2(this.mulExpr)
    })
  })

  mulExpr = this.RULE('mulExpr', () => {
    this.SUBRULE(this.unaryExpr)
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Star) }, { ALT: () => this.CONSUME(T.Slash) }, { ALT: () => this.CONSUME(T.Percent) }])
      this.SUBRULE2(this.unaryExpr)
    })
  })

  /** Prefix operators are a loop, not recursion, so `not not … a` cannot exhaust the stack. */
  unaryExpr = this.RULE('unaryExpr', () => {
    this.MANY({
      // `not` followed by an operator, a closer or the next rule (`allow: not  deny: x`) is the
      // identifier `not`, not the operator.
      GATE: () => !tokenMatcher(this.LA(1), T.Not) || (startsOperand(this.LA(2)) && !startsRule(this.LA(2), this.LA(3))),
      DEF: () => {
        this.OR([{ ALT: () => this.CONSUME(T.Bang) }, { ALT: () => this.CONSUME(T.Not) }, { ALT: () => this.CONSUME(T.Minus) }])
      },
    })
    this.SUBRULE(this.postfixExpr)
  })

  postfixExpr = this.RULE('postfixExpr', () => {
    this.SUBRULE(this.primary)
    this.MANY(() => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(T.Dot)
            this.CONSUME(T.IdentLike, { LABEL: 'member' })
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.LParen)
            this.SUBRULE(this.argList)
            this.CONSUME(T.RParen)
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.LBracket)
            this.SUBRULE(this.expression, { LABEL: 'index' })
            this.CONSUME(T.RBracket)
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.DoubleColon)
            this.CONSUME2(T.IdentLike, { LABEL: 'pathSegment' })
          },
        },
      ])
    })
  })

  argList = this.RULE('argList', () => {
    this.OPTION(() => {
      this.SUBRULE(this.arg)
      this.MANY({
        GATE: () => !tokenMatcher(this.LA(2), T.RParen),
        DEF: () => {
          this.CONSUME(T.Comma)
          this.SUBRULE2(this.arg)
        },
      })
      this.OPTION2(() => this.CONSUME2(T.Comma))
    })
  })

  arg = this.RULE('arg', () => {
    this.OPTION({
      GATE: () => isIdentLike(this.LA(1)) && (tokenMatcher(this.LA(2), T.Equals) || tokenMatcher(this.LA(2), T.Colon)),
      DEF: () => {
        this.CONSUME(T.IdentLike, { LABEL: 'argName' })
        this.OR([{ ALT: () => this.CONSUME(T.Equals) }, { ALT: () => this.CONSUME(T.Colon) }])
      },
    })
    this.SUBRULE(this.expression)
  })

  primary = this.RULE('primary', () => {
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        { GATE: () => isIdentLike(this.LA(1)) && tokenMatcher(this.LA(2), T.FatArrow), ALT: () => this.SUBRULE(this.lambda) },
        { ALT: () => this.SUBRULE(this.pipeClosure) },
        { ALT: () => this.SUBRULE(this.ifExpr) },
        { ALT: () => this.CONSUME(T.True) },
        { ALT: () => this.CONSUME(T.False) },
        { ALT: () => this.CONSUME(T.Underscore) },
        { ALT: () => this.CONSUME(T.StringLiteral) },
        { ALT: () => this.CONSUME(T.NumberLiteral) },
        { ALT: () => this.CONSUME(T.DurationLiteral) },
        { ALT: () => this.CONSUME(T.DottedDuration) },
        { ALT: () => this.CONSUME(T.VaultRef) },
        { GATE: () => this.atTypedRecord(), ALT: () => this.SUBRULE(this.typedRecord) },
        { GATE: () => this.atSetLiteral(), ALT: () => this.SUBRULE(this.setLiteral) },
        { ALT: () => this.SUBRULE(this.record) },
        { ALT: () => this.SUBRULE(this.array) },
        { ALT: () => this.SUBRULE(this.paren) },
        { ALT: () => this.CONSUME(T.IdentLike) },
      ],
    })
  })

  /** `Name { key: …` or `Name {}` (capitalised) — anything else after `Name {` is a block. */
  private atTypedRecord(): boolean {
    const name = this.LA(1)
    if (!isIdentLike(name) || !tokenMatcher(this.LA(2), T.LBrace)) return false
    const third = this.LA(3)
    if (tokenMatcher(third, T.RBrace)) return /^[A-Z]/.test(name.image)
    return (isIdentLike(third) || tokenMatcher(third, T.StringLiteral)) && tokenMatcher(this.LA(4), T.Colon)
  }

  /** `{ "a", …` or `{ "a" }`: a set literal, accepted only to report it. */
  private atSetLiteral(): boolean {
    if (!tokenMatcher(this.LA(1), T.LBrace)) return false
    const first = this.LA(2)
    const after = this.LA(3)
    const scalar = tokenMatcher(first, T.StringLiteral) || tokenMatcher(first, T.NumberLiteral) || isIdentLike(first)
    return scalar && (tokenMatcher(after, T.Comma) || tokenMatcher(after, T.RBrace))
  }

  lambda = this.RULE('lambda', () => {
    this.CONSUME(T.IdentLike)
    this.CONSUME(T.FatArrow)
    this.SUBRULE(this.expression)
  })

  pipeClosure = this.RULE('pipeClosure', () => {
    this.CONSUME(T.Pipe)
    this.OPTION(() => {
      this.CONSUME(T.IdentLike)
      this.MANY(() => {
        this.CONSUME(T.Comma)
        this.CONSUME2(T.IdentLike)
      })
    })
    this.CONSUME2(T.Pipe)
    this.SUBRULE(this.expression)
  })

  ifExpr = this.RULE('ifExpr', () => {
    this.CONSUME(T.If)
    this.SUBRULE(this.expression)
    this.SUBRULE(this.block)
    this.OPTION(() => {
      this.CONSUME(T.Else)
      this.OR([{ ALT: () => this.SUBRULE(this.ifExpr) }, { ALT: () => this.SUBRULE2(this.block) }])
    })
  })

  typedRecord = this.RULE('typedRecord', () => {
    this.CONSUME(T.IdentLike)
    this.SUBRULE(this.record)
  })

  record = this.RULE('record', () => {
    this.CONSUME(T.LBrace)
    this.MANY(() => this.SUBRULE(this.recordField))
    this.CONSUME(T.RBrace)
  })

  recordField = this.RULE('recordField', () => {
    this.OR([{ ALT: () => this.CONSUME(T.IdentLike) }, { ALT: () => this.CONSUME(T.StringLiteral) }])
    this.CONSUME(T.Colon)
    this.SUBRULE(this.expression)
    this.OPTION(() => this.CONSUME(T.Comma))
  })

  setLiteral = this.RULE('setLiteral', () => {
    this.CONSUME(T.LBrace)
    this.SUBRULE(this.expression)
    this.MANY(() => {
      this.CONSUME(T.Comma)
      this.OPTION(() => this.SUBRULE2(this.expression))
    })
    this.CONSUME(T.RBrace)
  })

  array = this.RULE('array', () => {
    this.CONSUME(T.LBracket)
    this.OPTION(() => {
      this.SUBRULE(this.arrayElement)
      this.MANY({
        GATE: () => !tokenMatcher(this.LA(2), T.RBracket),
        DEF: () => {
          this.CONSUME(T.Comma)
          this.SUBRULE2(this.arrayElement)
        },
      })
      this.OPTION2(() => this.CONSUME2(T.Comma))
    })
    this.CONSUME(T.RBracket)
  })

  /** An element, or the seed's `name = value` obligation (reported outside require/audit lists). */
  arrayElement = this.RULE('arrayElement', () => {
    this.OPTION({
      GATE: () => isIdentLike(this.LA(1)) && tokenMatcher(this.LA(2), T.Equals),
      DEF: () => {
        this.CONSUME(T.IdentLike, { LABEL: 'assignName' })
        this.CONSUME(T.Equals)
      },
    })
    this.SUBRULE(this.expression)
  })

  paren = this.RULE('paren', () => {
    this.CONSUME(T.LParen)
    this.SUBRULE(this.expression)
    this.CONSUME(T.RParen)
  })
}

const OPERAND_STARTS: readonly TokenType[] = [
  T.IdentLike, T.StringLiteral, T.NumberLiteral, T.DurationLiteral, T.DottedDuration, T.VaultRef,
  T.LParen, T.LBracket, T.LBrace, T.Bang, T.Minus, T.Pipe,
]

function startsOperand(t: IToken): boolean {
  return OPERAND_STARTS.some((type) => tokenMatcher(t, type))
}

const RULE_KINDS: readonly TokenType[] = [T.Allow, T.Deny, T.Require, T.Audit]

function startsRule(t: IToken, next: IToken): boolean {
  return tokenMatcher(next, T.Colon) && RULE_KINDS.some((type) => tokenMatcher(t, type))
}

let instance: SymbiParser | undefined
let strictInstance: SymbiParser | undefined

/** The shared parser instance (built on first use; building it is the expensive part). */
export function getParser(): SymbiParser {
  instance ??= new SymbiParser(validateGrammar())
  return instance
}

/**
 * A second shared instance without error recovery, for the fast path over clean input: it stops
 * at the first error (the caller then reparses with recovery) and skips recovery bookkeeping.
 */
export function getFastParser(): SymbiParser {
  strictInstance ??= new SymbiParser(false, false)
  return strictInstance
}
