//! The optimisation of pass 2, as SystemTap's (it has no pass number of its own: its time
//! is pass 2's). Elaborate runs it after symbol and probe resolution and before type
//! inference, so that a dead arm, `@defined($x) ? $x : 0` where `$x` does not resolve,
//! is never type-checked. One job per file:
//!
//! - `defined.rs`: `@defined(expr)` answered per probe point (semantic: also under `-u`);
//! - `fold.rs`: constant folding of long and string literals, with the runtime's semantics;
//! - `prune.rs`: dead branches (`if`, `while`, `for`, `?:` with a constant condition);
//! - `unused.rs`: assignments to locals never read, side-effect-free expression statements.
//!
//! [`run`] goes before type inference (`@defined`, folding, dead `if`/`while`/`for`);
//! [`after_types`] after it (the `?:` arms and unused assignments: done earlier, they
//! would hide type errors). Unused globals and functions are left out by type inference
//! (`elaborate/types.rs`, which only reaches the functions the optimised probes call),
//! told by [`Settings::enabled`] whether to keep the script's unused ones (`-u`).

pub mod defined;
pub mod fold;
pub mod prune;
pub mod unused;

use crate::ast::{self, Expr, ExprKind, FileId, PathElem, Span, Stmt, StmtKind};
use crate::diag::Diagnostic;
use crate::passes::elaborate::Program;
use crate::passes::elaborate::points::Expanded;
use crate::passes::elaborate::symbols::SymbolTable;
use std::collections::BTreeSet;

/// What the optimiser is allowed to do.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// false with `-u`: only `@defined` is resolved (and the branches it decides pruned).
    pub enabled: bool,
    /// MAXSTRINGLEN as the module will be built (`-D MAXSTRINGLEN=N`), NUL included:
    /// a folded concatenation must not be longer than the runtime would make it.
    pub max_string_len: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings { enabled: true, max_string_len: 512 }
    }
}

/// What was done, for `-vv`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Expressions replaced by a literal.
    pub folded: usize,
    /// Branches and loops removed, conditions decided.
    pub pruned: usize,
    /// Statements and assignments elided as unused.
    pub elided: usize,
}

/// Before type inference: `@defined`, constant folding and dead branches. Optimises the
/// probes in place; returns the optimised copies of the functions they (transitively)
/// call, which replace the originals in the symbol table. With `-u`, the user's functions
/// are all kept, so all are returned.
pub(crate) fn run(
    table: &SymbolTable,
    probes: &mut Vec<Expanded>,
    settings: &Settings,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<ast::Function>, Stats) {
    let mut stats = Stats::default();
    let mut dropped_calls: Vec<(String, Span)> = Vec::new();
    // Points whose `@defined` answers differ get bodies of their own.
    let split = defined::split_by_answers(std::mem::take(probes), defined::target_resolves);
    *probes = split;
    for p in probes.iter_mut() {
        let point = p.points.first().map(|pt| pt.kind.clone());
        let resolve = |e: &Expr| {
            defined::is_defined(e, &|t: &Expr| match &point {
                Some(k) => defined::target_resolves(k, t),
                None => false,
            })
        };
        let mut pr = prune::Pruner::new(settings, false, &resolve);
        pr.block(&mut p.body);
        stats.add(pr.stats());
        dropped_calls.append(&mut pr.dropped_calls);
    }
    // The functions reachable from the optimised probes, each optimised in turn.
    let mut todo: Vec<String> = Vec::new();
    for p in probes.iter() {
        calls_in_block(&p.body, &mut |name, _| todo.push(name.to_string()));
    }
    if !settings.enabled {
        todo.extend(table.functions.values().filter(|f| f.span.file == table.user_file).map(|f| f.name.name.clone()));
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    while let Some(name) = todo.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let Some(f) = table.functions.get(name.as_str()) else { continue };
        let ast::FunctionBody::Script(_) = &f.body else { continue };
        let mut f: ast::Function = (*f).clone();
        let ast::FunctionBody::Script(body) = &mut f.body else { unreachable!() };
        // A function has no probe point: no target variable is defined in it (SystemTap
        // allows `$var` in probes only).
        let resolve = |e: &Expr| defined::is_defined(e, &|_: &Expr| false);
        let mut pr = prune::Pruner::new(settings, false, &resolve);
        pr.block(body);
        stats.add(pr.stats());
        dropped_calls.append(&mut pr.dropped_calls);
        calls_in_block(body, &mut |name, _| todo.push(name.to_string()));
        out.push(f);
    }
    // SystemTap resolves every name before it optimises: a call in dead code must still
    // name a function.
    let mut reported = BTreeSet::new();
    for (name, span) in dropped_calls {
        if !table.functions.contains_key(name.as_str())
            && !crate::passes::elaborate::BUILTINS.contains(&name.as_str())
            && reported.insert(name.clone())
        {
            diags.push(crate::passes::elaborate::unknown_function(table, &name, span));
        }
    }
    (out, stats)
}

/// After type inference, what would have hidden a type error before it (SystemTap does
/// these first, and so accepts `x = "a" * 2` when x is never read; rstap reports it):
/// `?:` with a constant condition, assignments to locals never read, side-effect-free
/// statements. Then the locals and functions nothing mentions any more go too.
pub(crate) fn after_types(
    program: &mut Program,
    settings: &Settings,
    user: FileId,
    diags: &mut Vec<Diagnostic>,
) -> Stats {
    let mut stats = Stats::default();
    if !settings.enabled {
        return stats;
    }
    let mut pure: BTreeSet<String> = program
        .functions
        .iter()
        .filter(|f| matches!(&f.body, ast::FunctionBody::EmbeddedC(c) if c.has_pragma("pure")))
        .map(|f| f.name.clone())
        .chain(["sprint", "sprintln", "sprintf", "sprintd"].map(String::from))
        .collect();
    // Script functions that only compute their result from pure calls (user_string_quoted,
    // the syscall aliases' helpers) are pure too: to a fixed point, as they call each other.
    loop {
        let more: Vec<String> = program
            .functions
            .iter()
            .filter(|f| !pure.contains(&f.name) && script_pure(f, &|n| pure.contains(n)))
            .map(|f| f.name.clone())
            .collect();
        if more.is_empty() {
            break;
        }
        pure.extend(more);
    }
    let pure_call = |name: &str| pure.contains(name);
    // No `@defined` is left: the first run answered them all.
    let resolve = |_: &Expr| false;
    for p in &mut program.probes {
        let mut pr = prune::Pruner::new(settings, true, &resolve);
        pr.block(&mut p.body);
        stats.add(pr.stats());
        let locals: BTreeSet<String> = p.locals.iter().map(|l| l.name.clone()).collect();
        stats.elided += unused::elide(&mut p.body, &|n| locals.contains(n), &pure_call, user, diags);
        let named = names_in_block(&p.body);
        p.locals.retain(|l| named.contains(&l.name));
    }
    for f in &mut program.functions {
        let ast::FunctionBody::Script(body) = &mut f.body else { continue };
        let mut pr = prune::Pruner::new(settings, true, &resolve);
        pr.block(body);
        stats.add(pr.stats());
        let locals: BTreeSet<String> = f.locals.iter().chain(&f.params).map(|l| l.name.clone()).collect();
        stats.elided += unused::elide(body, &|n| locals.contains(n), &pure_call, user, diags);
        let named = names_in_block(body);
        f.locals.retain(|l| named.contains(&l.name));
    }
    // Functions only the elided code called (pure tapset functions).
    let mut todo: Vec<String> = Vec::new();
    for p in &program.probes {
        calls_in_block(&p.body, &mut |name, _| todo.push(name.to_string()));
    }
    let mut reached = BTreeSet::new();
    while let Some(name) = todo.pop() {
        if !reached.insert(name.clone()) {
            continue;
        }
        if let Some(f) = program.functions.iter().find(|f| f.name == name) {
            if let ast::FunctionBody::Script(b) = &f.body {
                calls_in_block(b, &mut |name, _| todo.push(name.to_string()));
            }
        }
    }
    program.functions.retain(|f| reached.contains(&f.name));
    stats
}

/// Whether script function `f` changes nothing but its locals and calls only pure
/// functions: its calls may then be dropped like a pure embedded-C function's.
fn script_pure(f: &crate::passes::elaborate::FunctionInfo, pure_call: &dyn Fn(&str) -> bool) -> bool {
    let ast::FunctionBody::Script(body) = &f.body else { return false };
    let local = |n: &str| f.locals.iter().chain(&f.params).any(|l| l.name == n);
    fn stmt(s: &Stmt, local: &dyn Fn(&str) -> bool, pure_call: &dyn Fn(&str) -> bool) -> bool {
        let clean = |e: &Expr| !has_side_effects(e, pure_call);
        match &s.kind {
            StmtKind::Empty | StmtKind::Return(None) => true,
            StmtKind::Block(b) => b.stmts.iter().all(|s| stmt(s, local, pure_call)),
            StmtKind::If { cond, then, els } => clean(cond) && stmt(then, local, pure_call) && els.as_ref().is_none_or(|e| stmt(e, local, pure_call)),
            StmtKind::Return(Some(e)) => clean(e),
            StmtKind::Expr(e) => expr_stmt(e, local, pure_call),
            // Loops over locals (a path walk, a sum): bounded by MAXACTION like any loop.
            StmtKind::While { cond, body } => clean(cond) && stmt(body, local, pure_call),
            StmtKind::For { init, cond, step, body } => {
                init.as_ref().is_none_or(|e| expr_stmt(e, local, pure_call))
                    && cond.as_ref().is_none_or(clean)
                    && step.as_ref().is_none_or(|e| expr_stmt(e, local, pure_call))
                    && stmt(body, local, pure_call)
            }
            StmtKind::Break | StmtKind::Continue => true,
            _ => false,
        }
    }
    // An expression statement: a local's assignment (`=`, `+=`, `.=`, ++/--) or a clean one.
    fn expr_stmt(e: &Expr, local: &dyn Fn(&str) -> bool, pure_call: &dyn Fn(&str) -> bool) -> bool {
        let clean = |e: &Expr| !has_side_effects(e, pure_call);
        match &e.kind {
            ExprKind::Assign { op, lhs, rhs } if *op != ast::AssignOp::Aggregate => {
                matches!(&lhs.kind, ExprKind::Var(n) if local(n)) && clean(rhs)
            }
            ExprKind::Crement { operand, .. } => matches!(&operand.kind, ExprKind::Var(n) if local(n)),
            _ => clean(e),
        }
    }
    body.stmts.iter().all(|s| stmt(s, &local, pure_call))
}

/// Every variable a block names: read, written, foreach and catch variables.
fn names_in_block(b: &ast::Block) -> BTreeSet<String> {
    fn stmt(s: &Stmt, out: &mut BTreeSet<String>) {
        match &s.kind {
            StmtKind::Block(b) => b.stmts.iter().for_each(|s| stmt(s, out)),
            StmtKind::If { then, els, .. } => {
                stmt(then, out);
                if let Some(e) = els {
                    stmt(e, out);
                }
            }
            StmtKind::While { body, .. } | StmtKind::For { body, .. } => stmt(body, out),
            StmtKind::Foreach(f) => {
                out.extend(f.keys.iter().chain(&f.value).map(|k| k.name.clone()));
                stmt(&f.body, out);
            }
            StmtKind::Try { body, catch_var, catch_body } => {
                body.stmts.iter().for_each(|s| stmt(s, out));
                out.extend(catch_var.iter().map(|v| v.name.clone()));
                catch_body.iter().flat_map(|c| &c.stmts).for_each(|s| stmt(s, out));
            }
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk_block(b, &mut |e| {
        if let ExprKind::Var(name) = &e.kind {
            out.insert(name.clone());
        }
    });
    b.stmts.iter().for_each(|s| stmt(s, &mut out));
    out
}

impl Stats {
    pub fn add(&mut self, o: Stats) {
        self.folded += o.folded;
        self.pruned += o.pruned;
        self.elided += o.elided;
    }
}

/// Whether evaluating `e` can change anything or fail: only such an expression may be
/// dropped when its value is not needed. `pure_call` says which calls are pure.
pub fn has_side_effects(e: &Expr, pure_call: &dyn Fn(&str) -> bool) -> bool {
    let own = match &e.kind {
        ExprKind::Literal(_) | ExprKind::Var(_) | ExprKind::Unary { .. } | ExprKind::Ternary { .. } => false,
        ExprKind::Index { .. } | ExprKind::In { .. } => false,
        ExprKind::Binary { op, rhs, .. } => match op {
            // Division by zero is a runtime error, which must stay.
            ast::BinOp::Div | ast::BinOp::Mod => {
                !matches!(rhs.kind, ExprKind::Literal(ast::Literal::Num(n)) if n != 0)
            }
            ast::BinOp::RegexMatch | ast::BinOp::RegexNoMatch => true,
            _ => false,
        },
        ExprKind::Call { func, .. } => !pure_call(&func.name),
        // Reads of target variables, casts, `@var` and `@entry` values change nothing; one
        // may fault, but, as in SystemTap, a read whose value is never used is dropped with
        // its fault (an alias's unused variables cost nothing: vfs.read's pathname).
        ExprKind::Target { .. }
        | ExprKind::TargetAll { .. }
        | ExprKind::AddrOf(_)
        | ExprKind::Cast { .. }
        | ExprKind::AtVar { .. }
        | ExprKind::Entry(_) => false,
        // Assignments, ++/--, statistics extractors (an empty one is an error), embedded
        // C, ...
        _ => true,
    };
    if own {
        return true;
    }
    let mut any = false;
    children(e, &mut |c| any = any || has_side_effects(c, pure_call));
    any
}

/// Calls `f` on each direct subexpression of `e`, in evaluation order.
pub fn children(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    match &e.kind {
        ExprKind::Literal(_)
        | ExprKind::Var(_)
        | ExprKind::TargetAll { .. }
        | ExprKind::Perf(_)
        | ExprKind::EmbeddedC(_) => {}
        ExprKind::Index { indices: v, .. } | ExprKind::Call { args: v, .. } => v.iter().for_each(f),
        ExprKind::Target { path, .. } | ExprKind::AtVar { path, .. } => path_exprs(path, f),
        ExprKind::Cast { operand, path, .. } => {
            f(operand);
            path_exprs(path, f);
        }
        ExprKind::Defined(x)
        | ExprKind::Entry(x)
        | ExprKind::AddrOf(x)
        | ExprKind::HistLog(x)
        | ExprKind::Stat { operand: x, .. }
        | ExprKind::Unary { operand: x, .. }
        | ExprKind::Crement { operand: x, .. } => f(x),
        ExprKind::HistLinear { operand, lo, hi, step } => {
            f(operand);
            f(lo);
            f(hi);
            f(step);
        }
        ExprKind::Binary { lhs, rhs, .. }
        | ExprKind::Assign { lhs, rhs, .. }
        | ExprKind::HistIndex { hist: lhs, index: rhs } => {
            f(lhs);
            f(rhs);
        }
        ExprKind::Ternary { cond, then, els } => {
            f(cond);
            f(then);
            f(els);
        }
        ExprKind::In { keys, .. } => keys.iter().flatten().for_each(f),
    }
}

fn path_exprs(path: &[PathElem], f: &mut dyn FnMut(&Expr)) {
    for p in path {
        if let PathElem::Index(x) = p {
            f(x);
        }
    }
}

/// [`children`], mutably.
pub fn children_mut(e: &mut Expr, f: &mut dyn FnMut(&mut Expr)) {
    match &mut e.kind {
        ExprKind::Literal(_)
        | ExprKind::Var(_)
        | ExprKind::TargetAll { .. }
        | ExprKind::Perf(_)
        | ExprKind::EmbeddedC(_) => {}
        ExprKind::Index { indices: v, .. } | ExprKind::Call { args: v, .. } => v.iter_mut().for_each(f),
        ExprKind::Target { path, .. } | ExprKind::AtVar { path, .. } => path_exprs_mut(path, f),
        ExprKind::Cast { operand, path, .. } => {
            f(operand);
            path_exprs_mut(path, f);
        }
        ExprKind::Defined(x)
        | ExprKind::Entry(x)
        | ExprKind::AddrOf(x)
        | ExprKind::HistLog(x)
        | ExprKind::Stat { operand: x, .. }
        | ExprKind::Unary { operand: x, .. }
        | ExprKind::Crement { operand: x, .. } => f(x),
        ExprKind::HistLinear { operand, lo, hi, step } => {
            f(operand);
            f(lo);
            f(hi);
            f(step);
        }
        ExprKind::Binary { lhs, rhs, .. }
        | ExprKind::Assign { lhs, rhs, .. }
        | ExprKind::HistIndex { hist: lhs, index: rhs } => {
            f(lhs);
            f(rhs);
        }
        ExprKind::Ternary { cond, then, els } => {
            f(cond);
            f(then);
            f(els);
        }
        ExprKind::In { keys, .. } => keys.iter_mut().flatten().for_each(f),
    }
}

fn path_exprs_mut(path: &mut [PathElem], f: &mut dyn FnMut(&mut Expr)) {
    for p in path {
        if let PathElem::Index(x) = p {
            f(x);
        }
    }
}

/// Calls `f` on every expression of a statement, subexpressions included (pre-order).
pub fn walk_stmt(s: &Stmt, f: &mut dyn FnMut(&Expr)) {
    fn deep(e: &Expr, f: &mut dyn FnMut(&Expr)) {
        f(e);
        children(e, &mut |c| deep(c, f));
    }
    match &s.kind {
        StmtKind::Block(b) => walk_block(b, f),
        StmtKind::Expr(e) | StmtKind::Delete(e) | StmtKind::Return(Some(e)) => deep(e, f),
        StmtKind::If { cond, then, els } => {
            deep(cond, f);
            walk_stmt(then, f);
            if let Some(e) = els {
                walk_stmt(e, f);
            }
        }
        StmtKind::While { cond, body } => {
            deep(cond, f);
            walk_stmt(body, f);
        }
        StmtKind::For { init, cond, step, body } => {
            for e in [init, cond, step].into_iter().flatten() {
                deep(e, f);
            }
            walk_stmt(body, f);
        }
        StmtKind::Foreach(fe) => {
            for k in fe.slice.iter().flatten().flatten() {
                deep(k, f);
            }
            if let Some(l) = &fe.limit {
                deep(l, f);
            }
            walk_stmt(&fe.body, f);
        }
        StmtKind::Try { body, catch_body, .. } => {
            walk_block(body, f);
            if let Some(c) = catch_body {
                walk_block(c, f);
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

pub fn walk_block(b: &ast::Block, f: &mut dyn FnMut(&Expr)) {
    for s in &b.stmts {
        walk_stmt(s, f);
    }
}

/// The functions a block calls, with where.
pub fn calls_in_block(b: &ast::Block, f: &mut dyn FnMut(&str, Span)) {
    walk_block(b, &mut |e| {
        if let ExprKind::Call { func, .. } = &e.kind {
            f(&func.name, func.span);
        }
    });
}

/// Whether an expression contains `@defined`.
pub fn contains_defined(e: &Expr) -> bool {
    if matches!(e.kind, ExprKind::Defined(_)) {
        return true;
    }
    let mut any = false;
    children(e, &mut |c| any = any || contains_defined(c));
    any
}

/// Calls `f` on each statement's top-level expressions (not their subexpressions), mutably.
pub fn top_exprs_mut(b: &mut ast::Block, f: &mut dyn FnMut(&mut Expr)) {
    for s in &mut b.stmts {
        top_exprs_stmt_mut(s, f);
    }
}

fn top_exprs_stmt_mut(s: &mut Stmt, f: &mut dyn FnMut(&mut Expr)) {
    match &mut s.kind {
        StmtKind::Block(b) => top_exprs_mut(b, f),
        StmtKind::Expr(e) | StmtKind::Delete(e) | StmtKind::Return(Some(e)) => f(e),
        StmtKind::If { cond, then, els } => {
            f(cond);
            top_exprs_stmt_mut(then, f);
            if let Some(e) = els {
                top_exprs_stmt_mut(e, f);
            }
        }
        StmtKind::While { cond, body } => {
            f(cond);
            top_exprs_stmt_mut(body, f);
        }
        StmtKind::For { init, cond, step, body } => {
            for e in [init, cond, step].into_iter().flatten() {
                f(e);
            }
            top_exprs_stmt_mut(body, f);
        }
        StmtKind::Foreach(fe) => {
            for k in fe.slice.iter_mut().flatten().flatten() {
                f(k);
            }
            if let Some(l) = &mut fe.limit {
                f(l);
            }
            top_exprs_stmt_mut(&mut fe.body, f);
        }
        StmtKind::Try { body, catch_body, .. } => {
            top_exprs_mut(body, f);
            if let Some(c) = catch_body {
                top_exprs_mut(c, f);
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
