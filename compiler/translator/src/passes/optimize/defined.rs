//! `@defined(expr)`: 1 when the expression resolves at the probe point, else 0. Script
//! expressions (literals, locals, globals, calls) always resolve; target-family
//! expressions (`$var`, `$var->x`, `$$parms`, `@var`, `@cast`, `&$x`, `@entry`, `@perf`)
//! are asked of [`target_resolves`]. The answer is semantic, not an optimisation: it is
//! given under `-u` too, and the branches it decides are pruned before type checking.

use super::children;
use crate::ast::{Expr, ExprKind};
use crate::passes::elaborate::points::{Expanded, PointKind};
use crate::passes::elaborate::ResolvedPoint;

/// Whether a target-family expression resolves at a probe point: the one question
/// `@defined` asks of the probe families.
///
/// `kernel.function` points answer from their DWARF (elaborate/targets.rs: parameters and
/// locals with a location at the probe address, members through the types); the other
/// families have no target variables yet, so nothing resolves there, and elaboration
/// rejects a target expression that survives pruning.
pub fn target_resolves(point: &PointKind, expr: &Expr) -> bool {
    match point {
        // No context, no target variables: SystemTap's begin/end/error/never/timer points
        // have none, and this is final.
        PointKind::Begin(_)
        | PointKind::End(_)
        | PointKind::Error(_)
        | PointKind::Oneshot
        | PointKind::Never
        | PointKind::Timer { .. } => false,
        // Kernel and user function probes answer from their DWARF (elaborate/targets.rs).
        PointKind::Kprobe(_) | PointKind::Tracepoint(_) | PointKind::Uprobe(_) | PointKind::Syscall { .. } => {
            crate::passes::elaborate::targets::resolves(point, expr)
        }
        PointKind::ProcEvent(_) | PointKind::Watch(_) => false,
    }
}

/// Whether `e` is a target-family expression (what [`target_resolves`] is asked about).
fn is_target(e: &Expr) -> bool {
    matches!(
        e.kind,
        ExprKind::Target { .. }
            | ExprKind::TargetAll { .. }
            | ExprKind::Cast { .. }
            | ExprKind::AtVar { .. }
            | ExprKind::AddrOf(_)
            | ExprKind::Entry(_)
            | ExprKind::Perf(_)
    )
}

/// `@defined(e)`'s answer: every target-family expression in `e` resolves (`resolves`
/// answers for one; its own subexpressions, an index or `@cast`'s operand, are asked too).
pub fn is_defined(e: &Expr, resolves: &dyn Fn(&Expr) -> bool) -> bool {
    if let ExprKind::Defined(_) = e.kind {
        // `@defined(@defined(x))`: the inner one is a number, always there.
        return true;
    }
    if is_target(e) && !resolves(e) {
        return false;
    }
    let mut all = true;
    children(e, &mut |c| all = all && is_defined(c, resolves));
    all
}

/// The operands of the `@defined`s of a body, in order.
fn operands(body: &crate::ast::Block) -> Vec<Expr> {
    let mut v = Vec::new();
    super::walk_block(body, &mut |e| {
        if let ExprKind::Defined(x) = &e.kind {
            v.push(x.as_ref().clone());
        }
    });
    v
}

/// Points of one probe that answer some `@defined` differently need separate bodies (each
/// then pruned its own way): the probe is split into groups of points that agree, in the
/// order their first point had.
pub fn split_by_answers(probes: Vec<Expanded>, resolves: fn(&PointKind, &Expr) -> bool) -> Vec<Expanded> {
    let mut out = Vec::with_capacity(probes.len());
    for p in probes {
        let ops = operands(&p.body);
        let groups = group_points(&p.points, &ops.iter().collect::<Vec<_>>(), resolves);
        if groups.len() <= 1 {
            out.push(p);
            continue;
        }
        for g in groups {
            out.push(Expanded { points: g, body: p.body.clone(), span: p.span });
        }
    }
    out
}

fn group_points(
    points: &[ResolvedPoint],
    operands: &[&Expr],
    resolves: fn(&PointKind, &Expr) -> bool,
) -> Vec<Vec<ResolvedPoint>> {
    let mut groups: Vec<(Vec<bool>, Vec<ResolvedPoint>)> = Vec::new();
    for pt in points {
        let answers: Vec<bool> = operands.iter().map(|e| is_defined(e, &|t| resolves(&pt.kind, t))).collect();
        match groups.iter_mut().find(|(a, _)| *a == answers) {
            Some((_, g)) => g.push(pt.clone()),
            None => groups.push((answers, vec![pt.clone()])),
        }
    }
    groups.into_iter().map(|(_, g)| g).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::SourceMap;
    use crate::passes::parse;

    fn expr(text: &str) -> Expr {
        let mut sm = SourceMap::new();
        parse::parse_expr(&mut sm, "t", text, &Default::default()).unwrap_or_else(|e| panic!("{}", sm.render_all(&e)))
    }

    fn point(kind: PointKind) -> ResolvedPoint {
        ResolvedPoint { pp: format!("{kind:?}"), pn: String::new(), kind }
    }

    #[test]
    fn script_expressions_are_defined_target_ones_ask_the_point() {
        let never = |_: &Expr| false;
        let always = |_: &Expr| true;
        for (text, want_never, want_always) in [
            ("x", true, true),
            ("1 + f(2)", true, true),
            ("arr[1, \"a\"]", true, true),
            ("$nosuch", false, true),
            ("$p->next->x", false, true),
            ("$$parms", false, true),
            ("@var(\"jiffies\")", false, true),
            ("@cast(p, \"task_struct\")->pid", false, true),
            ("x + $y", false, true),
            ("f($y)", false, true),
            ("@defined($y)", true, true),
        ] {
            let e = expr(text);
            assert_eq!(is_defined(&e, &never), want_never, "{text}");
            assert_eq!(is_defined(&e, &always), want_always, "{text}");
        }
        // The begin family never has target variables.
        assert!(!target_resolves(&PointKind::Begin(0), &expr("$x")));
        assert!(!target_resolves(&PointKind::Timer { unit: crate::passes::elaborate::TimerUnit::Ns, period: 1, randomize: 0 }, &expr("$$vars")));
    }

    #[test]
    fn points_that_answer_differently_are_split() {
        // A stand-in resolver: `$x` resolves at end points only.
        fn at_end(p: &PointKind, e: &Expr) -> bool {
            matches!(p, PointKind::End(_)) && matches!(&e.kind, ExprKind::Target { name, .. } if name == "x")
        }
        let pts = [point(PointKind::Begin(0)), point(PointKind::End(0)), point(PointKind::Begin(1)), point(PointKind::End(1))];
        let x = expr("$x");
        let y = expr("$y");
        let g = group_points(&pts, &[&x], at_end);
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].iter().map(|p| p.kind.clone()).collect::<Vec<_>>(), [PointKind::Begin(0), PointKind::Begin(1)]);
        assert_eq!(g[1].iter().map(|p| p.kind.clone()).collect::<Vec<_>>(), [PointKind::End(0), PointKind::End(1)]);
        // Nothing to tell them apart: one group.
        assert_eq!(group_points(&pts, &[&y], at_end).len(), 1);
        assert_eq!(group_points(&pts, &[], at_end).len(), 1);
    }
}
