//! Dead branches: `if` with a constant condition becomes the branch taken, `while (0)`
//! disappears, `for (init; 0; step)` leaves its init, and every expression on the way is
//! folded (`fold.rs`, which also picks `?:` arms). With `-u` only the conditions that ask
//! `@defined` are decided. The calls in removed code are kept aside: they must still name
//! functions, as in SystemTap, which resolves names before it optimises.

use super::fold::Folder;
use super::{walk_stmt, Settings, Stats};
use crate::ast::{Block, Expr, ExprKind, Span, Stmt, StmtKind};

pub struct Pruner<'r> {
    folder: Folder<'r>,
    pub dropped_calls: Vec<(String, Span)>,
}

impl<'r> Pruner<'r> {
    /// `ternaries`: see [`Folder::ternaries`].
    pub fn new(settings: &Settings, ternaries: bool, defined: &'r dyn Fn(&Expr) -> bool) -> Pruner<'r> {
        Pruner {
            folder: Folder {
                full: settings.enabled,
                ternaries,
                max_string_len: settings.max_string_len,
                defined,
                stats: Stats::default(),
            },
            dropped_calls: Vec::new(),
        }
    }

    pub fn stats(&self) -> Stats {
        self.folder.stats
    }

    pub fn block(&mut self, b: &mut Block) {
        for s in &mut b.stmts {
            self.stmt(s);
        }
        // Removed statements leave no trace (an `;` on its own neither).
        b.stmts.retain(|s| !matches!(s.kind, StmtKind::Empty));
    }

    fn drop(&mut self, s: &Stmt) {
        self.folder.stats.pruned += 1;
        walk_stmt(s, &mut |e| {
            if let ExprKind::Call { func, .. } = &e.kind {
                self.dropped_calls.push((func.name.clone(), func.span));
            }
        });
    }

    fn stmt(&mut self, s: &mut Stmt) {
        let span = s.span;
        let empty = || Stmt { kind: StmtKind::Empty, span };
        match &mut s.kind {
            StmtKind::Block(b) => self.block(b),
            StmtKind::Expr(e) | StmtKind::Delete(e) | StmtKind::Return(Some(e)) => self.folder.expr(e),
            StmtKind::If { cond, then, els } => match self.folder.cond(cond) {
                Some(taken) => {
                    let (keep, gone) = if taken { (Some(then), els.as_mut()) } else { (els.as_mut(), Some(then)) };
                    if let Some(g) = gone {
                        let g: &Stmt = g;
                        self.drop(g);
                    } else {
                        self.folder.stats.pruned += 1;
                    }
                    let next = match keep {
                        Some(k) => std::mem::replace(k.as_mut(), empty()),
                        None => empty(),
                    };
                    *s = next;
                    self.stmt(s);
                }
                None => {
                    self.stmt(then);
                    if let Some(e) = els {
                        self.stmt(e);
                    }
                    if els.as_ref().is_some_and(|e| matches!(e.kind, StmtKind::Empty)) {
                        *els = None;
                    }
                }
            },
            StmtKind::While { cond, body } => match self.folder.cond(cond) {
                Some(false) => {
                    let body: &Stmt = body;
                    self.drop(body);
                    *s = empty();
                }
                _ => self.stmt(body),
            },
            StmtKind::For { init, cond, step, body } => {
                if let Some(i) = init {
                    self.folder.expr(i);
                }
                let never = match cond {
                    Some(c) => self.folder.cond(c) == Some(false),
                    None => false,
                };
                if never {
                    let gone = Stmt {
                        kind: StmtKind::For { init: None, cond: None, step: step.take(), body: std::mem::replace(body, Box::new(empty())) },
                        span,
                    };
                    self.drop(&gone);
                    *s = match init.take() {
                        Some(i) => Stmt { span: i.span, kind: StmtKind::Expr(i) },
                        None => empty(),
                    };
                    return;
                }
                if let Some(st) = step {
                    self.folder.expr(st);
                }
                self.stmt(body);
            }
            StmtKind::Foreach(f) => {
                for k in f.slice.iter_mut().flatten().flatten() {
                    self.folder.expr(k);
                }
                if let Some(l) = &mut f.limit {
                    self.folder.expr(l);
                }
                self.stmt(&mut f.body);
            }
            StmtKind::Try { body, catch_body, .. } => {
                self.block(body);
                if let Some(c) = catch_body {
                    self.block(c);
                }
            }
            StmtKind::Empty
            | StmtKind::Break
            | StmtKind::Continue
            | StmtKind::Next
            | StmtKind::Return(None)
            | StmtKind::EmbeddedC(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::Item;
    use crate::diag::SourceMap;
    use crate::passes::parse;

    /// The probe body of `probe begin { BODY }` after pruning, printed; and the calls removed.
    fn prune_with(body: &str, enabled: bool) -> (String, Vec<String>) {
        let mut sm = SourceMap::new();
        let text = format!("probe begin {{\n{body}\n}}\n");
        let mut script = parse::parse_file(&mut sm, "t.stp", &text, &Default::default(), &parse::MacroTable::new())
            .unwrap_or_else(|d| panic!("{}", sm.render_all(&d)));
        let undefined = |_: &Expr| false;
        let defined = |e: &Expr| super::super::defined::is_defined(e, &undefined);
        let settings = Settings { enabled, max_string_len: 512 };
        let mut p = Pruner::new(&settings, true, &defined);
        let Item::Probe(probe) = &mut script.items[0] else { unreachable!() };
        p.block(&mut probe.body);
        let printed = parse::print_script(&script);
        let inner: Vec<&str> = printed.lines().skip(1).filter(|l| *l != "}").map(|l| l.trim().trim_end_matches(';')).collect();
        (inner.join("\n"), p.dropped_calls.into_iter().map(|(n, _)| n).collect())
    }

    fn prune(body: &str) -> String {
        prune_with(body, true).0
    }

    #[test]
    fn dead_branches_go() {
        assert_eq!(prune("if (0) { println(\"dead\") }\nprintln(1)"), "println(1)");
        assert_eq!(prune("if (1) a = 1 else a = 2"), "a = 1");
        assert_eq!(prune("if (2 > 3) a = 1 else { a = 2; b = 3 }"), "{\na = 2\nb = 3\n}");
        assert_eq!(prune("if (x) a = 1 else if (0) a = 2"), "if (x)\na = 1");
        assert_eq!(prune("while (0) { x++ }\ny = 1"), "y = 1");
        assert_eq!(prune("while (1 - 1 < x) x--"), "while (0 < x)\nx--");
        assert_eq!(prune("for (i = 0; 0; i++) println(i)"), "i = 0");
        assert_eq!(prune("for (; 1 > 2; ) println(i)"), "");
        assert_eq!(prune("for (i = 1 + 1; i < 2 * 5; i++) println(i)"), "for (i = 2; i < 10; i++)\nprintln(i)");
        assert_eq!(prune("x = 1 ? \"a\" : \"b\""), "x = \"a\"");
        assert_eq!(prune("foreach (k in arr limit 2 + 3) if (0) println(k)"), "foreach (k in arr limit 5)\n");
        assert_eq!(prune("try { if (0) f() } catch { if (1) g() }"), "try {\n} catch {\ng()\n}");
    }

    #[test]
    fn defined_decides_even_unoptimised() {
        let body = "if (@defined($nosuch)) println($nosuch) else println(\"none\")\nif (0) x = 1\ny = 1 + 2";
        assert_eq!(prune_with(body, false).0, "println(\"none\")\nif (0)\nx = 1\ny = 1 + 2");
        assert_eq!(prune_with(body, true).0, "println(\"none\")\ny = 3");
        assert_eq!(prune_with("if (!@defined(z)) a() else b()", false).0, "b()");
    }

    #[test]
    fn calls_in_removed_code_are_kept_aside() {
        let (out, calls) = prune_with("if (0) { nosuch(1); f(g()) } else h()\nwhile (0) w()\nfor (; 0; s()) b()", true);
        assert_eq!(out, "h()");
        assert_eq!(calls, ["nosuch", "f", "g", "w", "s", "b"]);
    }
}
