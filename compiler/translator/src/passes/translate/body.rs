//! Statements and expressions to C. Every script expression becomes one C
//! expression (GNU statement expressions where it needs temporaries), so
//! short-circuit and ternary evaluation stay exact. Anything that can fail
//! (division, a function call, the action limit) jumps to the body's `out`
//! label with the context's error set.

use super::names;
use crate::ast::{self, AssignOp, BinOp, CrementOp, Expr, ExprKind, Stmt, StmtKind, Type, UnaryOp};
use crate::diag::SourceMap;
use crate::format::{self, Piece};
use crate::passes::elaborate::{LocalInfo, Program};
use std::collections::HashMap;
use std::fmt::Write;

/// Translates one body (a probe's or a function's).
pub struct BodyGen<'p> {
    pub program: &'p Program,
    pub sources: &'p SourceMap,
    /// Local name → (C lvalue, type); parameters included.
    pub vars: HashMap<String, (String, Type)>,
    /// Globals by name → (C name, type).
    pub globals: &'p HashMap<String, (String, Type)>,
    pub in_function: Option<&'p crate::passes::elaborate::FunctionInfo>,
    /// String temporaries the frame must provide.
    pub string_temps: usize,
    tmp_counter: usize,
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
        BodyGen { program, sources, vars, globals, in_function, string_temps: 0, tmp_counter: 0, out: String::new(), indent: 1 }
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
                self.line("if (unlikely(!rt_action(c, 1))) goto out;");
                let code = self.expr(e);
                self.line(&format!("(void){code};"));
            }
            StmtKind::If { cond, then, els } => {
                self.line("if (unlikely(!rt_action(c, 1))) goto out;");
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
                self.line("for (;;) {");
                self.indent += 1;
                self.line("if (unlikely(!rt_action(c, 1))) goto out;");
                self.line(&format!("if (!({c})) break;"));
                self.indent -= 1;
                self.nested(body);
                self.line("}");
            }
            StmtKind::For { init, cond, step, body } => {
                if let Some(i) = init {
                    let code = self.expr(i);
                    self.line(&format!("(void){code};"));
                }
                let c = cond.as_ref().map(|c| self.expr(c)).unwrap_or_else(|| "1".into());
                let st = step.as_ref().map(|s| format!("(void){}", self.expr(s))).unwrap_or_default();
                self.line(&format!("for (;; {st}) {{"));
                self.indent += 1;
                self.line("if (unlikely(!rt_action(c, 1))) goto out;");
                self.line(&format!("if (!({c})) break;"));
                self.indent -= 1;
                self.nested(body);
                self.line("}");
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
            // Elaboration rejects the rest for now.
            _ => unreachable!("elaboration rejects {:?}", s.kind),
        }
    }

    fn nested(&mut self, s: &Stmt) {
        self.indent += 1;
        match &s.kind {
            StmtKind::Block(b) => self.block(b),
            _ => self.stmt(s),
        }
        self.indent -= 1;
    }

    fn type_of(&self, e: &Expr) -> Option<Type> {
        match &e.kind {
            ExprKind::Literal(ast::Literal::Num(_)) => Some(Type::Long),
            ExprKind::Literal(ast::Literal::Str(_)) => Some(Type::String),
            ExprKind::Var(n) => self.var(n).map(|(_, t)| t),
            ExprKind::Binary { op: BinOp::Concat, .. } => Some(Type::String),
            ExprKind::Binary { .. } | ExprKind::Unary { .. } | ExprKind::Crement { .. } => Some(Type::Long),
            ExprKind::Ternary { then, els, .. } => self.type_of(then).or_else(|| self.type_of(els)),
            ExprKind::Assign { op: AssignOp::Concat, .. } => Some(Type::String),
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
                let lv = self.expr(operand);
                match op {
                    CrementOp::PreInc => format!("({lv} = rt_add({lv}, 1))"),
                    CrementOp::PreDec => format!("({lv} = rt_sub({lv}, 1))"),
                    CrementOp::PostInc | CrementOp::PostDec => {
                        let t = self.fresh();
                        let f = if *op == CrementOp::PostInc { "rt_add" } else { "rt_sub" };
                        format!("({{ s64 {t} = {lv}; {lv} = {f}({t}, 1); {t}; }})")
                    }
                }
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
            _ => unreachable!("elaboration rejects {:?}", e.kind),
        }
    }

    fn binary(&mut self, op: BinOp, lhs: &Expr, rhs: &Expr, span: ast::Span) -> String {
        let strings = self.type_of(lhs) == Some(Type::String) || self.type_of(rhs) == Some(Type::String);
        let a = self.expr(lhs);
        let b = self.expr(rhs);
        let cmp = |c: &str| {
            if strings {
                format!("((s64)(strcmp({a}, {b}) {c} 0))")
            } else {
                format!("((s64)(({a}) {c} ({b})))")
            }
        };
        match op {
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
            BinOp::RegexMatch | BinOp::RegexNoMatch => unreachable!("elaboration rejects regex"),
        }
    }

    /// A long-valued call that may fail: on error, record where and leave.
    fn checked(&mut self, call: &str, loc: &str) -> String {
        let t = self.fresh();
        format!("({{ s64 {t} = {call}; if (unlikely(c->last_error)) {{ c->last_loc = {loc}; goto out; }} {t}; }})")
    }

    fn assign(&mut self, op: AssignOp, lhs: &Expr, rhs: &Expr, span: ast::Span) -> String {
        let lv = self.expr(lhs);
        let ty = self.type_of(lhs).unwrap_or(Type::Long);
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
                        let at = self.operator_span(lhs.span, rhs.span, op.as_str()).unwrap_or(span);
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
            "printf" | "sprintf" => self.printf_call(&func.name, args),
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

    /// print(a, b) and friends: one format built from the argument types.
    fn print_call(&mut self, to_string: bool, delim: Option<Vec<u8>>, newline: bool, args: &[Expr]) -> String {
        let mut fmt = Vec::new();
        let mut vals = Vec::new();
        for (i, a) in args.iter().enumerate() {
            if i > 0 {
                if let Some(d) = &delim {
                    fmt.extend(d.iter().flat_map(|&b| if b == b'%' { vec![b'%', b'%'] } else { vec![b] }));
                }
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
        self.emit_format(to_string, &fmt, &vals)
    }

    fn printf_call(&mut self, name: &str, args: &[Expr]) -> String {
        let ExprKind::Literal(ast::Literal::Str(raw)) = &args[0].kind else { unreachable!("checked") };
        let pieces = format::parse(raw).expect("checked by elaboration");
        let mut vals = Vec::new();
        let mut rest = args[1..].iter();
        for p in &pieces {
            let Piece::Conv(c) = p else { continue };
            for (k, which) in c.args().into_iter().zip(0..) {
                let a = rest.next().expect("counted by elaboration");
                let v = self.expr(a);
                let is_count = which < c.args().len() - 1;
                vals.push(match k {
                    format::ArgKind::String => v,
                    format::ArgKind::Long if is_count || c.conv == 'c' => format!("(int){v}"),
                    format::ArgKind::Long => format!("(long long){v}"),
                });
            }
        }
        self.emit_format(name == "sprintf", &format::kernel_format(&pieces), &vals)
    }

    fn emit_format(&mut self, to_string: bool, fmt: &[u8], vals: &[String]) -> String {
        let lit = format::c_string_literal(fmt);
        let args: String = vals.iter().map(|v| format!(", {v}")).collect();
        if to_string {
            let t = self.string_temp();
            if fmt.is_empty() {
                return format!("({{ {t}[0] = '\\0'; (const char *){t}; }})");
            }
            format!("rt_sprintf({t}, {lit}{args})")
        } else if fmt.is_empty() {
            "0".into()
        } else {
            format!("({{ rt_printf(c, {lit}{args}); 0; }})")
        }
    }

    fn user_call(&mut self, name: &str, span: ast::Span, args: &[Expr]) -> String {
        let f = self.program.functions.iter().find(|f| f.name == name).expect("elaborated function");
        let mut code = String::from("({ ");
        // Arguments first, into temporaries: evaluating one may call another
        // function at this same depth and reuse the callee's frame.
        let mut temps = Vec::new();
        for (a, p) in args.iter().zip(&f.params) {
            let v = self.expr(a);
            let t = self.fresh();
            match p.ty {
                Type::Long => write!(code, "s64 {t} = {v}; ").unwrap(),
                Type::String => write!(code, "const char *{t} = {v}; ").unwrap(),
            }
            temps.push(t);
        }
        let loc = self.loc(&format!("identifier '{name}'"), span);
        write!(
            code,
            "struct {frame} *_f; if (unlikely(c->nesting >= MAXNESTING)) {{ rt_error(c, \"MAXNESTING exceeded\"); c->last_loc = {loc}; goto out; }} _f = &F->fn[c->nesting].{field}; (void)_f; ",
            frame = names::function_frame(name),
            field = names::function_field(name),
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
            "c->nesting++; {fname}(c); c->nesting--; if (unlikely(c->last_error)) {{ if (!c->last_loc) c->last_loc = {loc}; goto out; }} ",
            fname = names::function(name)
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
}

pub fn long_literal(n: i64) -> String {
    if n == i64::MIN {
        "((s64)(-9223372036854775807LL - 1))".into()
    } else {
        format!("((s64){n}LL)")
    }
}
