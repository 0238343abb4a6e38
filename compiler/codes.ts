/** Stable diagnostic codes of the checker (docs/semantics.md lists them). */
export const CHECK = {
  /** A target that is not an action pattern. */
  notAPattern: 'CHECK001',
  /** `for` on an allow or deny rule. */
  scopeOnAllowDeny: 'CHECK002',
  /** Two policies with one name in a set. */
  duplicatePolicy: 'CHECK003',
  /** A modifier that is not a name. */
  badModifier: 'CHECK004',
  /** `approval(…)` without one string argument. */
  badApproval: 'CHECK005',
  /** One name bound at two arguments of one pattern (`copy(x, x)`): which argument it means is ambiguous. */
  duplicateBinder: 'CHECK006',
  /** Unknown function. */
  unknownFunction: 'CHECK010',
  /** Unknown method, or a function that cannot be called as a method. */
  unknownMethod: 'CHECK011',
  /** Wrong number of arguments. */
  arity: 'CHECK012',
  /** A lambda where a value belongs, or a value where a lambda belongs. */
  lambdaPlacement: 'CHECK013',
  /** Named arguments to a function. */
  namedArgument: 'CHECK014',
  /** A vault reference in a policy expression. */
  vaultInExpression: 'CHECK015',
  /** `_` used as a value. */
  wildcardValue: 'CHECK016',
  /** Statements inside an `if` expression of a policy. */
  statementsInGuard: 'CHECK017',
  /** Expression deeper than the limit. */
  tooDeep: 'CHECK018',
  /** A policy inside a schedule, memory or webhook block: nothing defines whose requests it governs. */
  unscopedPolicy: 'CHECK019',
  /** A name bound nowhere (with a schema). */
  unboundName: 'CHECK020',
  /** An attribute the schema does not declare. */
  unknownAttribute: 'CHECK021',
  /** A comparison of values of different types. */
  typeMismatch: 'CHECK022',
  /** An ordering against a string that is on no ladder. */
  notOnLadder: 'CHECK023',
  /** A guard or precondition that is not a boolean. */
  notBoolean: 'CHECK024',
  /** A channel's data_classification entry with an unknown action. */
  classificationAction: 'CHECK026',
  /** `in` with a string on the right (not a substring test, SEMANTICS.md §5). */
  inString: 'CHECK025',
  /** A rule that can never fire. */
  neverFires: 'CHECK030',
  /** A rule that repeats an earlier rule. */
  duplicateRule: 'CHECK031',
  /** More policies than `maxPolicies`. */
  tooManyPolicies: 'CHECK040',
  /** More rules than `maxRules`. */
  tooManyRules: 'CHECK041',
  /** A bad schema file. */
  badSchema: 'CHECK050',
  /** A host function the schema declares has no implementation (engines only). */
  unimplementedHostFunction: 'CHECK051',
} as const
