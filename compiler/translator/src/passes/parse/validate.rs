//! Checks on a parsed file that need the shape of the tree but no names or types:
//! `break` and `continue` only inside a loop. They run in pass 1 so that such a script
//! never reaches the translator (a stray `break` would otherwise be a C compiler error).

use crate::ast::{Block, FunctionBody, Item, Script, Stmt, StmtKind};
use crate::diag::Diagnostic;

pub fn check(script: &Script) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for item in &script.items {
        match item {
            Item::Probe(p) => block(&p.body, 0, &mut out),
            Item::Alias(a) => block(&a.body, 0, &mut out),
            Item::Function(f) => {
                if let FunctionBody::Script(b) = &f.body {
                    block(b, 0, &mut out);
                }
            }
            Item::Global(_) | Item::EmbeddedC(_) => {}
        }
    }
    out
}

fn block(b: &Block, loops: u32, out: &mut Vec<Diagnostic>) {
    for s in &b.stmts {
        stmt(s, loops, out);
    }
}

fn stmt(s: &Stmt, loops: u32, out: &mut Vec<Diagnostic>) {
    match &s.kind {
        StmtKind::Block(b) => block(b, loops, out),
        StmtKind::If { then, els, .. } => {
            stmt(then, loops, out);
            if let Some(e) = els {
                stmt(e, loops, out);
            }
        }
        StmtKind::While { body, .. } | StmtKind::For { body, .. } => stmt(body, loops + 1, out),
        StmtKind::Foreach(f) => stmt(&f.body, loops + 1, out),
        StmtKind::Try { body, catch_body, .. } => {
            block(body, loops, out);
            if let Some(c) = catch_body {
                block(c, loops, out);
            }
        }
        StmtKind::Break | StmtKind::Continue if loops == 0 => {
            let word = if matches!(s.kind, StmtKind::Break) { "break" } else { "continue" };
            out.push(
                Diagnostic::error(format!("'{word}' outside a loop"))
                    .with_span(s.span)
                    .with_help("it belongs in a while, for or foreach body; use 'next' to leave a probe, 'return' to leave a function"),
            );
        }
        StmtKind::Break
        | StmtKind::Continue
        | StmtKind::Empty
        | StmtKind::Expr(_)
        | StmtKind::Next
        | StmtKind::Return(_)
        | StmtKind::Delete(_)
        | StmtKind::EmbeddedC(_) => {}
    }
}
