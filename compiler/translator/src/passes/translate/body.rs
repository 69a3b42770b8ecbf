//! Statements and expressions to C. Every script expression becomes one C
//! expression (GNU statement expressions where it needs temporaries), so
//! short-circuit and ternary evaluation stay exact. Anything that can fail
//! (division, a function call, the action limit) jumps to the body's `out`
//! label with the context's error set.

use super::names;
use crate::ast::{self, AssignOp, BinOp, CrementOp, Expr, ExprKind, Stmt, StmtKind, Type, UnaryOp};
use crate::diag::SourceMap;
use crate::format::{self, Piece};
use crate::passes::elaborate::{GlobalInfo, LocalInfo, Program};
use std::collections::HashMap;
use std::fmt::Write;

/// Where the `@entry` values of a `.return` probe live: one field per outermost `@entry`
/// in the return instance's data (`c->kret_data`, a `struct {data}`), filled by the
/// kretprobe's entry handler (`eval`: this is that handler's code, which computes them).
pub struct EntrySlots {
    pub data: String,
    pub slots: HashMap<ast::Span, (usize, Type)>,
    pub eval: bool,
}

/// Translates one body (a probe's or a function's).
pub struct BodyGen<'p> {
    pub program: &'p Program,
    pub sources: &'p SourceMap,
    /// Local name → (C lvalue, type); parameters included.
    pub vars: HashMap<String, (String, Type)>,
    /// Globals by name → (C name, type).
    pub globals: &'p HashMap<String, (String, Type)>,
    pub in_function: Option<&'p crate::passes::elaborate::FunctionInfo>,
    /// The probe's target variables (None in functions).
    pub targets: Option<&'p crate::passes::elaborate::targets::TargetTable>,
    /// `@entry` in a `.return` probe's body (None elsewhere).
    pub entry: Option<EntrySlots>,
    /// String temporaries the frame must provide.
    pub string_temps: usize,
    tmp_counter: usize,
    /// Key structs the frame must provide (one per array access).
    pub key_temps: Vec<String>,
    /// Where an error jumps: `out`, or the catch of an enclosing try.
    err: String,
    pub out: String,
    indent: usize,
}

impl<'p> BodyGen<'p> {
    pub fn new(
        program: &'p Program,
        sources: &'p SourceMap,
        globals: &'p HashMap<String, (String, Type)>,
        locals: &[LocalInfo],
        params: &[LocalInfo],
        in_function: Option<&'p crate::passes::elaborate::FunctionInfo>,
    ) -> Self {
        let mut vars = HashMap::new();
        for p in params {
            vars.insert(p.name.clone(), (format!("l->{}", names::param(&p.name)), p.ty));
        }
        for l in locals {
            vars.insert(l.name.clone(), (format!("l->{}", names::local(&l.name)), l.ty));
        }
        BodyGen { program, sources, vars, globals, in_function, targets: None, entry: None, string_temps: 0, tmp_counter: 0, key_temps: Vec::new(), err: "out".into(), out: String::new(), indent: 1 }
    }

    fn line(&mut self, s: &str) {
        for _ in 0..self.indent {
            self.out.push('\t');
        }
        self.out.push_str(s);
        self.out.push('\n');
    }

    fn string_temp(&mut self) -> String {
        let n = self.string_temps;
        self.string_temps += 1;
        format!("l->{}", names::temp(n))
    }

    /// A copy of string value `v` in a temporary: a string argument is passed by pointer,
    /// and a later argument that writes the variable it points to must not change it.
    fn string_snapshot(&mut self, v: &str) -> String {
        let t = self.string_temp();
        format!("({{ rt_str_assign({t}, {v}); (const char *){t}; }})")
    }

    fn fresh(&mut self) -> String {
        self.tmp_counter += 1;
        format!("_t{}", self.tmp_counter)
    }

    /// "identifier 'x' at file:line:col", as a C string literal.
    fn loc(&self, what: &str, span: ast::Span) -> String {
        let text = format!("{what} at {}", self.sources.location(span));
        format::c_string_literal(text.as_bytes())
    }

    /// Where an operator was written: between its operands (the AST keeps
    /// the operands' spans, and messages name the operator as SystemTap does).
    fn operator_span(&self, lhs: ast::Span, rhs: ast::Span, op: &str) -> Option<ast::Span> {
        if lhs.file != rhs.file || lhs.end > rhs.start {
            return None;
        }
        let text = self.sources.text(lhs.file).get(lhs.end as usize..rhs.start as usize)?;
        let at = text.find(op)? as u32 + lhs.end;
        Some(ast::Span::new(lhs.file, at, at + op.len() as u32))
    }

    pub fn block(&mut self, b: &ast::Block) {
        for s in &b.stmts {
            self.stmt(s);
        }
    }

    pub fn stmt(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::Block(b) => {
                self.line("{");
                self.indent += 1;
                self.block(b);
                self.indent -= 1;
                self.line("}");
            }
            StmtKind::Empty => {}
            StmtKind::Expr(e) => {
                self.line(&format!("if (unlikely(!rt_action(c, 1))) goto {};", self.err));
                let code = self.expr(e);
                self.line(&format!("(void){code};"));
            }
            StmtKind::If { cond, then, els } => {
                self.line(&format!("if (unlikely(!rt_action(c, 1))) goto {};", self.err));
                let c = self.expr(cond);
                self.line(&format!("if ({c}) {{"));
                self.nested(then);
                match els {
                    Some(e) => {
                        self.line("} else {");
                        self.nested(e);
                        self.line("}");
                    }
                    None => self.line("}"),
                }
            }
            StmtKind::While { cond, body } => {
                let c = self.expr(cond);
                self.emit_loop("", &c, body);
            }
            StmtKind::For { init, cond, step, body } => {
                if let Some(i) = init {
                    let code = self.expr(i);
                    self.line(&format!("(void){code};"));
                }
                let c = cond.as_ref().map(|c| self.expr(c)).unwrap_or_else(|| "1".into());
                let st = step.as_ref().map(|s| format!("(void){}", self.expr(s))).unwrap_or_default();
                self.emit_loop(&st, &c, body);
            }
            StmtKind::Break => self.line("break;"),
            StmtKind::Continue => self.line("continue;"),
            StmtKind::Next => self.line("goto out;"),
            StmtKind::Return(e) => {
                if let (Some(e), Some(f)) = (e, self.in_function) {
                    let v = self.expr(e);
                    match f.ret {
                        Some(Type::String) => self.line(&format!("rt_str_assign(l->ret, {v});")),
                        _ => self.line(&format!("l->ret = {v};")),
                    }
                }
                self.line("goto out;");
            }
            StmtKind::Delete(e) => {
                self.line(&format!("if (unlikely(!rt_action(c, 1))) goto {};", self.err));
                let code = self.delete(e);
                self.line(&code);
            }
            StmtKind::Foreach(f) => self.foreach(f),
            StmtKind::Try { body, catch_var, catch_body } => self.try_catch(body, catch_var.as_ref(), catch_body.as_ref()),
            // Elaboration rejects the rest for now.
            _ => unreachable!("elaboration rejects {:?}", s.kind),
        }
    }

    /// `for (;; STEP)` whose every iteration counts one action, then tests COND.
    fn emit_loop(&mut self, step: &str, cond: &str, body: &Stmt) {
        self.line(&format!("for (;; {step}) {{"));
        self.indent += 1;
        self.line(&format!("if (unlikely(!rt_action(c, 1))) goto {};", self.err));
        self.line(&format!("if (!({cond})) break;"));
        self.indent -= 1;
        self.nested(body);
        self.line("}");
    }

    fn nested(&mut self, s: &Stmt) {
        self.indent += 1;
        match &s.kind {
            StmtKind::Block(b) => self.block(b),
            _ => self.stmt(s),
        }
        self.indent -= 1;
    }

    pub(super) fn type_of(&self, e: &Expr) -> Option<Type> {
        match &e.kind {
            ExprKind::Entry(x) => self.type_of(x),
            ExprKind::Cast { .. } | ExprKind::AtVar { .. } => {
                let a = self.program.casts.casts.get(&e.span)?;
                Some(if a.is_string() { Type::String } else { Type::Long })
            }
            ExprKind::Literal(ast::Literal::Num(_)) => Some(Type::Long),
            ExprKind::Literal(ast::Literal::Str(_)) => Some(Type::String),
            ExprKind::Var(n) => self.var(n).map(|(_, t)| t),
            ExprKind::Binary { op: BinOp::Concat, .. } => Some(Type::String),
            ExprKind::Binary { .. } | ExprKind::Unary { .. } | ExprKind::Crement { .. } => Some(Type::Long),
            ExprKind::Ternary { then, els, .. } => self.type_of(then).or_else(|| self.type_of(els)),
            ExprKind::Assign { op: AssignOp::Concat, .. } => Some(Type::String),
            ExprKind::Assign { op: AssignOp::Aggregate, .. } => Some(Type::Long),
            ExprKind::Index { array, .. } => self.global_info(&array.name).map(|g| g.ty),
            ExprKind::In { .. } | ExprKind::Stat { .. } | ExprKind::HistIndex { .. } => Some(Type::Long),
            ExprKind::AddrOf(x) if matches!(x.kind, ExprKind::Cast { .. }) => self.type_of(x),
            ExprKind::Target { .. } | ExprKind::TargetAll { .. } | ExprKind::AddrOf(_) => {
                let plan = self.targets.and_then(|t| t.plans.get(&e.span))?;
                Some(if plan.is_string() { Type::String } else { Type::Long })
            }
            ExprKind::Assign { op: AssignOp::Assign, lhs, .. } => self.type_of(lhs),
            ExprKind::Assign { .. } => Some(Type::Long),
            ExprKind::Call { func, .. } => match func.name.as_str() {
                "sprint" | "sprintln" | "sprintf" | "sprintd" => Some(Type::String),
                "print" | "println" | "printf" | "printd" | "printdln" => None,
                name => self.program.functions.iter().find(|f| f.name == name).and_then(|f| f.ret),
            },
            _ => None,
        }
    }

    fn var(&self, name: &str) -> Option<(String, Type)> {
        self.vars.get(name).or_else(|| self.globals.get(name)).cloned()
    }

    /// A C expression: `s64` for longs, `const char *` for strings, `0` for void.
    pub fn expr(&mut self, e: &Expr) -> String {
        match &e.kind {
            ExprKind::Literal(ast::Literal::Num(n)) => long_literal(*n),
            ExprKind::Literal(ast::Literal::Str(raw)) => format::c_string_literal(&ast::decode_string(raw)),
            // A C temporary standing for an already evaluated operand.
            ExprKind::Var(name) if name.starts_with('\u{0}') => name[1..].to_string(),
            ExprKind::Var(name) => self.var(name).map(|(c, _)| c).expect("elaborated variable"),
            ExprKind::Unary { op, operand } => {
                let v = self.expr(operand);
                match op {
                    UnaryOp::Neg => format!("rt_neg({v})"),
                    UnaryOp::Plus => v,
                    UnaryOp::Not => format!("((s64)!({v}))"),
                    UnaryOp::BitNot => format!("(~({v}))"),
                }
            }
            ExprKind::Crement { op, operand } => {
                let pl = self.place(operand);
                let lv = pl.lv.clone();
                let code = match op {
                    CrementOp::PreInc => format!("({lv} = rt_add({lv}, 1))"),
                    CrementOp::PreDec => format!("({lv} = rt_sub({lv}, 1))"),
                    CrementOp::PostInc | CrementOp::PostDec => {
                        let t = self.fresh();
                        let f = if *op == CrementOp::PostInc { "rt_add" } else { "rt_sub" };
                        format!("({{ s64 {t} = {lv}; {lv} = {f}({t}, 1); {t}; }})")
                    }
                };
                pl.wrap("", &code)
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, e.span),
            ExprKind::Ternary { cond, then, els } => {
                let c = self.expr(cond);
                let a = self.expr(then);
                let b = self.expr(els);
                format!("(({c}) ? ({a}) : ({b}))")
            }
            ExprKind::Assign { op, lhs, rhs } => self.assign(*op, lhs, rhs, e.span),
            ExprKind::Call { func, args } => self.call(func, args),
            ExprKind::Index { array, indices } => self.index_read(array, indices),
            ExprKind::In { keys, array, .. } => self.in_array(keys, array),
            ExprKind::Stat { op, operand } => self.stat_get(*op, operand),
            ExprKind::HistIndex { hist, index } => self.hist_bucket(hist, index),
            ExprKind::AddrOf(x) if matches!(x.kind, ExprKind::Cast { .. }) => self.cast(x),
            ExprKind::Target { .. } | ExprKind::TargetAll { .. } | ExprKind::AddrOf(_) => self.target(e),
            ExprKind::Cast { .. } => self.cast(e),
            ExprKind::AtVar { .. } => self.at_var(e),
            ExprKind::Entry(x) => {
                let entry = self.entry.as_ref().expect("elaboration allows @entry in .return probes only");
                if entry.eval {
                    return self.expr(x);
                }
                let (slot, ty) = entry.slots[&e.span];
                let field = format!("((struct {} *)c->kret_data)->s{slot}", entry.data);
                match ty {
                    Type::Long => field,
                    Type::String => format!("((const char *){field})"),
                }
            }
            _ => unreachable!("elaboration rejects {:?}", e.kind),
        }
    }

    fn binary(&mut self, op: BinOp, lhs: &Expr, rhs: &Expr, span: ast::Span) -> String {
        let strings = self.type_of(lhs) == Some(Type::String) || self.type_of(rhs) == Some(Type::String);
        let a = self.expr(lhs);
        let b = self.expr(rhs);
        // C leaves the order of a call's arguments (and of `+`'s operands) unspecified;
        // SystemTap evaluates left to right. When either side has side effects, both are
        // bound to temporaries in order (`&&` and `||` are sequenced already; a regex
        // match's right side is a literal pattern, compiled away: nothing to order).
        let mut prelude = String::new();
        let sequenced = matches!(op, BinOp::LogOr | BinOp::LogAnd | BinOp::RegexMatch | BinOp::RegexNoMatch);
        let (a, b) = if !sequenced && (lhs.has_side_effects() || rhs.has_side_effects()) {
            let a = if strings && rhs.has_side_effects() { self.string_snapshot(&a) } else { a };
            let (ta, tb) = (self.fresh(), self.fresh());
            let ty = if strings { "const char *" } else { "s64" };
            prelude = format!("{ty} {ta} = {a}; {ty} {tb} = {b}; ");
            (ta, tb)
        } else {
            (a, b)
        };
        let cmp = |c: &str| {
            if strings {
                format!("((s64)(strcmp({a}, {b}) {c} 0))")
            } else {
                format!("((s64)(({a}) {c} ({b})))")
            }
        };
        let value = match op {
            BinOp::LogOr => format!("((s64)(({a}) || ({b})))"),
            BinOp::LogAnd => format!("((s64)(({a}) && ({b})))"),
            BinOp::BitOr => format!("(({a}) | ({b}))"),
            BinOp::BitXor => format!("(({a}) ^ ({b}))"),
            BinOp::BitAnd => format!("(({a}) & ({b}))"),
            BinOp::Eq => cmp("=="),
            BinOp::Ne => cmp("!="),
            BinOp::Lt => cmp("<"),
            BinOp::Le => cmp("<="),
            BinOp::Gt => cmp(">"),
            BinOp::Ge => cmp(">="),
            BinOp::Shl => format!("rt_shl({a}, {b})"),
            BinOp::Shr => format!("rt_shr({a}, {b})"),
            BinOp::Ushr => format!("rt_ushr({a}, {b})"),
            BinOp::Add => format!("rt_add({a}, {b})"),
            BinOp::Sub => format!("rt_sub({a}, {b})"),
            BinOp::Mul => format!("rt_mul({a}, {b})"),
            BinOp::Div | BinOp::Mod => {
                let f = if op == BinOp::Div { "rt_div" } else { "rt_mod" };
                let at = self.operator_span(lhs.span, rhs.span, op.as_str()).unwrap_or(span);
                let loc = self.loc(&format!("operator '{}'", op.as_str()), at);
                self.checked(&format!("{f}(c, {a}, {b})"), &loc)
            }
            BinOp::Concat => {
                let t = self.string_temp();
                format!("rt_str_concat({t}, {a}, {b})")
            }
            BinOp::RegexMatch | BinOp::RegexNoMatch => {
                let ExprKind::Literal(ast::Literal::Str(raw)) = &rhs.kind else {
                    unreachable!("elaboration requires a literal pattern")
                };
                let pattern = crate::regex::pattern_of_literal(raw).0;
                let i = self.program.regexes.iter().position(|p| *p == pattern).expect("elaboration records each pattern");
                let not = if op == BinOp::RegexNoMatch { "!" } else { "" };
                format!("((s64){not}{}({a}))", names::regex(i))
            }
        };
        if prelude.is_empty() {
            value
        } else {
            format!("({{ {prelude}{value}; }})")
        }
    }

    /// A target variable: the C its plan renders (elaborate/targets.rs, debuginfo/target.rs),
    /// its indexes evaluated first, in order.
    fn target(&mut self, e: &Expr) -> String {
        use crate::passes::elaborate::targets::Plan;
        let plan = self.targets.and_then(|t| t.plans.get(&e.span)).expect("elaborated target variable");
        let (name, path) = match &e.kind {
            ExprKind::Target { name, path, .. } => (format!("${name}"), path.as_slice()),
            ExprKind::AddrOf(x) => match &x.kind {
                ExprKind::Target { name, path, .. } => (format!("${name}"), path.as_slice()),
                _ => unreachable!("elaboration checks '&'"),
            },
            ExprKind::TargetAll { kind, .. } => (kind.as_str().to_string(), &[][..]),
            _ => unreachable!(),
        };
        let mut holes = Vec::new();
        for p in path {
            if let ast::PathElem::Index(i) = p {
                holes.push(self.expr(i));
            }
        }
        let loc = self.loc(&format!("identifier '{name}'"), e.span);
        let fail = format!("c->last_loc = {loc}; goto {};", self.err);
        let uniq = self.fresh();
        match plan {
            Plan::Access(a) if a.is_string() => {
                let buf = self.string_temp();
                a.to_c(&holes, &fail, Some(&buf), &uniq)
            }
            Plan::Access(a) => a.to_c(&holes, &fail, None, &uniq),
            Plan::All(all) => {
                let buf = self.string_temp();
                let tmp = self.string_temp();
                all.to_c(&fail, &buf, &tmp, &uniq)
            }
        }
    }

    /// `@cast(PTR, "TYPE")->path`: PTR, then the path's indexes, in order, then the
    /// access that elaborate/casts.rs resolved, reading from PTR.
    fn cast(&mut self, e: &Expr) -> String {
        use crate::passes::elaborate::casts::OPERAND;
        let ExprKind::Cast { operand, path, ty, .. } = &e.kind else { unreachable!() };
        let acc = self.program.casts.casts.get(&e.span).expect("elaborated @cast").clone();
        let op = self.expr(operand);
        let t = self.fresh();
        let mut holes = Vec::new();
        for p in path {
            if let ast::PathElem::Index(i) = p {
                holes.push(self.expr(i));
            }
        }
        let loc = self.loc(&format!("@cast to '{ty}'"), e.span);
        let fail = format!("c->last_loc = {loc}; goto {};", self.err);
        let uniq = self.fresh();
        let access = if acc.is_string() {
            let buf = self.string_temp();
            acc.to_c(&holes, &fail, Some(&buf), &uniq)
        } else {
            acc.to_c(&holes, &fail, None, &uniq)
        };
        let access = access.replace(OPERAND, &format!("((u64){t})"));
        let ty = if acc.is_string() { "const char *" } else { "s64" };
        format!("({{ s64 {t} = {op}; {ty} {t}_r = {access}; {t}_r; }})")
    }

    /// Guru mode's `$var = v` (and `$var += v`...): the value, then the write
    /// (debuginfo/target.rs `write_c`: a register, the return value, or a non-faulting
    /// store); the expression's value is the value written.
    fn target_write(&mut self, op: AssignOp, lhs: &Expr, rhs: &Expr) -> String {
        use crate::passes::elaborate::targets::Plan;
        let Some(Plan::Access(acc)) = self.targets.and_then(|t| t.plans.get(&lhs.span)).cloned() else {
            unreachable!("elaboration checks target writes")
        };
        let value = match op {
            AssignOp::Assign => self.expr(rhs),
            _ => {
                let bop = match op {
                    AssignOp::Add => BinOp::Add,
                    AssignOp::Sub => BinOp::Sub,
                    AssignOp::Mul => BinOp::Mul,
                    AssignOp::Div => BinOp::Div,
                    AssignOp::Mod => BinOp::Mod,
                    AssignOp::Shl => BinOp::Shl,
                    AssignOp::Shr => BinOp::Shr,
                    AssignOp::And => BinOp::BitAnd,
                    AssignOp::Xor => BinOp::BitXor,
                    AssignOp::Or => BinOp::BitOr,
                    AssignOp::Assign | AssignOp::Concat | AssignOp::Aggregate => unreachable!("elaboration types these"),
                };
                self.binary(bop, lhs, rhs, lhs.span)
            }
        };
        let ExprKind::Target { name, path, .. } = &lhs.kind else { unreachable!() };
        let mut holes = Vec::new();
        for p in path {
            if let ast::PathElem::Index(i) = p {
                holes.push(self.expr(i));
            }
        }
        let loc = self.loc(&format!("identifier '${name}'"), lhs.span);
        let fail = format!("c->last_loc = {loc}; goto {};", self.err);
        let t = self.fresh();
        let write = acc.write_c(&holes, &t, &fail, &t);
        format!("({{ s64 {t} = {value}; {write} {t}; }})")
    }

    /// `@var("NAME")->path`: the path's indexes, then the access (elaborate/casts.rs).
    fn at_var(&mut self, e: &Expr) -> String {
        let ExprKind::AtVar { name, path, .. } = &e.kind else { unreachable!() };
        let acc = self.program.casts.casts.get(&e.span).expect("elaborated @var").clone();
        let mut holes = Vec::new();
        for p in path {
            if let ast::PathElem::Index(i) = p {
                holes.push(self.expr(i));
            }
        }
        let loc = self.loc(&format!("@var(\"{name}\")"), e.span);
        let fail = format!("c->last_loc = {loc}; goto {};", self.err);
        let uniq = self.fresh();
        if acc.is_string() {
            let buf = self.string_temp();
            acc.to_c(&holes, &fail, Some(&buf), &uniq)
        } else {
            acc.to_c(&holes, &fail, None, &uniq)
        }
    }

    /// A long-valued call that may fail: on error, record where and leave.
    fn checked(&mut self, call: &str, loc: &str) -> String {
        let t = self.fresh();
        format!("({{ s64 {t} = {call}; if (unlikely(c->last_error)) {{ c->last_loc = {loc}; goto {err}; }} {t}; }})", err = self.err)
    }

    fn assign(&mut self, op: AssignOp, lhs: &Expr, rhs: &Expr, span: ast::Span) -> String {
        if op == AssignOp::Aggregate {
            return self.aggregate(lhs, rhs);
        }
        if let ExprKind::Target { .. } = lhs.kind {
            return self.target_write(op, lhs, rhs);
        }
        if let ExprKind::Index { .. } = lhs.kind {
            // The value first, into a temporary; then the element.
            let ty = self.type_of(lhs).unwrap_or(Type::Long);
            let v = self.expr(rhs);
            let t = self.fresh();
            let decl = match ty {
                Type::Long => format!("s64 {t} = {v};"),
                Type::String => format!("const char *{t} = {v};"),
            };
            let pl = self.place(lhs);
            let rhs_t = Expr::new(ExprKind::Var(format!("\u{0}{t}")), rhs.span);
            let code = self.assign_to(op, &pl.lv, ty, &rhs_t, lhs.span, rhs.span, span);
            return pl.wrap(&decl, &code);
        }
        let lv = self.expr(lhs);
        let ty = self.type_of(lhs).unwrap_or(Type::Long);
        self.assign_to(op, &lv, ty, rhs, lhs.span, rhs.span, span)
    }

    #[allow(clippy::too_many_arguments)]
    fn assign_to(
        &mut self,
        op: AssignOp,
        lv: &str,
        ty: Type,
        rhs: &Expr,
        lspan: ast::Span,
        rspan: ast::Span,
        span: ast::Span,
    ) -> String {
        match op {
            AssignOp::Assign if ty == Type::String => {
                let v = self.expr(rhs);
                format!("rt_str_assign({lv}, {v})")
            }
            AssignOp::Assign => {
                let v = self.expr(rhs);
                format!("({lv} = {v})")
            }
            AssignOp::Concat => {
                let v = self.expr(rhs);
                let t = self.string_temp();
                format!("rt_str_assign({lv}, rt_str_concat({t}, {lv}, {v}))")
            }
            AssignOp::Aggregate => unreachable!("elaboration rejects <<<"),
            _ => {
                let v = self.expr(rhs);
                let f = match op {
                    AssignOp::Add => "rt_add",
                    AssignOp::Sub => "rt_sub",
                    AssignOp::Mul => "rt_mul",
                    AssignOp::Shl => "rt_shl",
                    AssignOp::Shr => "rt_shr",
                    AssignOp::And => return format!("({lv} &= {v})"),
                    AssignOp::Or => return format!("({lv} |= {v})"),
                    AssignOp::Xor => return format!("({lv} ^= {v})"),
                    AssignOp::Div | AssignOp::Mod => {
                        let f = if op == AssignOp::Div { "rt_div" } else { "rt_mod" };
                        let at = self.operator_span(lspan, rspan, op.as_str()).unwrap_or(span);
                        let loc = self.loc(&format!("operator '{}'", op.as_str()), at);
                        let call = self.checked(&format!("{f}(c, {lv}, {v})"), &loc);
                        return format!("({lv} = {call})");
                    }
                    _ => unreachable!(),
                };
                format!("({lv} = {f}({lv}, {v}))")
            }
        }
    }

    fn call(&mut self, func: &ast::Ident, args: &[Expr]) -> String {
        match func.name.as_str() {
            "printf" | "sprintf" => self.printf_call(func, args),
            "print" | "println" | "sprint" | "sprintln" => {
                let nl = func.name.ends_with("ln");
                self.print_call(func.name.starts_with('s'), None, nl, args)
            }
            "printd" | "printdln" | "sprintd" => {
                let ExprKind::Literal(ast::Literal::Str(raw)) = &args[0].kind else { unreachable!("checked") };
                let delim = ast::decode_string(raw);
                self.print_call(func.name == "sprintd", Some(delim), func.name == "printdln", &args[1..])
            }
            name => self.user_call(name, func.span, args),
        }
    }

    /// print(a, b) and friends: one format built from the argument types;
    /// a histogram argument prints itself between the pieces.
    fn print_call(&mut self, to_string: bool, delim: Option<Vec<u8>>, newline: bool, args: &[Expr]) -> String {
        let mut parts = Vec::new();
        let mut fmt = Vec::new();
        let mut vals = Vec::new();
        for (i, a) in args.iter().enumerate() {
            if i > 0 {
                if let Some(d) = &delim {
                    fmt.extend(d.iter().flat_map(|&b| if b == b'%' { vec![b'%', b'%'] } else { vec![b] }));
                }
            }
            if matches!(a.kind, ExprKind::HistLog(_) | ExprKind::HistLinear { .. }) {
                if !fmt.is_empty() {
                    parts.push(self.emit_format(false, &fmt, &vals));
                    fmt.clear();
                    vals.clear();
                }
                parts.push(self.hist_print(a));
                continue;
            }
            let v = self.expr(a);
            if self.type_of(a) == Some(Type::String) {
                fmt.extend_from_slice(b"%s");
                vals.push(v);
            } else {
                fmt.extend_from_slice(b"%lld");
                vals.push(format!("(long long){v}"));
            }
        }
        if newline {
            fmt.push(b'\n');
        }
        if parts.is_empty() {
            return self.emit_format(to_string, &fmt, &vals);
        }
        if !fmt.is_empty() {
            parts.push(self.emit_format(false, &fmt, &vals));
        }
        format!("({{ {}; 0; }})", parts.join("; "))
    }

    fn printf_call(&mut self, func: &ast::Ident, args: &[Expr]) -> String {
        let ExprKind::Literal(ast::Literal::Str(raw)) = &args[0].kind else { unreachable!("checked") };
        let pieces = format::parse(raw).expect("checked by elaboration");
        let mut vals = Vec::new();
        let mut rest = args[1..].iter().enumerate();
        for p in &pieces {
            let Piece::Conv(c) = p else { continue };
            for (k, which) in c.args().into_iter().zip(0..) {
                let (i, a) = rest.next().expect("counted by elaboration");
                let mut v = self.expr(a);
                let string = k == format::ArgKind::String
                    || (k == format::ArgKind::Memory && self.type_of(a) == Some(Type::String));
                if string && args[i + 2..].iter().any(Expr::has_side_effects) {
                    v = self.string_snapshot(&v);
                }
                let is_count = which < c.args().len() - 1;
                vals.push(match k {
                    format::ArgKind::String => v,
                    format::ArgKind::Memory if string => v,
                    format::ArgKind::Long if (is_count || c.conv == 'c') && !c.is_raw() => format!("(int){v}"),
                    format::ArgKind::Long | format::ArgKind::Memory => format!("(long long){v}"),
                });
            }
        }
        let to_string = func.name == "sprintf";
        if pieces.iter().any(|p| matches!(p, Piece::Conv(c) if c.is_raw())) {
            return self.split_format(to_string, &pieces, &vals, func.span);
        }
        self.emit_format(to_string, &format::kernel_format(&pieces), &vals)
    }

    /// A format with raw-byte conversions (`%b %m %M`): the arguments into
    /// temporaries (left to right), then one runtime call per segment on an
    /// `rt_out` (runtime-c/print.h).
    fn split_format(&mut self, to_string: bool, pieces: &[Piece], vals: &[String], span: ast::Span) -> String {
        let mut code = String::from("({ ");
        let mut temps = Vec::new();
        for v in vals {
            let t = self.fresh();
            let ty = if v.starts_with("(long long)") {
                "long long"
            } else if v.starts_with("(int)") {
                "int"
            } else {
                "const char *"
            };
            write!(code, "{ty} {t} = {v}; ").unwrap();
            temps.push((t, ty));
        }
        let o = self.fresh();
        let dst = if to_string { self.string_temp() } else { "NULL".into() };
        write!(code, "struct rt_out {o} = {{ .c = c, .str = {dst}, .len = 0 }}; ").unwrap();
        let mut next = temps.iter();
        for seg in format::segments(pieces) {
            match seg {
                format::Segment::Kernel(ps) => {
                    let n: usize = ps.iter().map(|p| if let Piece::Conv(c) = p { c.args().len() } else { 0 }).sum();
                    let args: String = next.by_ref().take(n).map(|(t, _)| format!(", {t}")).collect();
                    let lit = format::c_string_literal(&format::kernel_format(ps));
                    write!(code, "rt_out_printf(&{o}, {lit}{args}); ").unwrap();
                }
                format::Segment::Raw(c) if c.conv == 'b' => {
                    let (t, _) = next.next().expect("counted by elaboration");
                    write!(code, "rt_out_binary(&{o}, {t}, {}); ", c.binary_size()).unwrap();
                }
                format::Segment::Raw(c) => {
                    let mut count = |n: Option<format::Count>| match n {
                        Some(format::Count::Star) => next.next().expect("counted by elaboration").0.clone(),
                        Some(format::Count::Fixed(n)) => n.to_string(),
                        None => "0".into(),
                    };
                    let width = count(c.width);
                    let prec = count(c.precision);
                    let flags: Vec<&str> = [
                        (c.conv == 'M', "RT_MEM_HEX"),
                        (c.flags.contains('#'), "RT_MEM_USER"),
                        (c.flags.contains('-'), "RT_MEM_LEFT"),
                        (c.precision.is_some(), "RT_MEM_PREC"),
                    ]
                    .into_iter()
                    .filter_map(|(on, f)| on.then_some(f))
                    .collect();
                    let flags = if flags.is_empty() { "0".to_string() } else { flags.join(" | ") };
                    let (t, ty) = next.next().expect("counted by elaboration");
                    let (s, addr) = if *ty == "const char *" { (t.as_str(), "0") } else { ("NULL", t.as_str()) };
                    write!(code, "rt_out_mem(&{o}, {s}, {addr}, {flags}, {width}, {prec}); ").unwrap();
                    if s == "NULL" {
                        // Reading memory may fault.
                        let loc = self.loc(&format!("format conversion '%{}'", c.conv), span);
                        write!(code, "if (unlikely(c->last_error)) {{ c->last_loc = {loc}; goto {err}; }} ", err = self.err)
                            .unwrap();
                    }
                }
            }
        }
        if to_string {
            write!(code, "rt_out_string(&{o}); }})").unwrap();
        } else {
            code.push_str("0; })");
        }
        code
    }

    /// A printf-family call. `vals` are C expressions already cast to what the
    /// kernel format takes (`(long long)`, `(int)`, or a string). They are
    /// evaluated into temporaries first, left to right as SystemTap does (C
    /// leaves the order of a call's arguments unspecified).
    fn emit_format(&mut self, to_string: bool, fmt: &[u8], vals: &[String]) -> String {
        let lit = format::c_string_literal(fmt);
        let mut binds = String::new();
        let mut args = String::new();
        for v in vals {
            let t = self.fresh();
            let ty = if v.starts_with("(long long)") {
                "long long"
            } else if v.starts_with("(int)") {
                "int"
            } else {
                "const char *"
            };
            binds.push_str(&format!("{ty} {t} = {v}; "));
            args.push_str(&format!(", {t}"));
        }
        if to_string {
            let t = self.string_temp();
            if fmt.is_empty() {
                return format!("({{ {t}[0] = '\\0'; (const char *){t}; }})");
            }
            format!("({{ {binds}rt_sprintf({t}, {lit}{args}); }})")
        } else if fmt.is_empty() {
            "0".into()
        } else {
            format!("({{ {binds}rt_printf(c, {lit}{args}); 0; }})")
        }
    }

    fn user_call(&mut self, name: &str, span: ast::Span, args: &[Expr]) -> String {
        let f = self.program.functions.iter().find(|f| f.name == name).expect("elaborated function");
        let mut code = String::from("({ ");
        // Arguments first, into temporaries: evaluating one may call another
        // function at this same depth and reuse the callee's frame.
        let mut temps = Vec::new();
        for (i, (a, p)) in args.iter().zip(&f.params).enumerate() {
            let mut v = self.expr(a);
            if p.ty == Type::String && args[i + 1..].iter().any(Expr::has_side_effects) {
                v = self.string_snapshot(&v);
            }
            let t = self.fresh();
            match p.ty {
                Type::Long => write!(code, "s64 {t} = {v}; ").unwrap(),
                Type::String => write!(code, "const char *{t} = {v}; ").unwrap(),
            }
            temps.push(t);
        }
        let loc = self.ident_loc(name, span);
        write!(
            code,
            "struct {frame} *_f; if (unlikely(c->nesting >= MAXNESTING)) {{ rt_error(c, \"MAXNESTING exceeded\"); c->last_loc = {loc}; goto {err}; }} _f = &F->fn[c->nesting].{field}; (void)_f; ",
            frame = names::function_frame(name),
            field = names::function_field(name),
            err = self.err,
        )
        .unwrap();
        for (t, p) in temps.iter().zip(&f.params) {
            match p.ty {
                Type::Long => write!(code, "_f->{} = {t}; ", names::param(&p.name)).unwrap(),
                Type::String => write!(code, "rt_str_assign(_f->{}, {t}); ", names::param(&p.name)).unwrap(),
            }
        }
        write!(
            code,
            "c->nesting++; {fname}(c); c->nesting--; if (unlikely(c->last_error)) {{ if (!c->last_loc) c->last_loc = {loc}; goto {err}; }} ",
            fname = names::function(name),
            err = self.err
        )
        .unwrap();
        match f.ret {
            Some(Type::Long) => code.push_str("_f->ret; })"),
            Some(Type::String) => {
                let t = self.string_temp();
                write!(code, "(const char *)rt_str_assign({t}, _f->ret); }})").unwrap();
            }
            None => code.push_str("0; })"),
        }
        code
    }

    fn global_info(&self, name: &str) -> Option<&'p GlobalInfo> {
        let program: &'p Program = self.program;
        program.globals.iter().find(|g| g.name == name)
    }

    fn ident_loc(&self, name: &str, span: ast::Span) -> String {
        self.loc(&format!("identifier '{}'", crate::passes::elaborate::display_name(name)), span)
    }

    /// Fills a key struct (a frame temporary) with the given keys; returns
    /// the statements, a pointer to the struct, and the mask of given keys.
    fn key(&mut self, g: &GlobalInfo, keys: &[Option<&Expr>]) -> (String, String, u32) {
        let arr = g.array.as_ref().expect("an array");
        let n = self.key_temps.len();
        self.key_temps.push(names::key_struct(&g.name));
        let k = format!("l->{}", names::key_temp(n));
        let mut setup = String::new();
        let mut mask = 0u32;
        for (i, e) in keys.iter().enumerate() {
            let Some(e) = e else { continue };
            mask |= 1 << i;
            let v = self.expr(e);
            match arr.keys[i] {
                Type::Long => write!(setup, "{k}.k{i} = {v}; ").unwrap(),
                Type::String => write!(setup, "rt_str_assign({k}.k{i}, {v}); ").unwrap(),
            }
        }
        (setup, format!("&{k}"), mask)
    }

    /// An assignable place: a variable or an array element (inserted).
    fn place(&mut self, e: &Expr) -> Place {
        let ExprKind::Index { array, indices } = &e.kind else {
            return Place { decl: String::new(), setup: String::new(), lv: self.expr(e) };
        };
        let g = self.global_info(&array.name).expect("elaborated array");
        let keys: Vec<Option<&Expr>> = indices.iter().map(Some).collect();
        let (setup, k, _) = self.key(g, &keys);
        let m = names::global(&g.name);
        let p = self.fresh();
        let loc = self.ident_loc(&array.name, array.span);
        let (decl, f, lv) = match g.ty {
            Type::Long => (format!("s64 *{p};"), "rt_map_ref_long", format!("(*{p})")),
            Type::String => (format!("char *{p};"), "rt_map_ref_str", p.clone()),
        };
        let setup = format!(
            "{setup}{p} = {f}(&{m}, {k}, c); if (unlikely(!{p})) {{ c->last_loc = {loc}; goto {err}; }} ",
            err = self.err
        );
        Place { decl, setup, lv }
    }

    fn index_read(&mut self, array: &ast::Ident, indices: &[Expr]) -> String {
        let g = self.global_info(&array.name).expect("elaborated array");
        let keys: Vec<Option<&Expr>> = indices.iter().map(Some).collect();
        let (setup, k, _) = self.key(g, &keys);
        let m = names::global(&g.name);
        match g.ty {
            Type::Long => format!("({{ {setup}rt_map_get_long(&{m}, {k}); }})"),
            Type::String => format!("({{ {setup}rt_map_get_str(&{m}, {k}); }})"),
        }
    }

    fn in_array(&mut self, keys: &[Option<Expr>], array: &ast::Ident) -> String {
        let g = self.global_info(&array.name).expect("elaborated array");
        let keys: Vec<Option<&Expr>> = keys.iter().map(|k| k.as_ref()).collect();
        let all = keys.iter().all(|k| k.is_some());
        let (setup, k, mask) = self.key(g, &keys);
        let m = names::global(&g.name);
        if all {
            format!("({{ {setup}(s64)(rt_map_find(&{m}, {k}) != NULL); }})")
        } else {
            format!("({{ {setup}(s64)rt_map_match_any(&{m}, {k}, {mask}u); }})")
        }
    }

    fn aggregate(&mut self, lhs: &Expr, rhs: &Expr) -> String {
        let v = self.expr(rhs);
        let t = self.fresh();
        match &lhs.kind {
            ExprKind::Var(name) => {
                let m = names::global(name);
                format!("({{ s64 {t} = {v}; rt_stat_var_add(&{m}, {t}); {t}; }})")
            }
            ExprKind::Index { array, indices } => {
                let g = self.global_info(&array.name).expect("elaborated array");
                let keys: Vec<Option<&Expr>> = indices.iter().map(Some).collect();
                let (setup, k, _) = self.key(g, &keys);
                let m = names::global(&g.name);
                let e = self.fresh();
                let loc = self.ident_loc(&array.name, array.span);
                format!(
                    "({{ s64 {t} = {v}; struct rt_map_entry *{e}; {setup}{e} = rt_map_insert(&{m}, {k}, c); if (unlikely(!{e})) {{ c->last_loc = {loc}; goto {err}; }} rt_stat_add({m}.lay->stat, rt_map_stats(&{m}, {e}), {m}.stat_size, {t}); {t}; }})",
                    err = self.err
                )
            }
            _ => unreachable!("elaboration checks <<< targets"),
        }
    }

    fn stat_get(&mut self, op: ast::StatOp, operand: &Expr) -> String {
        let opc = stat_op_c(op);
        match &operand.kind {
            ExprKind::Var(name) => {
                let m = names::global(name);
                let loc = self.ident_loc(name, operand.span);
                self.checked(&format!("rt_stat_get(c, {m}.desc, {m}.slots, {m}.size, {opc})"), &loc)
            }
            ExprKind::Index { array, indices } => {
                let g = self.global_info(&array.name).expect("elaborated array");
                let keys: Vec<Option<&Expr>> = indices.iter().map(Some).collect();
                let (setup, k, _) = self.key(g, &keys);
                let m = names::global(&g.name);
                let loc = self.ident_loc(&array.name, array.span);
                self.checked(&format!("({{ {setup}rt_map_stat_get(c, &{m}, {k}, {opc}); }})"), &loc)
            }
            _ => unreachable!("elaboration checks extractor operands"),
        }
    }

    /// `@hist_log(x)[i]`: the count in bucket i (the buckets as printed: for a log
    /// histogram 0..63 negative, 64 zero, 65.. positive; for a linear one 0 is below the
    /// range and the last above it); an index outside is an error.
    fn hist_bucket(&mut self, hist: &Expr, index: &Expr) -> String {
        let operand = match &hist.kind {
            ExprKind::HistLog(o) => o,
            ExprKind::HistLinear { operand, .. } => operand,
            _ => unreachable!("the grammar puts a histogram here"),
        };
        let i = self.expr(index);
        let t = self.fresh();
        match &operand.kind {
            ExprKind::Var(name) => {
                let m = names::global(name);
                let loc = self.ident_loc(name, operand.span);
                let call = format!("({{ s64 {t} = {i}; rt_stat_hist_bucket(c, {m}.desc, {m}.slots, {m}.size, {t}); }})");
                self.checked(&call, &loc)
            }
            ExprKind::Index { array, indices } => {
                let g = self.global_info(&array.name).expect("elaborated array");
                let keys: Vec<Option<&Expr>> = indices.iter().map(Some).collect();
                let (setup, k, _) = self.key(g, &keys);
                let m = names::global(&g.name);
                let loc = self.ident_loc(&array.name, array.span);
                let call = format!("({{ s64 {t} = {i}; {setup}rt_map_stat_hist_bucket(c, &{m}, {k}, {t}); }})");
                self.checked(&call, &loc)
            }
            _ => unreachable!("elaboration checks histogram operands"),
        }
    }

    fn hist_print(&mut self, e: &Expr) -> String {
        let operand = match &e.kind {
            ExprKind::HistLog(o) => o,
            ExprKind::HistLinear { operand, .. } => operand,
            _ => unreachable!(),
        };
        let (call, loc) = match &operand.kind {
            ExprKind::Var(name) => {
                let m = names::global(name);
                (format!("rt_stat_print_hist(c, {m}.desc, {m}.slots, {m}.size)"), self.ident_loc(name, operand.span))
            }
            ExprKind::Index { array, indices } => {
                let g = self.global_info(&array.name).expect("elaborated array");
                let keys: Vec<Option<&Expr>> = indices.iter().map(Some).collect();
                let (setup, k, _) = self.key(g, &keys);
                let m = names::global(&g.name);
                (format!("{setup}rt_map_stat_print_hist(c, &{m}, {k})"), self.ident_loc(&array.name, array.span))
            }
            _ => unreachable!("elaboration checks histogram operands"),
        };
        format!("({{ {call}; if (unlikely(c->last_error)) {{ c->last_loc = {loc}; goto {err}; }} 0; }})", err = self.err)
    }

    /// `delete x`, `delete arr`, `delete arr[k]`: one C statement.
    fn delete(&mut self, e: &Expr) -> String {
        match &e.kind {
            ExprKind::Var(name) => {
                if let Some((lv, ty)) = self.vars.get(name).cloned() {
                    return clear_scalar(&lv, ty);
                }
                let g = self.global_info(name).expect("elaborated global");
                let m = names::global(name);
                if g.array.is_some() {
                    format!("rt_map_clear(&{m});")
                } else if g.stat.is_some() {
                    format!("rt_stat_reset({m}.desc, {m}.slots, {m}.size);")
                } else {
                    clear_scalar(&m, g.ty)
                }
            }
            ExprKind::Index { array, indices } => {
                let g = self.global_info(&array.name).expect("elaborated array");
                let keys: Vec<Option<&Expr>> = indices.iter().map(Some).collect();
                let (setup, k, _) = self.key(g, &keys);
                let m = names::global(&g.name);
                format!("{{ {setup}rt_map_delete(&{m}, {k}); }}")
            }
            _ => unreachable!("elaboration checks delete"),
        }
    }

    fn foreach(&mut self, f: &ast::Foreach) {
        let g = self.global_info(&f.array.name).expect("elaborated array");
        let arr = g.array.as_ref().expect("an array");
        let m = names::global(&g.name);
        let (it, e, lim, cnt) = (self.fresh(), self.fresh(), self.fresh(), self.fresh());
        let (col, dir) = match f.sort {
            Some(s) => (s.column, if s.ascending { 1 } else { -1 }),
            None => (0, 0),
        };
        let op = f.sort.and_then(|s| s.aggregate).map(stat_op_c).unwrap_or("RT_STAT_COUNT");
        self.line("{");
        self.indent += 1;
        self.line(&format!("struct rt_map_iter {it};"));
        if let Some(l) = &f.limit {
            let v = self.expr(l);
            self.line(&format!("s64 {lim} = {v}, {cnt} = 0;"));
        }
        let slice = f.slice.as_ref().map(|slice| {
            let keys: Vec<Option<&Expr>> = slice.iter().map(|k| k.as_ref()).collect();
            let (setup, k, mask) = self.key(g, &keys);
            if !setup.is_empty() {
                self.line(&setup);
            }
            (k, mask)
        });
        self.line(&format!("rt_map_iter_start(&{m}, &{it}, {col}, {dir}, {op});"));
        self.line("for (;;) {");
        self.indent += 1;
        self.line(&format!("struct rt_map_entry *{e};"));
        self.line(&format!("if (unlikely(!rt_action(c, 1))) goto {};", self.err));
        self.line(&format!("{e} = rt_map_iter_next(&{m}, &{it});"));
        self.line(&format!("if (!{e}) break;"));
        if let Some((k, mask)) = slice {
            self.line(&format!("if (!rt_map_entry_match(&{m}, {e}, {k}, {mask}u)) continue;"));
        }
        if f.limit.is_some() {
            self.line(&format!("if ({cnt}++ >= {lim}) break;"));
        }
        for (i, kv) in f.keys.iter().enumerate() {
            let (lv, _) = self.var(&kv.name).expect("elaborated key variable");
            match arr.keys[i] {
                Type::Long => self.line(&format!("{lv} = rt_map_key_long(&{m}, {e}, {i});")),
                Type::String => self.line(&format!("rt_str_assign({lv}, rt_map_key_str(&{m}, {e}, {i}));")),
            }
        }
        if let Some(v) = &f.value {
            let (lv, _) = self.var(&v.name).expect("elaborated value variable");
            match g.ty {
                Type::Long => self.line(&format!("{lv} = *(s64 *)rt_map_val(&{m}, {e});")),
                Type::String => self.line(&format!("rt_str_assign({lv}, (const char *)rt_map_val(&{m}, {e}));")),
            }
        }
        self.indent -= 1;
        self.nested(&f.body);
        self.line("}");
        self.indent -= 1;
        self.line("}");
    }

    fn try_catch(&mut self, body: &ast::Block, var: Option<&ast::Ident>, catch_body: Option<&ast::Block>) {
        let n = self.fresh();
        let saved = std::mem::replace(&mut self.err, format!("catch{n}"));
        self.line("{");
        self.indent += 1;
        self.block(body);
        self.err = saved;
        self.line(&format!("goto tryend{n};"));
        self.indent -= 1;
        self.line(&format!("catch{n}: __attribute__((unused));"));
        self.indent += 1;
        // abort() is not an error a script can catch: on to the enclosing handler.
        self.line(&format!("if (unlikely(c->last_error == rt_abort_marker)) goto {};", self.err));
        if let Some(v) = var {
            let (lv, _) = self.var(&v.name).expect("elaborated catch variable");
            self.line(&format!("rt_str_assign({lv}, c->last_error ? c->last_error : \"\");"));
        }
        self.line("c->last_error = NULL;");
        self.line("c->last_loc = NULL;");
        if let Some(b) = catch_body {
            self.block(b);
        }
        self.indent -= 1;
        self.line("}");
        self.line(&format!("tryend{n}: ;"));
    }
}

pub fn long_literal(n: i64) -> String {
    if n == i64::MIN {
        "((s64)(-9223372036854775807LL - 1))".into()
    } else {
        format!("((s64){n}LL)")
    }
}

/// An assignable place: declarations and statements that find it, and the
/// C lvalue (a string place is a `char *`).
pub struct Place {
    decl: String,
    setup: String,
    pub lv: String,
}

impl Place {
    fn wrap(&self, extra_decl: &str, code: &str) -> String {
        if self.decl.is_empty() && self.setup.is_empty() && extra_decl.is_empty() {
            return code.to_string();
        }
        format!("({{ {extra_decl} {} {}{code}; }})", self.decl, self.setup)
    }
}

fn clear_scalar(lv: &str, ty: Type) -> String {
    match ty {
        Type::Long => format!("{lv} = 0;"),
        Type::String => format!("{lv}[0] = '\\0';"),
    }
}

pub fn stat_op_c(op: ast::StatOp) -> &'static str {
    match op {
        ast::StatOp::Count => "RT_STAT_COUNT",
        ast::StatOp::Sum => "RT_STAT_SUM",
        ast::StatOp::Min => "RT_STAT_MIN",
        ast::StatOp::Max => "RT_STAT_MAX",
        ast::StatOp::Avg => "RT_STAT_AVG",
        ast::StatOp::Variance => "RT_STAT_VARIANCE",
    }
}
