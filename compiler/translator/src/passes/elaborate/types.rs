//! Type inference: every global, local, parameter and return value is a
//! long or a string, found by propagation to a fixed point; a conflict is
//! an error naming both places.

use super::points::Expanded;
use super::symbols::SymbolTable;
use super::{ArrayInfo, FunctionInfo, GlobalInfo, Hist, LocalInfo, Program, ProbeInfo, StatInfo};
use crate::ast::{self, AssignOp, BinOp, Expr, ExprKind, Span, Stmt, StmtKind, Type};
use crate::diag::Diagnostic;
use crate::format;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Functions the language itself provides (the rest come from tapsets).
pub const BUILTINS: &[&str] = &["print", "println", "printf", "sprintf", "printd", "printdln", "sprintd", "sprint", "sprintln"];

type Typed = Option<(Type, Span)>;

#[derive(Default, Clone)]
struct FnSig {
    params: Vec<Typed>,
    ret: Typed,
    /// Whether it returns a value at all (an annotation or a `return expr`).
    returns_value: bool,
}

#[derive(Default)]
struct Scope {
    locals: BTreeMap<String, Typed>,
    /// Order of first appearance, for a stable frame layout.
    order: Vec<String>,
    reads: BTreeSet<usize>,
    writes: BTreeSet<usize>,
    calls: BTreeSet<String>,
    /// Locals given a value somewhere (assigned, foreach and catch variables).
    assigned: BTreeSet<String>,
    /// Where each local is first read.
    read_at: BTreeMap<String, Span>,
}

/// What a global turned out to be besides its value type.
#[derive(Default, Clone)]
struct GlobalUse {
    /// Used as an array: its number of keys, and where first.
    array: Option<(usize, Span)>,
    /// Used as a scalar value (not an array), where first.
    scalar: Option<Span>,
    keys: Vec<Typed>,
    /// Used as statistics (`<<<`, `@count`...), where first.
    stat: Option<Span>,
    /// Used as a plain value (read or assigned), where first.
    value: Option<Span>,
    hist: Option<(Hist, Span)>,
    sorted: bool,
}

struct Infer<'t, 'a> {
    table: &'t SymbolTable<'a>,
    globals: Vec<Typed>,
    uses: Vec<GlobalUse>,
    /// Arrays iterated by the enclosing foreach statements (sorted or not).
    foreach_stack: Vec<(usize, bool)>,
    sigs: HashMap<String, FnSig>,
    changed: bool,
    report: bool,
    diags: Vec<Diagnostic>,
    /// The call that is a whole statement (its value, if any, unused): the one place a
    /// function that returns nothing may be called.
    statement_call: Option<Span>,
    /// The probes' target variables, and which probe is being walked (None: a function).
    target_tables: &'t [super::targets::TargetTable],
    cur_targets: Option<usize>,
    /// `@cast` accesses by span (casts.rs).
    casts: &'t super::casts::CastTable,
    /// The patterns of `=~`/`!~` that compiled, distinct, in order of first use.
    regexes: Vec<Vec<u8>>,
}

fn name_of(t: Type) -> &'static str {
    match t {
        Type::Long => "long",
        Type::String => "string",
    }
}

/// `keep_unused` (`-u`): the script's unused globals and functions stay in the module.
pub fn infer<'t>(
    table: &'t SymbolTable,
    probes: Vec<Expanded>,
    target_tables: &'t [super::targets::TargetTable],
    casts: &'t super::casts::CastTable,
    keep_unused: bool,
    diags: &mut Vec<Diagnostic>,
) -> Option<Program> {
    let mut inf = Infer {
        table,
        globals: table.globals.iter().map(|g| g.init.as_ref().map(|l| (lit_type(l), g.span))).collect(),
        uses: vec![GlobalUse::default(); table.globals.len()],
        foreach_stack: Vec::new(),
        sigs: HashMap::new(),
        changed: true,
        report: false,
        diags: Vec::new(),
        statement_call: None,
        target_tables,
        cur_targets: None,
        casts,
        regexes: Vec::new(),
    };
    // Reachable functions, from the probes' bodies.
    let used = inf.reachable(&probes, keep_unused);
    for name in &used {
        let f = table.functions[name.as_str()];
        let sig = FnSig {
            params: f.params.iter().map(|p| p.ty.map(|t| (t.ty, t.span))).collect(),
            ret: f.ret.map(|t| (t.ty, t.span)),
            returns_value: f.ret.is_some() || matches!(&f.body, ast::FunctionBody::Script(b) if has_return_value(b)),
        };
        inf.sigs.insert(name.clone(), sig);
    }
    let mut probe_scopes: Vec<Scope> = probes.iter().map(|_| Scope::default()).collect();
    let mut fn_scopes: BTreeMap<String, Scope> = used.iter().map(|n| (n.clone(), Scope::default())).collect();
    for _round in 0..64 {
        inf.changed = false;
        for (i, (p, s)) in probes.iter().zip(probe_scopes.iter_mut()).enumerate() {
            inf.cur_targets = Some(i);
            inf.block(&p.body, s, None);
        }
        inf.cur_targets = None;
        for (name, s) in fn_scopes.iter_mut() {
            inf.function(table.functions[name.as_str()], s);
        }
        if !inf.changed {
            break;
        }
    }
    // A last walk reports the conflicts and what stayed unknown.
    inf.report = true;
    for (i, (p, s)) in probes.iter().zip(probe_scopes.iter_mut()).enumerate() {
        inf.cur_targets = Some(i);
        inf.block(&p.body, s, None);
    }
    inf.cur_targets = None;
    for (name, s) in fn_scopes.iter_mut() {
        inf.function(table.functions[name.as_str()], s);
    }
    let mut program = Program::default();
    // Globals that reachable code reads or writes.
    let mut used_globals: BTreeSet<usize> = BTreeSet::new();
    for sc in probe_scopes.iter().chain(fn_scopes.values()) {
        used_globals.extend(&sc.reads);
        used_globals.extend(&sc.writes);
    }
    for (i, g) in table.globals.iter().enumerate() {
        let u = inf.uses[i].clone();
        if let (Some((_, at)), Some(sc)) = (u.array, u.scalar) {
            inf.diags.push(
                Diagnostic::error(format!("'{}' is used as a scalar here", g.name.name))
                    .with_span(sc)
                    .with_label(at, "but as an array here"),
            );
        }
        if let (Some(st), Some(v)) = (u.stat, u.value) {
            inf.diags.push(
                Diagnostic::error(format!("'{}' holds statistics: it cannot be used as a value here", g.name.name))
                    .with_span(v)
                    .with_label(st, "it is given statistics here")
                    .with_help("read statistics with @count, @sum, @min, @max, @avg, @variance or a histogram"),
            );
        }
        if (g.max_entries.is_some() || g.wrap) && u.scalar.is_some() && u.array.is_none() {
            inf.diags.push(
                Diagnostic::error(format!("'{}' is declared as an array but used as a scalar", g.name.name))
                    .with_span(u.scalar.unwrap()),
            );
        }
        let array = u.array.map(|(n, _)| ArrayInfo {
            keys: (0..n)
                .map(|k| match u.keys.get(k).copied().flatten() {
                    Some((t, _)) => t,
                    None => {
                        inf.diags.push(
                            Diagnostic::warning(format!(
                                "the type of key {} of '{}' is never known; it is a long",
                                k + 1,
                                g.name.name
                            ))
                            .with_span(g.name.span),
                        );
                        Type::Long
                    }
                })
                .collect(),
            max_entries: g.max_entries,
            wrap: g.wrap,
            sorted: u.sorted,
        });
        let stat = u.stat.map(|_| StatInfo { hist: u.hist.map(|h| h.0) });
        if let Some(n) = g.max_entries {
            if n <= 0 || n > 1 << 24 {
                inf.diags.push(
                    Diagnostic::error(format!("the size of '{}' must be between 1 and {}", g.name.name, 1 << 24))
                        .with_span(g.span),
                );
            }
        }
        let ty = match inf.globals[i] {
            Some((t, _)) => t,
            None if stat.is_some() => Type::Long,
            None if g.span.file == table.user_file && u.array.is_none() && u.scalar.is_none() => Type::Long,
            // A tapset's global that this script never reaches: dropped below.
            None if g.span.file != table.user_file && !used_globals.contains(&i) => Type::Long,
            None => {
                inf.diags.push(
                    Diagnostic::warning(format!("global '{}' is never given a value; it is a long", g.name.name))
                        .with_span(g.name.span),
                );
                Type::Long
            }
        };
        program.globals.push(GlobalInfo {
            name: g.name.name.clone(),
            ty,
            init: g.init.clone(),
            span: g.span,
            array,
            stat,
        });
    }
    // A type left unknown is often the echo of an earlier mistake (a call with the wrong
    // number of arguments types nothing): reported only when nothing else is.
    let mut unknown_types = Vec::new();
    for (name, scope) in &fn_scopes {
        let f = table.functions[name.as_str()];
        let sig = &inf.sigs[name];
        let mut params = Vec::new();
        for (p, t) in f.params.iter().zip(&sig.params) {
            let ty = match t {
                Some((t, _)) => *t,
                None => {
                    unknown_types.push(unresolved("parameter", &p.name.name, p.name.span));
                    Type::Long
                }
            };
            params.push(LocalInfo { name: p.name.name.clone(), ty });
        }
        let ret = if sig.returns_value {
            Some(match sig.ret {
                Some((t, _)) => t,
                None => {
                    unknown_types.push(unresolved("return value of", name, f.name.span));
                    Type::Long
                }
            })
        } else {
            None
        };
        let locals = inf.locals_of(scope, &f.params);
        program.functions.push(FunctionInfo { name: name.clone(), params, ret, body: f.body.clone(), locals, span: f.span });
    }
    // A probe locks what it and every function it calls (transitively) use.
    let closure = |scope: &Scope| -> (BTreeSet<usize>, BTreeSet<usize>) {
        let (mut r, mut w) = (scope.reads.clone(), scope.writes.clone());
        let mut todo: Vec<&String> = scope.calls.iter().collect();
        let mut seen = BTreeSet::new();
        while let Some(f) = todo.pop() {
            if !seen.insert(f.clone()) {
                continue;
            }
            if let Some(s) = fn_scopes.get(f) {
                r.extend(&s.reads);
                w.extend(&s.writes);
                todo.extend(s.calls.iter());
            }
        }
        r.retain(|g| !w.contains(g));
        (r, w)
    };
    for (i, (p, scope)) in probes.into_iter().zip(&probe_scopes).enumerate() {
        let (reads, writes) = closure(scope);
        let locals = inf.locals_of(scope, &[]);
        let targets = target_tables.get(i).cloned().unwrap_or_default();
        program.probes.push(ProbeInfo { points: p.points, body: p.body, locals, reads, writes, span: p.span, targets });
    }
    program.embedded = table.embedded.iter().map(|c| (c.span.file, c.code.clone())).collect();
    program.regexes = std::mem::take(&mut inf.regexes);
    // Warnings like SystemTap's: what the user's script declares but never uses.
    let user = table.user_file;
    for (i, g) in table.globals.iter().enumerate() {
        if g.span.file == user && !used_globals.contains(&i) && !keep_unused {
            inf.diags.push(
                Diagnostic::warning(format!("eliding unused variable '{}'", super::private::display_name(&g.name.name)))
                    .with_span(g.name.span),
            );
        }
    }
    // Globals that nothing reachable uses stay out of the module (with -u, the script's stay).
    let keep: Vec<bool> = table
        .globals
        .iter()
        .enumerate()
        .map(|(i, g)| (keep_unused && g.span.file == user) || used_globals.contains(&i))
        .collect();
    if keep.contains(&false) {
        let mut remap = vec![usize::MAX; keep.len()];
        let mut n = 0;
        for (i, _) in keep.iter().enumerate().filter(|(_, k)| **k) {
            remap[i] = n;
            n += 1;
        }
        let mut i = 0;
        program.globals.retain(|_| {
            i += 1;
            keep[i - 1]
        });
        for p in &mut program.probes {
            p.reads = p.reads.iter().map(|g| remap[*g]).collect();
            p.writes = p.writes.iter().map(|g| remap[*g]).collect();
        }
    }
    let mut unused_fns: Vec<&ast::Function> =
        table.functions.values().filter(|f| f.span.file == user && !used.contains(&f.name.name)).copied().collect();
    unused_fns.sort_by_key(|f| f.span.start);
    for f in unused_fns {
        inf.diags.push(Diagnostic::warning(format!("eliding unused function '{}'", f.name.name)).with_span(f.name.span));
    }
    let params_of = |name: &str| -> Vec<String> {
        table.functions.get(name).map(|f| f.params.iter().map(|p| p.name.name.clone()).collect()).unwrap_or_default()
    };
    let mut scopes: Vec<(&Scope, Vec<String>)> = probe_scopes.iter().map(|sc| (sc, Vec::new())).collect();
    scopes.extend(fn_scopes.iter().map(|(n, sc)| (sc, params_of(n))));
    for (sc, params) in scopes {
        for (name, at) in &sc.read_at {
            if at.file == user && !sc.assigned.contains(name) && !params.contains(name) {
                // Another file's private global: not visible here, so not a variable at all.
                if let Some((decl, label)) = table.privates.label(false, name, at.file) {
                    inf.diags.push(
                        Diagnostic::error(format!("unresolved variable '{name}': no global '{name}' is visible here"))
                            .with_span(*at)
                            .with_label(decl, label),
                    );
                    continue;
                }
                inf.diags.push(
                    Diagnostic::warning(format!("never-assigned local variable '{name}'"))
                        .with_span(*at)
                        .with_help("it always reads as 0 or \"\""),
                );
            }
        }
    }
    if !inf.diags.iter().any(Diagnostic::is_error) {
        inf.diags.append(&mut unknown_types);
    }
    // One message per mistake: the same check may run on a place twice.
    let mut seen = BTreeSet::new();
    inf.diags.retain(|d| seen.insert(format!("{d:?}")));
    let failed = inf.diags.iter().any(Diagnostic::is_error);
    diags.append(&mut inf.diags);
    (!failed).then_some(program)
}

/// A call of a function that neither the script nor the tapsets define.
pub fn unknown_function(table: &SymbolTable, name: &str, span: Span) -> Diagnostic {
    let near = crate::diag::closest(name, table.functions.keys().copied().chain(BUILTINS.iter().copied()));
    let help = match near {
        Some(n) => format!("a function with a similar name exists: `{n}`"),
        None => "define it with `function`, or check the tapset function's name".to_string(),
    };
    let d = Diagnostic::error(format!("unknown function '{name}'")).with_span(span).with_help(help);
    match table.privates.label(true, name, span.file) {
        Some((decl, label)) => d.with_label(decl, label),
        None => d,
    }
}

fn unresolved(what: &str, name: &str, span: Span) -> Diagnostic {
    Diagnostic::error(format!("cannot tell the type of {what} '{name}'"))
        .with_span(span)
        .with_help("give it a value (a number or a string) somewhere, or annotate it (name:long, name:string)")
}

/// A number literal, possibly negated: histogram bounds.
pub fn const_long(e: &Expr) -> Option<i64> {
    match &e.kind {
        ExprKind::Literal(ast::Literal::Num(n)) => Some(*n),
        ExprKind::Unary { op: ast::UnaryOp::Neg, operand } => const_long(operand).map(|n| n.wrapping_neg()),
        ExprKind::Unary { op: ast::UnaryOp::Plus, operand } => const_long(operand),
        _ => None,
    }
}

fn lit_type(l: &ast::Literal) -> Type {
    match l {
        ast::Literal::Num(_) => Type::Long,
        ast::Literal::Str(_) => Type::String,
    }
}

fn has_return_value(b: &ast::Block) -> bool {
    fn stmt(s: &Stmt) -> bool {
        match &s.kind {
            StmtKind::Return(Some(_)) => true,
            StmtKind::Block(b) => has_return_value(b),
            StmtKind::If { then, els, .. } => stmt(then) || els.as_deref().is_some_and(stmt),
            StmtKind::While { body, .. } | StmtKind::For { body, .. } => stmt(body),
            StmtKind::Foreach(f) => stmt(&f.body),
            StmtKind::Try { body, catch_body, .. } => {
                has_return_value(body) || catch_body.as_ref().is_some_and(has_return_value)
            }
            _ => false,
        }
    }
    b.stmts.iter().any(stmt)
}

impl Infer<'_, '_> {
    fn reachable(&mut self, probes: &[Expanded], keep_unused: bool) -> BTreeSet<String> {
        let mut used = BTreeSet::new();
        let mut todo: Vec<(String, Span)> = Vec::new();
        for p in probes {
            collect_calls_block(&p.body, &mut todo);
        }
        if keep_unused {
            let user = self.table.functions.values().filter(|f| f.span.file == self.table.user_file);
            todo.extend(user.map(|f| (f.name.name.clone(), f.name.span)));
        }
        while let Some((name, span)) = todo.pop() {
            if BUILTINS.contains(&name.as_str()) || used.contains(&name) {
                continue;
            }
            match self.table.functions.get(name.as_str()) {
                Some(f) => {
                    used.insert(name);
                    if let ast::FunctionBody::Script(b) = &f.body {
                        collect_calls_block(b, &mut todo);
                    }
                }
                None => self.diags.push(unknown_function(self.table, &name, span)),
            }
        }
        used
    }

    fn locals_of(&mut self, scope: &Scope, params: &[ast::Param]) -> Vec<LocalInfo> {
        let mut v = Vec::new();
        for name in &scope.order {
            if params.iter().any(|p| p.name.name == *name) {
                continue;
            }
            match scope.locals[name] {
                Some((ty, _)) => v.push(LocalInfo { name: name.clone(), ty }),
                None => v.push(LocalInfo { name: name.clone(), ty: Type::Long }),
            }
        }
        v
    }

    fn function(&mut self, f: &ast::Function, scope: &mut Scope) {
        let ast::FunctionBody::Script(body) = &f.body else { return };
        // Parameters live in the scope too; keep them in sync with the signature.
        let sig = self.sigs[f.name.name.as_str()].clone();
        for (p, t) in f.params.iter().zip(&sig.params) {
            let entry = scope.locals.entry(p.name.name.clone()).or_insert(None);
            if entry.is_none() && t.is_some() {
                *entry = *t;
                self.changed = true;
            }
        }
        self.block(body, scope, Some(&f.name.name));
        let sig = self.sigs.get_mut(f.name.name.as_str()).unwrap();
        for (i, p) in f.params.iter().enumerate() {
            if sig.params[i].is_none() {
                if let Some(t) = scope.locals.get(&p.name.name).copied().flatten() {
                    sig.params[i] = Some(t);
                    self.changed = true;
                }
            }
        }
    }

    fn block(&mut self, b: &ast::Block, s: &mut Scope, func: Option<&str>) {
        for st in &b.stmts {
            self.stmt(st, s, func);
        }
    }

    fn stmt(&mut self, st: &Stmt, s: &mut Scope, func: Option<&str>) {
        match &st.kind {
            StmtKind::Block(b) => self.block(b, s, func),
            StmtKind::Empty | StmtKind::Break | StmtKind::Continue => {}
            StmtKind::Next => {
                if func.is_some() && self.report {
                    self.diags.push(Diagnostic::error("'next' is only allowed in a probe").with_span(st.span));
                }
            }
            StmtKind::Expr(e) => {
                self.statement_call = matches!(e.kind, ExprKind::Call { .. }).then_some(e.span);
                self.expr(e, s, None);
            }
            StmtKind::If { cond, then, els } => {
                self.cond(cond, s);
                self.stmt(then, s, func);
                if let Some(e) = els {
                    self.stmt(e, s, func);
                }
            }
            StmtKind::While { cond, body } => {
                self.cond(cond, s);
                self.stmt(body, s, func);
            }
            StmtKind::For { init, cond, step, body } => {
                if let Some(e) = init {
                    self.expr(e, s, None);
                }
                if let Some(e) = cond {
                    self.cond(e, s);
                }
                if let Some(e) = step {
                    self.expr(e, s, None);
                }
                self.stmt(body, s, func);
            }
            StmtKind::Return(e) => match (func, e) {
                (None, _) => {
                    if self.report {
                        self.diags.push(
                            Diagnostic::error("'return' is only allowed in a function")
                                .with_span(st.span)
                                .with_help("use 'next' to leave a probe early"),
                        );
                    }
                }
                (Some(f), Some(e)) => {
                    let want = self.sigs[f].ret.map(|(t, _)| t);
                    if let Some(t) = self.expr(e, s, want) {
                        let sig = self.sigs.get_mut(f).unwrap();
                        match sig.ret {
                            None => {
                                sig.ret = Some((t, e.span));
                                self.changed = true;
                            }
                            Some((rt, rspan)) if rt != t && self.report => {
                                self.diags.push(conflict("the return value", t, e.span, rt, rspan));
                            }
                            _ => {}
                        }
                    }
                }
                (Some(_), None) => {}
            },
            StmtKind::Delete(e) => self.delete(e, s),
            StmtKind::Foreach(f) => self.foreach(f, s, func),
            StmtKind::Try { body, catch_var, catch_body } => {
                self.block(body, s, func);
                if let Some(v) = catch_var {
                    if self.table.global_index.contains_key(v.name.as_str()) && !s.locals.contains_key(&v.name) {
                        if self.report {
                            self.diags.push(
                                Diagnostic::error(format!("the catch variable '{}' must not be a global", v.name))
                                    .with_span(v.span),
                            );
                        }
                    } else {
                        self.note_var(&v.name, s, true);
                        s.assigned.insert(v.name.clone());
                        self.set_var(&v.name, v.span, Type::String, s);
                    }
                }
                if let Some(c) = catch_body {
                    self.block(c, s, func);
                }
            }
            StmtKind::EmbeddedC(c) => {
                if self.report {
                    self.diags.push(unsupported("embedded C in a body", c.span));
                }
            }
        }
    }

    /// The global a name means here (a local or parameter hides it).
    fn global_of(&self, name: &str, s: &Scope) -> Option<usize> {
        if s.locals.contains_key(name) {
            return None;
        }
        self.table.global_index.get(name).copied()
    }

    fn note_global(&mut self, g: usize, s: &mut Scope, write: bool) {
        if write {
            s.writes.insert(g);
        } else {
            s.reads.insert(g);
        }
    }

    /// A plain variable reference: a global used so is a scalar value.
    fn scalar_use(&mut self, name: &str, span: Span, s: &Scope) {
        if let Some(g) = self.global_of(name, s) {
            let u = &mut self.uses[g];
            if u.scalar.is_none() {
                u.scalar = Some(span);
            }
            if u.value.is_none() {
                u.value = Some(span);
            }
        }
    }

    fn set_global(&mut self, g: usize, t: Type, span: Span) {
        match self.globals[g] {
            None => {
                self.globals[g] = Some((t, span));
                self.changed = true;
            }
            Some((have, at)) if have != t && self.report => {
                let name = &self.table.globals[g].name.name;
                self.diags.push(conflict(&format!("'{name}'"), t, span, have, at));
            }
            _ => {}
        }
    }

    /// `name[...]` with `n` keys: the global array it names.
    fn array_use(&mut self, name: &ast::Ident, n: usize, s: &Scope) -> Option<usize> {
        let Some(g) = self.global_of(&name.name, s) else {
            if self.report {
                let mut d = Diagnostic::error(format!("'{}' is not a global: arrays must be global", name.name))
                    .with_span(name.span)
                    .with_help(format!("declare it at the top level: global {}", name.name));
                if let Some((decl, label)) = self.table.privates.label(false, &name.name, name.span.file) {
                    d = d.with_label(decl, label);
                }
                self.diags.push(d);
            }
            return None;
        };
        if n == 0 || n > 9 {
            if self.report {
                self.diags.push(Diagnostic::error("an array has one to nine keys").with_span(name.span));
            }
            return None;
        }
        let u = &mut self.uses[g];
        match u.array {
            None => {
                u.array = Some((n, name.span));
                u.keys.resize(n, None);
            }
            Some((m, at)) if m != n => {
                if self.report {
                    self.diags.push(
                        Diagnostic::error(format!(
                            "'{}' is used with {n} key{} here",
                            name.name,
                            if n == 1 { "" } else { "s" }
                        ))
                        .with_span(name.span)
                        .with_label(at, format!("but with {m} here")),
                    );
                }
                return None;
            }
            _ => {}
        }
        Some(g)
    }

    /// The keys of an access to array g (`None`: a `*` wildcard).
    fn key_types(&mut self, g: usize, keys: &[Option<&Expr>], s: &mut Scope) {
        for (i, k) in keys.iter().enumerate() {
            let Some(k) = k else { continue };
            let want = self.uses[g].keys[i].map(|(t, _)| t);
            let got = self.expr(k, s, want);
            match (self.uses[g].keys[i], got) {
                (None, Some(t)) => {
                    self.uses[g].keys[i] = Some((t, k.span));
                    self.changed = true;
                }
                (Some((have, at)), Some(t)) if have != t && self.report => {
                    let name = &self.table.globals[g].name.name;
                    self.diags.push(conflict(&format!("key {} of '{name}'", i + 1), t, k.span, have, at));
                }
                _ => {}
            }
        }
    }

    /// The operand of `<<<` or of an extractor: a global statistic or an
    /// element of a global statistics array.
    fn stat_target(&mut self, e: &Expr, s: &mut Scope, add: bool) -> Option<usize> {
        let g = match &e.kind {
            ExprKind::Var(name) => {
                let Some(g) = self.global_of(name, s) else {
                    if self.report {
                        let mut d = Diagnostic::error(format!("statistics must be global: '{name}' is a local"))
                            .with_span(e.span)
                            .with_help(format!("declare it at the top level: global {name}"));
                        if let Some((decl, label)) = self.table.privates.label(false, name, e.span.file) {
                            d = d.with_label(decl, label);
                        }
                        self.diags.push(d);
                    }
                    return None;
                };
                if self.uses[g].scalar.is_none() {
                    self.uses[g].scalar = Some(e.span);
                }
                g
            }
            ExprKind::Index { array, indices } => {
                let g = self.array_use(array, indices.len(), s)?;
                let keys: Vec<Option<&Expr>> = indices.iter().map(Some).collect();
                self.key_types(g, &keys, s);
                g
            }
            _ => {
                if self.report {
                    self.diags.push(
                        Diagnostic::error("statistics are kept in a global or a global array's element")
                            .with_span(e.span),
                    );
                }
                return None;
            }
        };
        if self.uses[g].stat.is_none() {
            self.uses[g].stat = Some(e.span);
        }
        // `<<<` updates this CPU's slot: a shared lock is enough, except
        // for a wrapping array, whose insert may evict another element.
        let exclusive = add && self.table.globals[g].wrap;
        if add {
            self.check_not_iterated(g, e.span);
        }
        self.note_global(g, s, exclusive);
        Some(g)
    }

    fn hist(&mut self, e: &Expr, s: &mut Scope) {
        let (operand, kind) = match &e.kind {
            ExprKind::HistLog(o) => (o, Some(Hist::Log)),
            ExprKind::HistLinear { operand, lo, hi, step } => {
                let vals: Vec<Option<i64>> = [lo, hi, step].iter().map(|x| const_long(x)).collect();
                match (vals[0], vals[1], vals[2]) {
                    (Some(lo), Some(hi), Some(step)) if step > 0 && hi > lo && (hi - lo) / step < 10000 => {
                        (operand, Some(Hist::Linear { lo, hi, step }))
                    }
                    (Some(_), Some(_), Some(_)) => {
                        if self.report {
                            self.diags.push(
                                Diagnostic::error("@hist_linear needs low < high, a positive width, and at most 10000 buckets")
                                    .with_span(e.span),
                            );
                        }
                        (operand, None)
                    }
                    _ => {
                        if self.report {
                            self.diags.push(
                                Diagnostic::error("@hist_linear's bounds and width must be number literals")
                                    .with_span(e.span),
                            );
                        }
                        (operand, None)
                    }
                }
            }
            _ => return,
        };
        let Some(g) = self.stat_target(operand, s, false) else { return };
        let Some(kind) = kind else { return };
        match self.uses[g].hist {
            None => self.uses[g].hist = Some((kind, e.span)),
            Some((h, at)) if h != kind && self.report => {
                self.diags.push(
                    Diagnostic::error(format!(
                        "'{}' already has another histogram",
                        self.table.globals[g].name.name
                    ))
                    .with_span(e.span)
                    .with_label(at, "this one")
                    .with_help("a statistic keeps one kind of histogram"),
                );
            }
            _ => {}
        }
    }

    fn check_not_iterated(&mut self, g: usize, span: Span) {
        if self.report && self.foreach_stack.iter().any(|(a, _)| *a == g) {
            self.diags.push(
                Diagnostic::error(format!(
                    "'{}' cannot be changed inside a foreach over it",
                    self.table.globals[g].name.name
                ))
                .with_span(span),
            );
        }
    }

    fn delete(&mut self, e: &Expr, s: &mut Scope) {
        match &e.kind {
            ExprKind::Var(name) => match self.global_of(name, s) {
                Some(g) => {
                    self.note_global(g, s, true);
                    self.check_not_iterated(g, e.span);
                }
                None => self.note_var(name, s, true),
            },
            ExprKind::Index { array, indices } => {
                if let Some(g) = self.array_use(array, indices.len(), s) {
                    self.note_global(g, s, true);
                    self.check_not_iterated(g, e.span);
                    let keys: Vec<Option<&Expr>> = indices.iter().map(Some).collect();
                    self.key_types(g, &keys, s);
                }
            }
            _ => {
                if self.report {
                    self.diags.push(
                        Diagnostic::error("delete takes a variable, an array or an array element").with_span(e.span),
                    );
                }
            }
        }
    }

    fn foreach(&mut self, f: &ast::Foreach, s: &mut Scope, func: Option<&str>) {
        let g = self.array_use(&f.array, f.keys.len(), s);
        if let Some(g) = g {
            self.note_global(g, s, false);
            let stat = self.uses[g].stat.is_some();
            for (i, k) in f.keys.iter().enumerate() {
                self.loop_var(k, s);
                let have = self.uses[g].keys[i];
                match (have, self.var_type(&k.name, s)) {
                    (Some((t, _)), None) => self.set_var(&k.name, k.span, t, s),
                    (None, Some((t, at))) => {
                        self.uses[g].keys[i] = Some((t, at));
                        self.changed = true;
                    }
                    (Some((a, at)), Some((b, _))) if a != b && self.report => {
                        self.diags.push(conflict(&format!("'{}'", k.name), b, k.span, a, at));
                    }
                    _ => {}
                }
            }
            if let Some(v) = &f.value {
                self.loop_var(v, s);
                if stat && self.report {
                    self.diags.push(
                        Diagnostic::error("the elements of a statistics array are not values")
                            .with_span(v.span)
                            .with_help("read them with @count(arr[k]) and friends"),
                    );
                }
                match (self.globals[g], self.var_type(&v.name, s)) {
                    (Some((t, _)), None) => self.set_var(&v.name, v.span, t, s),
                    (None, Some((t, _))) if !stat => self.set_global(g, t, v.span),
                    (Some((a, at)), Some((b, _))) if a != b && self.report => {
                        self.diags.push(conflict(&format!("'{}'", v.name), b, v.span, a, at));
                    }
                    _ => {}
                }
                if self.uses[g].value.is_none() && !stat {
                    self.uses[g].value = Some(v.span);
                }
            }
            if let Some(slice) = &f.slice {
                if slice.len() != f.keys.len() {
                    if self.report {
                        self.diags.push(Diagnostic::error("the slice has another number of keys than the array").with_span(f.span));
                    }
                } else {
                    let keys: Vec<Option<&Expr>> = slice.iter().map(|k| k.as_ref()).collect();
                    self.key_types(g, &keys, s);
                }
            }
            if let Some(sort) = &f.sort {
                self.uses[g].sorted = true;
                if sort.aggregate.is_some() && !stat && self.report {
                    self.diags.push(
                        Diagnostic::error("sorting by an aggregate needs a statistics array").with_span(f.array.span),
                    );
                }
                if sort.column == 0 && !stat && f.value.is_none() && self.globals[g].is_none() && self.report {
                    // fine: the value type is decided elsewhere
                }
            }
        }
        if let Some(l) = &f.limit {
            self.expect(l, s, Type::Long);
        }
        let sorted = f.sort.is_some();
        if let Some(g) = g {
            if sorted && self.report && self.foreach_stack.iter().any(|&(a, so)| a == g && so) {
                self.diags.push(
                    Diagnostic::error("a sorted foreach over an array already iterated sorted")
                        .with_span(f.span)
                        .with_help("copy the inner keys to another array first"),
                );
            }
            self.foreach_stack.push((g, sorted));
        }
        self.stmt(&f.body, s, func);
        if g.is_some() {
            self.foreach_stack.pop();
        }
    }

    /// A foreach key or value variable: always a local.
    fn loop_var(&mut self, v: &ast::Ident, s: &mut Scope) {
        if self.global_of(&v.name, s).is_some() {
            if self.report {
                self.diags.push(
                    Diagnostic::error(format!("the foreach variable '{}' must not be a global", v.name))
                        .with_span(v.span),
                );
            }
            return;
        }
        self.note_var(&v.name, s, true);
        s.assigned.insert(v.name.clone());
    }

    fn cond(&mut self, e: &Expr, s: &mut Scope) {
        if let Some(Type::String) = self.expr(e, s, Some(Type::Long)) {
            if self.report {
                self.diags.push(
                    Diagnostic::error("a condition must be a number, not a string")
                        .with_span(e.span)
                        .with_help("compare it: s != \"\""),
                );
            }
        }
    }

    /// Type of a variable: a global, or a local of this scope.
    fn var_type(&self, name: &str, s: &Scope) -> Typed {
        if let Some(t) = s.locals.get(name) {
            return *t;
        }
        match self.table.global_index.get(name) {
            Some(&g) => self.globals[g],
            None => None,
        }
    }

    /// Gives a variable a type if it has none; reports a conflict otherwise.
    fn set_var(&mut self, name: &str, span: Span, t: Type, s: &mut Scope) {
        let slot: &mut Typed = if s.locals.contains_key(name) || !self.table.global_index.contains_key(name) {
            if !s.locals.contains_key(name) {
                s.order.push(name.to_string());
            }
            s.locals.entry(name.to_string()).or_insert(None)
        } else {
            let g = self.table.global_index[name];
            &mut self.globals[g]
        };
        match *slot {
            None => {
                *slot = Some((t, span));
                self.changed = true;
            }
            Some((have, at)) if have != t && self.report => {
                let d = conflict(&format!("'{name}'"), t, span, have, at);
                self.diags.push(d);
            }
            _ => {}
        }
    }

    fn note_var(&mut self, name: &str, s: &mut Scope, write: bool) {
        if s.locals.contains_key(name) {
            return;
        }
        if let Some(&g) = self.table.global_index.get(name) {
            if write {
                s.writes.insert(g);
            } else {
                s.reads.insert(g);
            }
        } else {
            s.order.push(name.to_string());
            s.locals.insert(name.to_string(), None);
        }
    }

    fn expect(&mut self, e: &Expr, s: &mut Scope, t: Type) {
        if let Some(got) = self.expr(e, s, Some(t)) {
            if got != t && self.report {
                self.diags.push(
                    Diagnostic::error(format!("expected a {}, found a {}", name_of(t), name_of(got))).with_span(e.span),
                );
            }
        }
    }

    /// [`Self::expect`], with a hint saying why that type is wanted.
    fn expect_with(&mut self, e: &Expr, s: &mut Scope, t: Type, why: &str) {
        if let Some(got) = self.expr(e, s, Some(t)) {
            if got != t && self.report {
                self.diags.push(
                    Diagnostic::error(format!("expected a {}, found a {}", name_of(t), name_of(got)))
                        .with_span(e.span)
                        .with_help(why),
                );
            }
        }
    }

    /// The right operand of `=~`/`!~`: a string literal whose pattern compiles (recorded
    /// on the reporting walk, so only reachable code's patterns are kept).
    fn regex(&mut self, op: BinOp, rhs: &Expr, s: &mut Scope) {
        let ExprKind::Literal(ast::Literal::Str(raw)) = &rhs.kind else {
            self.expr(rhs, s, None);
            if self.report {
                self.diags.push(
                    Diagnostic::error(format!("the right operand of `{}` must be a string literal", op.as_str()))
                        .with_span(rhs.span)
                        .with_help("regular expressions are compiled with the script, e.g. `name =~ \"^(ba|z)?sh$\"`"),
                );
            }
            return;
        };
        if !self.report {
            return;
        }
        let (pattern, at) = crate::regex::pattern_of_literal(raw);
        match crate::regex::compile(&pattern) {
            Ok(_) => {
                if !self.regexes.contains(&pattern) {
                    self.regexes.push(pattern);
                }
            }
            Err(err) => {
                // Pattern bytes map back into the literal, after its opening quote.
                let base = rhs.span.start + 1;
                let last = at.len() - 1;
                let start = base + at[err.start.min(last)] as u32;
                let end = (base + at[err.end.min(last)] as u32).clamp(start + 1, rhs.span.end.max(start + 1));
                let mut d = Diagnostic::error(format!("invalid regular expression: {}", err.message))
                    .with_span(Span::new(rhs.span.file, start, end));
                if let Some(h) = err.help {
                    d = d.with_help(h);
                }
                self.diags.push(d);
            }
        }
    }

    fn expr(&mut self, e: &Expr, s: &mut Scope, want: Option<Type>) -> Option<Type> {
        match &e.kind {
            ExprKind::Literal(l) => Some(lit_type(l)),
            ExprKind::Var(name) => {
                self.note_var(name, s, false);
                self.scalar_use(name, e.span, s);
                if self.global_of(name, s).is_none() && !s.read_at.contains_key(name) {
                    s.read_at.insert(name.clone(), e.span);
                }
                match (self.var_type(name, s), want) {
                    (Some((t, _)), _) => Some(t),
                    (None, Some(w)) => {
                        self.set_var(name, e.span, w, s);
                        Some(w)
                    }
                    (None, None) => None,
                }
            }
            ExprKind::Unary { operand, .. } => {
                self.expect(operand, s, Type::Long);
                Some(Type::Long)
            }
            ExprKind::Crement { operand, .. } => {
                if matches!(operand.kind, ExprKind::Target { .. }) && self.report && self.table.guru {
                    self.diags.push(
                        Diagnostic::error("'++' and '--' on a target variable are not supported")
                            .with_span(e.span)
                            .with_help("assign it: $x = $x + 1"),
                    );
                }
                self.lvalue(operand, s, Some(Type::Long));
                Some(Type::Long)
            }
            ExprKind::Binary { op, lhs, rhs } => match op {
                BinOp::Concat => {
                    self.expect(lhs, s, Type::String);
                    self.expect(rhs, s, Type::String);
                    Some(Type::String)
                }
                BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                    let l = self.expr(lhs, s, None);
                    let r = self.expr(rhs, s, l);
                    let l = l.or_else(|| r.and_then(|r| self.expr(lhs, s, Some(r))));
                    if let (Some(a), Some(b)) = (l, r) {
                        if a != b && self.report {
                            self.diags.push(
                                Diagnostic::error(format!("cannot compare a {} with a {}", name_of(a), name_of(b)))
                                    .with_span(e.span),
                            );
                        }
                    }
                    Some(Type::Long)
                }
                BinOp::RegexMatch | BinOp::RegexNoMatch => {
                    self.expect_with(lhs, s, Type::String, "`=~` and `!~` match a string against a regular expression");
                    self.regex(*op, rhs, s);
                    Some(Type::Long)
                }
                _ => {
                    self.expect(lhs, s, Type::Long);
                    self.expect(rhs, s, Type::Long);
                    Some(Type::Long)
                }
            },
            ExprKind::Ternary { cond, then, els } => {
                self.cond(cond, s);
                let a = self.expr(then, s, want);
                let b = self.expr(els, s, a.or(want));
                let a = a.or_else(|| b.and_then(|b| self.expr(then, s, Some(b))));
                if let (Some(x), Some(y)) = (a, b) {
                    if x != y && self.report {
                        self.diags.push(conflict("a branch of `?:`", x, then.span, y, els.span));
                    }
                }
                a.or(b)
            }
            ExprKind::Assign { op, lhs, rhs } => match op {
                AssignOp::Assign => {
                    let l = self.lvalue(lhs, s, None);
                    let r = self.expr(rhs, s, l.or(want));
                    match (l, r) {
                        (None, Some(r)) => self.lvalue(lhs, s, Some(r)),
                        (Some(l), Some(r)) if l != r => {
                            if self.report {
                                let mut d = Diagnostic::error(format!("type mismatch: cannot assign a {} to a {}", name_of(r), name_of(l)))
                                    .with_span(e.span);
                                if let ExprKind::Var(name) = &lhs.kind {
                                    if let Some((_, at)) = self.var_type(name, s) {
                                        d = d.with_label(at, format!("'{name}' is a {} because of this", name_of(l)));
                                    }
                                }
                                self.diags.push(d);
                            }
                            Some(l)
                        }
                        (l, r) => l.or(r),
                    }
                }
                AssignOp::Concat => {
                    self.lvalue(lhs, s, Some(Type::String));
                    self.expect(rhs, s, Type::String);
                    Some(Type::String)
                }
                AssignOp::Aggregate => {
                    self.stat_target(lhs, s, true);
                    self.expect(rhs, s, Type::Long);
                    Some(Type::Long)
                }
                _ => {
                    self.lvalue(lhs, s, Some(Type::Long));
                    self.expect(rhs, s, Type::Long);
                    Some(Type::Long)
                }
            },
            ExprKind::Call { func, args } => self.call(func, args, e.span, s),
            ExprKind::Index { array, indices } => {
                let g = self.array_use(array, indices.len(), s)?;
                self.note_global(g, s, false);
                let keys: Vec<Option<&Expr>> = indices.iter().map(Some).collect();
                self.key_types(g, &keys, s);
                if self.uses[g].value.is_none() {
                    self.uses[g].value = Some(e.span);
                }
                match (self.globals[g], want) {
                    (Some((t, _)), _) => Some(t),
                    (None, Some(w)) => {
                        self.set_global(g, w, e.span);
                        Some(w)
                    }
                    (None, None) => None,
                }
            }
            ExprKind::In { keys, array, .. } => {
                if let Some(g) = self.array_use(array, keys.len(), s) {
                    self.note_global(g, s, false);
                    let keys: Vec<Option<&Expr>> = keys.iter().map(|k| k.as_ref()).collect();
                    self.key_types(g, &keys, s);
                }
                Some(Type::Long)
            }
            ExprKind::Stat { operand, .. } => {
                self.stat_target(operand, s, false);
                Some(Type::Long)
            }
            ExprKind::HistIndex { hist, index } => {
                self.hist(hist, s);
                self.expect_with(index, s, Type::Long, "a histogram's buckets are numbered: @hist_log(x)[i]");
                Some(Type::Long)
            }
            ExprKind::HistLog(_) | ExprKind::HistLinear { .. } => {
                self.hist(e, s);
                if self.report {
                    self.diags.push(
                        Diagnostic::error("a histogram can only be printed")
                            .with_span(e.span)
                            .with_help("use it as an argument of print() or println(), or read one bucket's count: @hist_log(x)[i]"),
                    );
                }
                None
            }
            ExprKind::AddrOf(x) if matches!(x.kind, ExprKind::Cast { .. }) => self.expr(x, s, want),
            ExprKind::Target { .. } | ExprKind::TargetAll { .. } | ExprKind::AddrOf(_) => self.target(e, s),
            ExprKind::AtVar { path, .. } => {
                for p in path {
                    if let ast::PathElem::Index(i) = p {
                        self.expect(i, s, Type::Long);
                    }
                }
                self.casts.casts.get(&e.span).map(|a| if a.is_string() { Type::String } else { Type::Long })
            }
            ExprKind::Cast { operand, path, .. } => {
                self.expect(operand, s, Type::Long);
                for p in path {
                    if let ast::PathElem::Index(i) = p {
                        self.expect(i, s, Type::Long);
                    }
                }
                // casts.rs resolved every cast that a probe reaches.
                self.casts.casts.get(&e.span).map(|a| if a.is_string() { Type::String } else { Type::Long })
            }
            // Only in .return probes (elaborate/entry.rs checked): its operand's type.
            ExprKind::Entry(x) if self.cur_targets.is_some() => self.expr(x, s, want),
            ExprKind::Entry(_) => {
                if self.report {
                    self.diags.push(
                        Diagnostic::error("@entry is only available in .return probes of kernel.function(...) and process(...).function(...), not in functions")
                            .with_span(e.span)
                            .with_help("evaluate it in the probe's body and pass the value to the function as an argument"),
                    );
                }
                None
            }
            other => {
                if self.report {
                    self.diags.push(unsupported(expr_what(other), e.span));
                }
                None
            }
        }
    }

    fn target_plan(&self, e: &Expr) -> Option<&super::targets::Plan> {
        self.cur_targets.and_then(|i| self.target_tables.get(i)).and_then(|t| t.plans.get(&e.span))
    }

    /// A target variable: its plan (targets.rs) says long or string; its indexes are longs.
    fn target(&mut self, e: &Expr, s: &mut Scope) -> Option<Type> {
        let plan = self.cur_targets.and_then(|i| self.target_tables.get(i)).and_then(|t| t.plans.get(&e.span));
        let Some(plan) = plan else {
            if self.report {
                self.diags.push(
                    Diagnostic::error("target variables can only be used in probe bodies")
                        .with_span(e.span)
                        .with_help("pass the value to the function as an argument"),
                );
            }
            return None;
        };
        let ty = if plan.is_string() { Type::String } else { Type::Long };
        let path = match &e.kind {
            ExprKind::Target { path, .. } => path.as_slice(),
            ExprKind::AddrOf(x) => match &x.kind {
                ExprKind::Target { path, .. } => path.as_slice(),
                _ => &[],
            },
            _ => &[],
        };
        for p in path {
            if let ast::PathElem::Index(i) = p {
                self.expect(i, s, Type::Long);
            }
        }
        Some(ty)
    }

    /// An assignment target: its type (known or given now).
    fn lvalue(&mut self, e: &Expr, s: &mut Scope, t: Option<Type>) -> Option<Type> {
        match &e.kind {
            ExprKind::Var(name) => {
                self.note_var(name, s, true);
                self.scalar_use(name, e.span, s);
                s.assigned.insert(name.clone());
                if let Some(t) = t {
                    self.set_var(name, e.span, t, s);
                }
                self.var_type(name, s).map(|(t, _)| t)
            }
            ExprKind::Index { array, indices } => {
                let g = self.array_use(array, indices.len(), s)?;
                self.note_global(g, s, true);
                self.check_not_iterated(g, e.span);
                let keys: Vec<Option<&Expr>> = indices.iter().map(Some).collect();
                self.key_types(g, &keys, s);
                if self.uses[g].value.is_none() {
                    self.uses[g].value = Some(e.span);
                }
                if let Some(t) = t {
                    self.set_global(g, t, e.span);
                }
                self.globals[g].map(|(t, _)| t)
            }
            ExprKind::Target { name, .. } => {
                let ty = self.target(e, s);
                if !self.report {
                    return ty;
                }
                // Without -g, targets.rs's check_writes has refused it already.
                if ty != Some(Type::Long) {
                    self.diags.push(
                        Diagnostic::error(format!("'${name}' with a $ suffix is a string: only numbers can be written"))
                            .with_span(e.span),
                    );
                } else if let Some(Err(why)) = self.target_plan(e).map(|p| match p {
                    super::targets::Plan::Access(a) => a.writable(),
                    super::targets::Plan::All(_) => Err("it is a list".into()),
                }) {
                    self.diags.push(Diagnostic::error(format!("'${name}' cannot be written: {why}")).with_span(e.span));
                } else if t.is_some_and(|t| t != Type::Long) {
                    self.diags.push(Diagnostic::error("a target variable holds a number: a string cannot be written to it").with_span(e.span));
                }
                ty
            }
            ExprKind::Entry(x) if matches!(x.kind, ExprKind::Target { .. }) => {
                if self.report {
                    self.diags.push(
                        Diagnostic::error("in a .return probe a parameter means its value at entry, which cannot be written")
                            .with_span(e.span)
                            .with_help("write it in an entry probe (kernel.function(\"...\")), or write $return here"),
                    );
                }
                None
            }
            _ => {
                if self.report {
                    self.diags.push(
                        Diagnostic::error("this cannot be assigned to").with_span(e.span).with_help("assign to a variable"),
                    );
                }
                None
            }
        }
    }

    fn call(&mut self, func: &ast::Ident, args: &[Expr], span: Span, s: &mut Scope) -> Option<Type> {
        let name = func.name.as_str();
        match name {
            "print" | "println" | "sprint" | "sprintln" => {
                for a in args {
                    if matches!(a.kind, ExprKind::HistLog(_) | ExprKind::HistLinear { .. }) && !name.starts_with('s') {
                        self.hist(a, s);
                    } else {
                        self.expr(a, s, None);
                    }
                }
                if name == "print" && args.is_empty() && self.report {
                    self.diags.push(Diagnostic::error("print() needs an argument").with_span(span));
                }
                name.starts_with('s').then_some(Type::String)
            }
            "printd" | "printdln" | "sprintd" => {
                match args.first() {
                    Some(d) => self.expect_literal_string(d, s, name),
                    None if self.report => {
                        self.diags.push(Diagnostic::error(format!("{name}() needs a delimiter")).with_span(span))
                    }
                    None => {}
                }
                for a in args.iter().skip(1) {
                    self.expr(a, s, None);
                }
                (name == "sprintd").then_some(Type::String)
            }
            "printf" | "sprintf" => {
                self.format_call(name, args, span, s);
                (name == "sprintf").then_some(Type::String)
            }
            _ => {
                let Some(sig) = self.sigs.get(name).cloned() else { return None };
                s.calls.insert(name.to_string());
                // Tapset functions whose C marks itself `/* guru */` (raise) act on the
                // kernel in ways a probe must opt into, as SystemTap's do.
                if self.report
                    && !self.table.guru
                    && matches!(&self.table.functions[name].body, ast::FunctionBody::EmbeddedC(c) if c.has_pragma("guru"))
                {
                    self.diags.push(
                        Diagnostic::error(format!("{name}() needs guru mode"))
                            .with_span(span)
                            .with_label(self.table.functions[name].name.span, "defined here, as guru-only")
                            .with_help("run with -g (guru mode) to call it"),
                    );
                }
                if args.len() != sig.params.len() {
                    if self.report {
                        self.diags.push(
                            Diagnostic::error(format!(
                                "{name}() takes {} argument{}, {} given",
                                sig.params.len(),
                                if sig.params.len() == 1 { "" } else { "s" },
                                args.len()
                            ))
                            .with_span(span)
                            .with_label(self.table.functions[name].name.span, "defined here"),
                        );
                    }
                    return sig.ret.map(|(t, _)| t);
                }
                for (i, a) in args.iter().enumerate() {
                    let want = sig.params[i].map(|(t, _)| t);
                    let got = self.expr(a, s, want);
                    match (want, got) {
                        (None, Some(g)) => {
                            self.sigs.get_mut(name).unwrap().params[i] = Some((g, a.span));
                            self.changed = true;
                        }
                        (Some(w), Some(g)) if w != g && self.report => {
                            let (_, at) = sig.params[i].unwrap();
                            self.diags.push(conflict(&format!("argument {} of {name}()", i + 1), g, a.span, w, at));
                        }
                        _ => {}
                    }
                }
                if !sig.returns_value {
                    if self.report && self.statement_call != Some(span) {
                        self.diags.push(
                            Diagnostic::error(format!("{name}() returns no value"))
                                .with_span(span)
                                .with_label(self.table.functions[name].name.span, "defined here, without `return EXPR`")
                                .with_help(format!("call it as a statement, or give {name}() a `return` with a value")),
                        );
                    }
                    return None;
                }
                sig.ret.map(|(t, _)| t)
            }
        }
    }

    fn expect_literal_string(&mut self, e: &Expr, s: &mut Scope, func: &str) {
        if !matches!(e.kind, ExprKind::Literal(ast::Literal::Str(_))) && self.report {
            self.diags.push(Diagnostic::error(format!("{func}()'s first argument must be a string literal")).with_span(e.span));
        }
        self.expr(e, s, Some(Type::String));
    }

    fn format_call(&mut self, name: &str, args: &[Expr], span: Span, s: &mut Scope) {
        let Some(first) = args.first() else {
            if self.report {
                self.diags.push(Diagnostic::error(format!("{name}() needs a format string")).with_span(span));
            }
            return;
        };
        let ExprKind::Literal(ast::Literal::Str(raw)) = &first.kind else {
            if self.report {
                self.diags.push(
                    Diagnostic::error(format!("{name}()'s format must be a string literal")).with_span(first.span),
                );
            }
            return;
        };
        let pieces = match format::parse(raw) {
            Ok(p) => p,
            Err(msg) => {
                if self.report {
                    self.diags.push(Diagnostic::error(msg).with_span(first.span));
                }
                return;
            }
        };
        let kinds = format::arg_kinds(&pieces);
        if kinds.len() != args.len() - 1 && self.report {
            self.diags.push(
                Diagnostic::error(format!(
                    "the format takes {} argument{}, {} given",
                    kinds.len(),
                    if kinds.len() == 1 { "" } else { "s" },
                    args.len() - 1
                ))
                .with_span(span),
            );
        }
        for (a, k) in args.iter().skip(1).zip(kinds.iter().map(Some).chain(std::iter::repeat(None))) {
            match k {
                Some(format::ArgKind::Long) => {
                    self.expect_with(a, s, Type::Long, "the format wants a number here (%d %i %u %x %o %c %p, or a `*` width)")
                }
                Some(format::ArgKind::String) => self.expect_with(a, s, Type::String, "the format wants a string here (%s)"),
                // A string's bytes, or memory at a long address: either type.
                Some(format::ArgKind::Memory) => {
                    self.expr(a, s, None);
                }
                None => {
                    self.expr(a, s, None);
                }
            }
        }
    }
}

fn conflict(what: &str, t: Type, span: Span, have: Type, at: Span) -> Diagnostic {
    Diagnostic::error(format!("type mismatch: {what} is used as a {} here", name_of(t)))
        .with_span(span)
        .with_label(at, format!("but as a {} here", name_of(have)))
}

fn unsupported(what: &str, span: Span) -> Diagnostic {
    Diagnostic::error(format!("{what} is not supported by this rstap yet")).with_span(span)
}

fn expr_what(k: &ExprKind) -> &'static str {
    match k {
        ExprKind::Index { .. } | ExprKind::In { .. } => "associative arrays",
        ExprKind::Target { .. } | ExprKind::TargetAll { .. } => "target variables ($var)",
        ExprKind::Cast { .. } => "@cast",
        ExprKind::AtVar { .. } => "@var",
        ExprKind::Defined(_) => "@defined",
        ExprKind::Entry(_) => "@entry",
        ExprKind::Perf(_) => "@perf",
        ExprKind::AddrOf(_) => "&",
        ExprKind::Stat { .. } | ExprKind::HistLog(_) | ExprKind::HistLinear { .. } => "statistics",
        ExprKind::EmbeddedC(_) => "embedded C in an expression",
        _ => "this expression",
    }
}

fn collect_calls_block(b: &ast::Block, out: &mut Vec<(String, Span)>) {
    for s in &b.stmts {
        collect_calls_stmt(s, out);
    }
}

fn collect_calls_stmt(s: &Stmt, out: &mut Vec<(String, Span)>) {
    match &s.kind {
        StmtKind::Block(b) => collect_calls_block(b, out),
        StmtKind::Expr(e) | StmtKind::Delete(e) | StmtKind::Return(Some(e)) => collect_calls_expr(e, out),
        StmtKind::If { cond, then, els } => {
            collect_calls_expr(cond, out);
            collect_calls_stmt(then, out);
            if let Some(e) = els {
                collect_calls_stmt(e, out);
            }
        }
        StmtKind::While { cond, body } => {
            collect_calls_expr(cond, out);
            collect_calls_stmt(body, out);
        }
        StmtKind::For { init, cond, step, body } => {
            for e in [init, cond, step].into_iter().flatten() {
                collect_calls_expr(e, out);
            }
            collect_calls_stmt(body, out);
        }
        StmtKind::Foreach(f) => {
            if let Some(l) = &f.limit {
                collect_calls_expr(l, out);
            }
            for k in f.slice.iter().flatten().flatten() {
                collect_calls_expr(k, out);
            }
            collect_calls_stmt(&f.body, out);
        }
        StmtKind::Try { body, catch_body, .. } => {
            collect_calls_block(body, out);
            if let Some(c) = catch_body {
                collect_calls_block(c, out);
            }
        }
        _ => {}
    }
}

fn collect_calls_expr(e: &Expr, out: &mut Vec<(String, Span)>) {
    if let ExprKind::Call { func, .. } = &e.kind {
        out.push((func.name.clone(), func.span));
    }
    // Every operand, `@entry`'s and target-variable indexes included.
    crate::passes::optimize::children(e, &mut |c| collect_calls_expr(c, out));
}
