//! Helpers for the grammar's actions: spans from token indices, probe point expansion,
//! foreach assembly.

use super::lexer::Token;
use crate::ast::*;
use crate::diag::{Diagnostic, Span};

/// The span covering tokens `l..r` (token indices, `r` exclusive).
pub fn span(toks: &[Token], l: usize, r: usize) -> Span {
    if toks.is_empty() {
        return Span::default();
    }
    if r > l && l < toks.len() {
        let a = toks[l].span;
        let b = toks[(r - 1).min(toks.len() - 1)].span;
        if a.file == b.file && b.end >= a.start {
            return a.to(b);
        }
        return a;
    }
    if l < toks.len() {
        toks[l].span.to(toks[l].span).start_point()
    } else {
        toks[toks.len() - 1].span.end_point()
    }
}

trait StartPoint {
    fn start_point(self) -> Span;
}
impl StartPoint for Span {
    fn start_point(self) -> Span {
        Span { file: self.file, start: self.start, end: self.start }
    }
}

/// Are the tokens `l..r` written without space between them (`sched_*`)?
pub fn adjacent(toks: &[Token], l: usize, r: usize) -> bool {
    (l + 1..r.min(toks.len())).all(|i| toks[i - 1].span.end == toks[i].span.start && toks[i - 1].span.file == toks[i].span.file)
}

/// One expansion of a (possibly brace-alternated) probe point pattern.
#[derive(Clone, Debug)]
pub struct Alt {
    pub comps: Vec<Component>,
    pub optional: bool,
    pub sufficient: bool,
}

/// The cartesian product of dotted segments, each a list of alternatives.
pub fn combine(segs: Vec<Vec<Alt>>, sfx: (bool, bool)) -> Vec<Alt> {
    let mut acc = vec![Alt { comps: Vec::new(), optional: false, sufficient: false }];
    for seg in segs {
        let mut next = Vec::with_capacity(acc.len() * seg.len());
        for a in &acc {
            for s in &seg {
                let mut comps = a.comps.clone();
                comps.extend(s.comps.iter().cloned());
                next.push(Alt {
                    comps,
                    optional: a.optional || s.optional,
                    sufficient: a.sufficient || s.sufficient,
                });
            }
        }
        acc = next;
    }
    for a in &mut acc {
        a.optional |= sfx.0;
        a.sufficient |= sfx.1;
    }
    acc
}

pub fn expand_point(segs: Vec<Vec<Alt>>, sfx: (bool, bool), cond: Option<Expr>, span: Span) -> Vec<ProbePoint> {
    combine(segs, sfx)
        .into_iter()
        .map(|a| ProbePoint {
            components: a.comps,
            optional: a.optional,
            sufficient: a.sufficient,
            condition: cond.clone(),
            span,
        })
        .collect()
}

pub fn expr_stmt(e: Expr, span: Span) -> Stmt {
    match e.kind {
        ExprKind::EmbeddedC(c) => Stmt { kind: StmtKind::EmbeddedC(c), span },
        _ => Stmt { kind: StmtKind::Expr(e), span },
    }
}

pub struct ForeachHead {
    pub value: Option<(Ident, Option<bool>)>,
    pub keys: Vec<(Ident, Option<bool>)>,
    pub bracketed: bool,
    pub array: Ident,
    pub slice: Option<Vec<Option<Expr>>>,
    pub aggregate: Option<(StatOp, Span)>,
    pub array_sort: Option<bool>,
    pub limit: Option<Expr>,
}

#[allow(dead_code)]
pub enum LoopHead {
    While(Expr),
    For(Option<Expr>, Option<Expr>, Option<Expr>),
    Foreach(ForeachHead, Span),
}

pub fn foreach_head(h: ForeachHead, span: Span) -> Result<ForeachHead, Diagnostic> {
    let mut n = 0;
    if h.value.as_ref().is_some_and(|v| v.1.is_some()) {
        n += 1;
    }
    n += h.keys.iter().filter(|k| k.1.is_some()).count();
    if h.array_sort.is_some() {
        n += 1;
    }
    if n > 1 {
        return Err(Diagnostic::error("foreach: more than one sort marker (`+`/`-`)")
            .with_span(span)
            .with_help("sort on one key, or on the value (a marker after the array or on the value variable)"));
    }
    if let Some((op, sp)) = h.aggregate {
        if h.array_sort.is_none() {
            return Err(Diagnostic::error(format!("foreach: expected `+` or `-` after `{}`", op.as_str()))
                .with_span(sp)
                .with_help(format!("write `{} {}+` to sort by that statistic", h.array.name, op.as_str())));
        }
    }
    Ok(h)
}

pub fn mk_loop(head: LoopHead, body: Stmt, span: Span) -> Stmt {
    let kind = match head {
        LoopHead::While(cond) => StmtKind::While { cond, body: Box::new(body) },
        LoopHead::For(init, cond, step) => StmtKind::For { init, cond, step, body: Box::new(body) },
        LoopHead::Foreach(h, _) => {
            let mut sort = None;
            if let Some((_, Some(asc))) = &h.value {
                sort = Some(Sort { column: 0, ascending: *asc, aggregate: None });
            }
            for (i, (_, s)) in h.keys.iter().enumerate() {
                if let Some(asc) = s {
                    sort = Some(Sort { column: i + 1, ascending: *asc, aggregate: None });
                }
            }
            if let Some(asc) = h.array_sort {
                sort = Some(Sort { column: 0, ascending: asc, aggregate: h.aggregate.map(|a| a.0) });
            }
            StmtKind::Foreach(Box::new(Foreach {
                value: h.value.map(|v| v.0),
                keys: h.keys.into_iter().map(|k| k.0).collect(),
                bracketed: h.bracketed,
                array: h.array,
                slice: h.slice,
                sort,
                limit: h.limit,
                body,
                span,
            }))
        }
    };
    Stmt { kind, span }
}

pub fn bin(op: BinOp, a: Expr, b: Expr, span: Span) -> Expr {
    Expr::new(ExprKind::Binary { op, lhs: Box::new(a), rhs: Box::new(b) }, span)
}

pub fn target_all(s: &str) -> TargetAllKind {
    match s {
        "$$parms" => TargetAllKind::Parms,
        "$$locals" => TargetAllKind::Locals,
        "$$return" => TargetAllKind::Return,
        "$$name" => TargetAllKind::Name,
        "$$provider" => TargetAllKind::Provider,
        _ => TargetAllKind::Vars,
    }
}

pub fn un(op: UnaryOp, e: Expr, span: Span) -> Expr {
    Expr::new(ExprKind::Unary { op, operand: Box::new(e) }, span)
}

pub fn crement(op: CrementOp, e: Expr, span: Span) -> Expr {
    Expr::new(ExprKind::Crement { op, operand: Box::new(e) }, span)
}

pub fn mk_if(cond: Expr, then: Stmt, els: Option<Stmt>, span: Span) -> Stmt {
    Stmt { kind: StmtKind::If { cond, then: Box::new(then), els: els.map(Box::new) }, span }
}
