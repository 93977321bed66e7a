/**
 * The estimated cost of a CEL expression, worked out once at load (as Kubernetes does for its CEL
 * rules): every node counts one step, times the iterations of the comprehensions (`all`, `exists`,
 * `map`, `filter`) around it, with every list taken to be as long as the longest list an
 * expression is given (longer inputs are refused when evaluating). CEL has no loops of its own,
 * so this bounds the work of any evaluation.
 */
import type { parse } from '@bufbuild/cel';

type Expr = ReturnType<typeof parse>['expr'];

export function estimatedCost(expr: Expr, maxListLength: number): number {
  return cost(expr, 1, maxListLength);
}

function cost(expr: Expr | undefined, times: number, maxList: number): number {
  if (!expr) return 0;
  const kind = expr.exprKind;
  switch (kind.case) {
    case 'selectExpr':
      return times + cost(kind.value.operand, times, maxList);
    case 'callExpr':
      return times + cost(kind.value.target, times, maxList) + sum(kind.value.args.map((arg) => cost(arg, times, maxList)));
    case 'listExpr':
      return times + sum(kind.value.elements.map((element) => cost(element, times, maxList)));
    case 'structExpr':
      return times + sum(kind.value.entries.map((entry) => cost(entry.value, times, maxList) + (entry.keyKind.case === 'mapKey' ? cost(entry.keyKind.value, times, maxList) : 0)));
    case 'comprehensionExpr': {
      const { iterRange, accuInit, loopCondition, loopStep, result } = kind.value;
      const inner = times * rangeSize(iterRange, maxList);
      return cost(iterRange, times, maxList) + cost(accuInit, times, maxList) + cost(loopCondition, inner, maxList) + cost(loopStep, inner, maxList) + cost(result, times, maxList);
    }
    default:
      return times;
  }
}

/** How many items a comprehension over this expression may see. */
function rangeSize(expr: Expr | undefined, maxList: number): number {
  const kind = expr?.exprKind;
  if (kind?.case === 'listExpr') return kind.value.elements.length;
  if (kind?.case === 'callExpr' && kind.value.function === '_+_' && !kind.value.target) {
    return sum(kind.value.args.map((arg) => rangeSize(arg, maxList)));
  }
  // map() and filter() give at most as many items as they were given.
  if (kind?.case === 'comprehensionExpr') return rangeSize(kind.value.iterRange, maxList);
  return maxList;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
