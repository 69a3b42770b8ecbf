//! Unused code within a body, as SystemTap's dead-assignment and statement-expression
//! removers: `x = EXPR` where the local `x` is never read anywhere in the body keeps only
//! `EXPR` (warning "eliding assignment"), and an expression statement without side
//! effects goes (warning "eliding side-effect-free expression"), to a fixed point (`y = x`
//! going may leave `x` unread). Globals are never touched here: another probe, the end
//! report or the loader may read them. Warnings name the user's script only.

use super::has_side_effects;
use crate::ast::{AssignOp, Block, Expr, ExprKind, FileId, Stmt, StmtKind};
use crate::diag::Diagnostic;
use std::collections::BTreeSet;

/// Elides what is unused in `body`; returns how many statements and assignments went.
/// `is_local` says which names are locals (and parameters) here.
pub fn elide(
    body: &mut Block,
    is_local: &dyn Fn(&str) -> bool,
    pure_call: &dyn Fn(&str) -> bool,
    user: FileId,
    diags: &mut Vec<Diagnostic>,
) -> usize {
    let mut total = 0;
    loop {
        let mut reads = BTreeSet::new();
        reads_in_block(body, &mut reads);
        let mut e = Elider { reads: &reads, is_local, pure_call, user, diags, count: 0 };
        e.block(body);
        if e.count == 0 {
            return total;
        }
        total += e.count;
    }
}

/// The names read in a block: every variable except the target of a plain `=` (which
/// only writes it).
fn reads_in_block(b: &Block, out: &mut BTreeSet<String>) {
    for s in &b.stmts {
        reads_in_stmt(s, out);
    }
}

fn reads_in_stmt(s: &Stmt, out: &mut BTreeSet<String>) {
    match &s.kind {
        StmtKind::Block(b) => reads_in_block(b, out),
        StmtKind::If { cond, then, els } => {
            reads_in_expr(cond, out);
            reads_in_stmt(then, out);
            if let Some(e) = els {
                reads_in_stmt(e, out);
            }
        }
        StmtKind::While { cond, body } => {
            reads_in_expr(cond, out);
            reads_in_stmt(body, out);
        }
        StmtKind::For { init, cond, step, body } => {
            for e in [init, cond, step].into_iter().flatten() {
                reads_in_expr(e, out);
            }
            reads_in_stmt(body, out);
        }
        StmtKind::Foreach(f) => {
            for k in f.slice.iter().flatten().flatten() {
                reads_in_expr(k, out);
            }
            if let Some(l) = &f.limit {
                reads_in_expr(l, out);
            }
            reads_in_stmt(&f.body, out);
        }
        StmtKind::Try { body, catch_body, .. } => {
            reads_in_block(body, out);
            if let Some(c) = catch_body {
                reads_in_block(c, out);
            }
        }
        // `delete x` on a local counts as a use, to keep things simple.
        StmtKind::Expr(e) | StmtKind::Return(Some(e)) | StmtKind::Delete(e) => reads_in_expr(e, out),
        StmtKind::Empty
        | StmtKind::Break
        | StmtKind::Continue
        | StmtKind::Next
        | StmtKind::Return(None)
        | StmtKind::EmbeddedC(_) => {}
    }
}

fn reads_in_expr(e: &Expr, out: &mut BTreeSet<String>) {
    match &e.kind {
        ExprKind::Var(name) => {
            out.insert(name.clone());
        }
        ExprKind::Assign { op: AssignOp::Assign, lhs, rhs } if matches!(lhs.kind, ExprKind::Var(_)) => {
            reads_in_expr(rhs, out);
        }
        _ => super::children(e, &mut |c| reads_in_expr(c, out)),
    }
}

struct Elider<'a> {
    reads: &'a BTreeSet<String>,
    is_local: &'a dyn Fn(&str) -> bool,
    pure_call: &'a dyn Fn(&str) -> bool,
    user: FileId,
    diags: &'a mut Vec<Diagnostic>,
    count: usize,
}

impl Elider<'_> {
    fn block(&mut self, b: &mut Block) {
        for s in &mut b.stmts {
            self.stmt(s);
        }
        b.stmts.retain(|s| !matches!(s.kind, StmtKind::Empty));
    }

    fn stmt(&mut self, s: &mut Stmt) {
        match &mut s.kind {
            StmtKind::Block(b) => self.block(b),
            StmtKind::Expr(e) => {
                if self.top(e) {
                    s.kind = StmtKind::Empty;
                }
            }
            StmtKind::If { then, els, .. } => {
                self.stmt(then);
                if let Some(e) = els {
                    self.stmt(e);
                }
            }
            StmtKind::While { body, .. } => self.stmt(body),
            StmtKind::For { init, step, body, .. } => {
                for e in [init, step] {
                    if let Some(x) = e {
                        if self.top(x) {
                            *e = None;
                        }
                    }
                }
                self.stmt(body);
            }
            StmtKind::Foreach(f) => self.stmt(&mut f.body),
            StmtKind::Try { body, catch_body, .. } => {
                self.block(body);
                if let Some(c) = catch_body {
                    self.block(c);
                }
            }
            _ => {}
        }
    }

    /// An expression whose value is unused (a statement, a for's init or step): true when
    /// it can go entirely; an unread assignment is replaced by its right side.
    fn top(&mut self, e: &mut Expr) -> bool {
        if let ExprKind::Assign { op: AssignOp::Assign, lhs, rhs } = &mut e.kind {
            if let ExprKind::Var(name) = &lhs.kind {
                if (self.is_local)(name) && !self.reads.contains(name) {
                    let name = name.clone();
                    self.count += 1;
                    if has_side_effects(rhs, self.pure_call) {
                        self.warn(
                            Diagnostic::warning(format!("eliding assignment to '{name}'"))
                                .with_span(e.span)
                                .with_help(format!("'{name}' is never read; the right side stays for its side effects")),
                            e.span.file,
                        );
                        let rhs = std::mem::replace(rhs.as_mut(), Expr::new(ExprKind::Literal(crate::ast::Literal::Num(0)), e.span));
                        *e = rhs;
                        return false;
                    }
                    self.warn(
                        Diagnostic::warning("eliding side-effect-free expression")
                            .with_span(e.span)
                            .with_help(format!("'{name}' is never read")),
                        e.span.file,
                    );
                    return true;
                }
            }
        }
        if !has_side_effects(e, self.pure_call) {
            self.count += 1;
            self.warn(Diagnostic::warning("eliding side-effect-free expression").with_span(e.span), e.span.file);
            return true;
        }
        false
    }

    fn warn(&mut self, d: Diagnostic, file: FileId) {
        if file == self.user {
            self.diags.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::Item;
    use crate::diag::SourceMap;
    use crate::passes::parse;

    /// `probe begin { BODY }` after elision (g is the only global; f() has side effects,
    /// p() has none), printed; and the warnings.
    fn elide_text(body: &str) -> (String, Vec<String>) {
        let mut sm = SourceMap::new();
        let text = format!("probe begin {{\n{body}\n}}\n");
        let mut script = parse::parse_file(&mut sm, "t.stp", &text, &Default::default(), &parse::MacroTable::new())
            .unwrap_or_else(|d| panic!("{}", sm.render_all(&d)));
        let file = script.file;
        let Item::Probe(probe) = &mut script.items[0] else { unreachable!() };
        let mut diags = Vec::new();
        elide(&mut probe.body, &|n| n != "g", &|n| n == "p", file, &mut diags);
        let printed = parse::print_script(&script);
        let inner: Vec<&str> = printed.lines().skip(1).filter(|l| *l != "}").map(|l| l.trim().trim_end_matches(';')).collect();
        (inner.join("\n"), diags.iter().map(|d| format!("{d:?}")).collect())
    }

    #[test]
    fn unread_locals_and_pure_statements_go() {
        // Read: stays. Never read: goes; its side effects stay.
        assert_eq!(elide_text("x = 1\nprintln(x)").0, "x = 1\nprintln(x)");
        assert_eq!(elide_text("x = 1\ny = 2\nprintln(y)").0, "y = 2\nprintln(y)");
        assert_eq!(elide_text("x = f()").0, "f()");
        assert_eq!(elide_text("x = p(1) . \"a\"").0, "");
        // Globals are always kept.
        assert_eq!(elide_text("g = 5").0, "g = 5");
        // A chain: y unread makes x unread.
        assert_eq!(elide_text("x = 1\ny = x + 1").0, "");
        // x += 1 reads x; x++ too.
        assert_eq!(elide_text("x = 1\nx += 1").0, "x = 1\nx += 1");
        // Division may fail at run time: it stays.
        assert_eq!(elide_text("x = 1 / z").0, "1 / z");
        assert_eq!(elide_text("x = 1 / 2").0, "");
        // Pure statements; in loops too.
        assert_eq!(elide_text("1 + 2\nz\nwhile (f()) { 3 }\nfor (i = 0; i < 3; 4) f()").0, "while (f()) {\n}\nfor (i = 0; i < 3; )\nf()");
        let (_, warnings) = elide_text("x = 1\nq = f()");
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("eliding side-effect-free expression"), "{warnings:?}");
        assert!(warnings[1].contains("eliding assignment to 'q'"), "{warnings:?}");
    }
}
