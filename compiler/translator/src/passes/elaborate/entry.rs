//! `@entry(EXPR)` and target variables in `.return` probes. In a `kernel.function(...).return`
//! probe EXPR is evaluated when the function is entered (the kretprobe's entry handler)
//! and its value kept in that return instance's data until the return hit reads it; in a
//! `process(...).function(...).return` by a second uprobe where a call probe would sit,
//! into a per-thread table keyed by the entry's stack pointer (runtime-c/uentry.h). A
//! bare `$param` (or `$$parms`...) in such a probe means its value at entry, as in
//! SystemTap: it is rewritten here to `@entry($param)`. Only `$return`/`$$return` are read
//! at the return itself.
//!
//! Probes whose points mix `.return` and entry points are split first (their bodies
//! compile differently). Translation keeps one slot per outermost `@entry` of a body
//! (translate/mod.rs, the kprobe's `data_size`).

use super::points::{Expanded, PointKind};
use crate::ast::{Block, Expr, ExprKind, TargetAllKind};
use crate::diag::Diagnostic;
use crate::passes::optimize::{children, children_mut, top_exprs_mut, walk_block};

fn is_return_probe(p: &PointKind) -> bool {
    match p {
        PointKind::Kprobe(k) => k.ret && k.site.is_some(),
        // Its entry part is a second uprobe (runtime-c/uentry.h).
        PointKind::Uprobe(u) => u.ret && u.site.is_some(),
        _ => false,
    }
}

fn is_return_value(e: &Expr) -> bool {
    matches!(&e.kind, ExprKind::Target { name, .. } if name == "return")
        || matches!(&e.kind, ExprKind::TargetAll { kind: TargetAllKind::Return, .. })
}

fn mentions(b: &Block, want: &dyn Fn(&Expr) -> bool) -> bool {
    let mut found = false;
    walk_block(b, &mut |e| found |= want(e));
    found
}

/// Wraps the entry-time target expressions of `e` in `@entry`.
fn wrap(e: &mut Expr) {
    match &e.kind {
        ExprKind::Entry(_) => {}
        ExprKind::Target { .. } | ExprKind::TargetAll { .. } | ExprKind::AddrOf(_)
            if !is_return_value(e) && !super::targets::is_cast_addr(e) =>
        {
            if let ExprKind::AddrOf(x) = &e.kind {
                if is_return_value(x) {
                    return;
                }
            }
            let inner = std::mem::replace(e, Expr::new(ExprKind::Literal(crate::ast::Literal::Num(0)), e.span));
            *e = Expr::new(ExprKind::Entry(Box::new(inner)), e.span);
        }
        _ => children_mut(e, &mut wrap),
    }
}

/// What inside an `@entry` cannot be evaluated at the function's entry.
fn check_entry_operand(e: &Expr, is_global: &dyn Fn(&str) -> bool, diags: &mut Vec<Diagnostic>) {
    let bad = |x: &Expr, diags: &mut Vec<Diagnostic>| match &x.kind {
        ExprKind::Var(name) if !is_global(name) => diags.push(
            Diagnostic::error(format!("@entry cannot use the local variable '{name}'"))
                .with_span(x.span)
                .with_help("@entry's expression is evaluated when the function is entered, before the probe's body runs: only globals, functions and target variables are there"),
        ),
        _ if is_return_value(x) => diags.push(
            Diagnostic::error("$return does not exist at the function's entry").with_span(x.span),
        ),
        _ => {}
    };
    fn deep(e: &Expr, f: &mut dyn FnMut(&Expr)) {
        f(e);
        children(e, &mut |c| deep(c, f));
    }
    deep(e, &mut |x| bad(x, diags));
}

/// Splits mixed probes, rewrites `.return` bodies and rejects `@entry` elsewhere.
pub fn rewrite(probes: Vec<Expanded>, is_global: &dyn Fn(&str) -> bool, diags: &mut Vec<Diagnostic>) -> Vec<Expanded> {
    let mut out = Vec::with_capacity(probes.len());
    for p in probes {
        let (rets, others): (Vec<_>, Vec<_>) = p.points.iter().cloned().partition(|pt| is_return_probe(&pt.kind));
        let entry_in_body = mentions(&p.body, &|e| matches!(e.kind, ExprKind::Entry(_)));
        if !others.is_empty() && entry_in_body {
            let mut first = None;
            walk_block(&p.body, &mut |e| {
                if first.is_none() && matches!(e.kind, ExprKind::Entry(_)) {
                    first = Some(e.span)
                }
            });
            diags.push(
                Diagnostic::error("@entry is only available in .return probes of kernel.function(...) and process(...).function(...)")
                    .with_span(first.unwrap_or(p.span))
                    .with_label(p.span, format!("this probe has the point '{}'", others[0].pp)),
            );
            continue;
        }
        if rets.is_empty() {
            out.push(p);
            continue;
        }
        if !others.is_empty() {
            out.push(Expanded { points: others, body: p.body.clone(), span: p.span });
        }
        let mut body = p.body.clone();
        top_exprs_mut(&mut body, &mut wrap);
        walk_block(&body, &mut |e| {
            if let ExprKind::Entry(x) = &e.kind {
                check_entry_operand(x, is_global, diags);
            }
        });
        out.push(Expanded { points: rets, body, span: p.span });
    }
    out
}

/// The outermost `@entry` expressions of a body, in order: one data slot each.
pub fn slots(b: &Block) -> Vec<Expr> {
    fn outer(e: &Expr, out: &mut Vec<Expr>) {
        if matches!(e.kind, ExprKind::Entry(_)) {
            out.push(e.clone());
        } else {
            children(e, &mut |c| outer(c, out));
        }
    }
    let mut out = Vec::new();
    let mut b = b.clone();
    top_exprs_mut(&mut b, &mut |e| outer(e, &mut out));
    out
}
