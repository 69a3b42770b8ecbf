//! The `-p1` printer: the parsed script back as normalised, re-parseable text, with the
//! preprocessor applied and brace alternatives of probe points expanded.

use crate::ast::*;

/// The whole script.
pub fn print_script(s: &Script) -> String {
    let mut p = Printer::default();
    for (i, item) in s.items.iter().enumerate() {
        if i > 0 {
            p.out.push('\n');
        }
        p.item(item);
    }
    p.out
}

/// One expression, parenthesised where precedence needs it.
pub fn print_expr(e: &Expr) -> String {
    let mut p = Printer::default();
    p.expr(e, 0);
    p.out
}

/// One probe point, e.g. `kernel.function("vfs_read").return?`.
pub fn print_probe_point(pp: &ProbePoint) -> String {
    let mut p = Printer::default();
    p.point(pp);
    p.out
}

pub fn print_literal(l: &Literal) -> String {
    match l {
        Literal::Num(n) if *n < 0 => format!("{:#x}", *n as u64),
        Literal::Num(n) => n.to_string(),
        Literal::Str(s) => format!("\"{s}\""),
    }
}

#[derive(Default)]
struct Printer {
    out: String,
    indent: usize,
}

// Precedence levels, lowest first.
const P_ASSIGN: u8 = 1;
const P_TERNARY: u8 = 2;
const P_IN: u8 = 8;
const P_CMP: u8 = 9;
const P_UNARY: u8 = 14;
const P_POSTFIX: u8 = 15;
const P_PRIMARY: u8 = 16;

fn bin_prec(op: BinOp) -> u8 {
    use BinOp::*;
    match op {
        LogOr => 3,
        LogAnd => 4,
        BitOr => 5,
        BitXor => 6,
        BitAnd => 7,
        Eq | Ne | Lt | Le | Gt | Ge | RegexMatch | RegexNoMatch => P_CMP,
        Shl | Shr | Ushr => 10,
        Concat => 11,
        Add | Sub => 12,
        Mul | Div | Mod => 13,
    }
}

fn prec(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Assign { .. } => P_ASSIGN,
        ExprKind::Ternary { .. } => P_TERNARY,
        ExprKind::Binary { op, .. } => bin_prec(*op),
        ExprKind::In { .. } => P_IN,
        ExprKind::Unary { .. } | ExprKind::AddrOf(_) => P_UNARY,
        ExprKind::Crement { op: CrementOp::PreInc | CrementOp::PreDec, .. } => P_UNARY,
        ExprKind::Crement { .. } => P_POSTFIX,
        ExprKind::Literal(Literal::Num(n)) if *n < 0 => P_PRIMARY,
        _ => P_PRIMARY,
    }
}

impl Printer {
    fn nl(&mut self) {
        self.out.push('\n');
        for _ in 0..self.indent {
            self.out.push_str("  ");
        }
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Global(g) => {
                if g.private {
                    self.out.push_str("private ");
                }
                self.out.push_str("global ");
                for (i, v) in g.vars.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.out.push_str(&v.name.name);
                    if v.wrap {
                        self.out.push('%');
                    }
                    if let Some(n) = v.max_entries {
                        self.out.push_str(&format!("[{n}]"));
                    }
                    if let Some(init) = &v.init {
                        self.out.push_str(" = ");
                        match init {
                            Literal::Num(n) if *n < 0 => self.out.push_str(&format!("-{}", (*n as i128).unsigned_abs())),
                            l => self.out.push_str(&print_literal(l)),
                        }
                    }
                }
                self.out.push('\n');
            }
            Item::Probe(p) => {
                self.out.push_str("probe ");
                self.points(&p.points);
                self.out.push(' ');
                self.block(&p.body);
                self.out.push('\n');
            }
            Item::Alias(a) => {
                self.out.push_str("probe ");
                self.points(&a.names);
                self.out.push_str(if a.epilogue { " += " } else { " = " });
                self.points(&a.points);
                self.out.push(' ');
                self.block(&a.body);
                self.out.push('\n');
            }
            Item::Function(f) => {
                if f.private {
                    self.out.push_str("private ");
                }
                self.out.push_str("function ");
                self.out.push_str(&f.name.name);
                if let Some(t) = f.ret {
                    self.out.push(':');
                    self.out.push_str(type_name(t.ty));
                }
                self.out.push_str(" (");
                for (i, prm) in f.params.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.out.push_str(&prm.name.name);
                    if let Some(t) = prm.ty {
                        self.out.push(':');
                        self.out.push_str(type_name(t.ty));
                    }
                }
                self.out.push_str(") ");
                match &f.body {
                    FunctionBody::Script(b) => self.block(b),
                    FunctionBody::EmbeddedC(c) => self.embedded(c),
                }
                self.out.push('\n');
            }
            Item::EmbeddedC(c) => {
                self.embedded(c);
                self.out.push('\n');
            }
        }
    }

    fn embedded(&mut self, c: &EmbeddedC) {
        self.out.push_str("%{");
        self.out.push_str(&c.code);
        self.out.push_str("%}");
    }

    fn points(&mut self, pts: &[ProbePoint]) {
        for (i, p) in pts.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            self.point(p);
        }
    }

    fn point(&mut self, p: &ProbePoint) {
        for (i, c) in p.components.iter().enumerate() {
            if i > 0 {
                self.out.push('.');
            }
            self.out.push_str(&c.name);
            if let Some(a) = &c.arg {
                self.out.push('(');
                match a {
                    Literal::Num(n) if *n < 0 => self.out.push_str(&format!("-{}", (*n as i128).unsigned_abs())),
                    l => self.out.push_str(&print_literal(l)),
                }
                self.out.push(')');
            }
        }
        if p.optional {
            self.out.push('?');
        }
        if p.sufficient {
            self.out.push('!');
        }
        if let Some(c) = &p.condition {
            self.out.push_str(" if (");
            self.expr(c, 0);
            self.out.push(')');
        }
    }

    fn block(&mut self, b: &Block) {
        self.out.push('{');
        self.indent += 1;
        for s in &b.stmts {
            self.nl();
            self.stmt(s);
        }
        self.indent -= 1;
        self.nl();
        self.out.push('}');
    }

    /// A statement nested under if/while/for/foreach: blocks stay on the line.
    fn sub_stmt(&mut self, s: &Stmt) {
        if let StmtKind::Block(b) = &s.kind {
            self.out.push(' ');
            self.block(b);
        } else {
            self.indent += 1;
            self.nl();
            self.stmt(s);
            self.indent -= 1;
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::Block(b) => self.block(b),
            StmtKind::Empty => self.out.push(';'),
            StmtKind::Expr(e) => {
                self.expr(e, 0);
                self.out.push(';');
            }
            StmtKind::EmbeddedC(c) => {
                self.embedded(c);
                self.out.push(';');
            }
            StmtKind::If { cond, then, els } => {
                self.out.push_str("if (");
                self.expr(cond, 0);
                self.out.push(')');
                self.sub_stmt(then);
                if let Some(e) = els {
                    if matches!(then.kind, StmtKind::Block(_)) {
                        self.out.push(' ');
                    } else {
                        self.nl();
                    }
                    self.out.push_str("else");
                    if matches!(e.kind, StmtKind::If { .. }) {
                        self.out.push(' ');
                        self.stmt(e);
                    } else {
                        self.sub_stmt(e);
                    }
                }
            }
            StmtKind::While { cond, body } => {
                self.out.push_str("while (");
                self.expr(cond, 0);
                self.out.push(')');
                self.sub_stmt(body);
            }
            StmtKind::For { init, cond, step, body } => {
                self.out.push_str("for (");
                if let Some(e) = init {
                    self.expr(e, 0);
                }
                self.out.push_str("; ");
                if let Some(e) = cond {
                    self.expr(e, 0);
                }
                self.out.push_str("; ");
                if let Some(e) = step {
                    self.expr(e, 0);
                }
                self.out.push(')');
                self.sub_stmt(body);
            }
            StmtKind::Foreach(f) => {
                self.out.push_str("foreach (");
                let mark = |col: usize| -> &'static str {
                    match f.sort {
                        Some(s) if s.column == col && s.aggregate.is_none() => {
                            if s.ascending {
                                "+"
                            } else {
                                "-"
                            }
                        }
                        _ => "",
                    }
                };
                if let Some(v) = &f.value {
                    self.out.push_str(&v.name);
                    self.out.push_str(" = ");
                }
                if f.bracketed || f.keys.len() != 1 {
                    self.out.push('[');
                }
                for (i, k) in f.keys.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.out.push_str(&k.name);
                    if i + 1 != 0 {
                        self.out.push_str(mark(i + 1));
                    }
                }
                if f.bracketed || f.keys.len() != 1 {
                    self.out.push(']');
                }
                self.out.push_str(" in ");
                self.out.push_str(&f.array.name);
                if let Some(sl) = &f.slice {
                    self.out.push('[');
                    for (i, e) in sl.iter().enumerate() {
                        if i > 0 {
                            self.out.push_str(", ");
                        }
                        match e {
                            Some(e) => self.expr(e, 0),
                            None => self.out.push('*'),
                        }
                    }
                    self.out.push(']');
                }
                if let Some(s) = f.sort {
                    if let Some(a) = s.aggregate {
                        self.out.push(' ');
                        self.out.push_str(a.as_str());
                        self.out.push_str(if s.ascending { "+" } else { "-" });
                    } else {
                        self.out.push_str(mark(0));
                    }
                }
                if let Some(l) = &f.limit {
                    self.out.push_str(" limit ");
                    self.expr(l, 0);
                }
                self.out.push(')');
                self.sub_stmt(&f.body);
            }
            StmtKind::Break => self.out.push_str("break;"),
            StmtKind::Continue => self.out.push_str("continue;"),
            StmtKind::Next => self.out.push_str("next;"),
            StmtKind::Return(None) => self.out.push_str("return;"),
            StmtKind::Return(Some(e)) => {
                self.out.push_str("return ");
                self.expr(e, 0);
                self.out.push(';');
            }
            StmtKind::Delete(e) => {
                self.out.push_str("delete ");
                self.expr(e, 0);
                self.out.push(';');
            }
            StmtKind::Try { body, catch_var, catch_body } => {
                self.out.push_str("try ");
                self.block(body);
                self.out.push_str(" catch");
                if let Some(v) = catch_var {
                    self.out.push_str(&format!(" ({})", v.name));
                }
                self.out.push(' ');
                match catch_body {
                    Some(b) => self.block(b),
                    None => self.out.push_str("{\n}"),
                }
            }
        }
    }

    fn args(&mut self, args: &[Expr]) {
        self.out.push('(');
        for (i, a) in args.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            self.expr(a, 0);
        }
        self.out.push(')');
    }

    fn path(&mut self, path: &[PathElem], pretty: Pretty) {
        for p in path {
            match p {
                PathElem::Member(m) => {
                    self.out.push_str("->");
                    self.out.push_str(&m.name);
                }
                PathElem::Index(e) => {
                    self.out.push('[');
                    self.expr(e, 0);
                    self.out.push(']');
                }
            }
        }
        self.out.push_str(pretty.suffix());
    }

    /// Print `e`, in parentheses if its precedence is below `min`.
    fn expr(&mut self, e: &Expr, min: u8) {
        let p = prec(e);
        let paren = p < min;
        if paren {
            self.out.push('(');
        }
        self.expr_inner(e);
        if paren {
            self.out.push(')');
        }
    }

    fn expr_inner(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Literal(l) => self.out.push_str(&print_literal(l)),
            ExprKind::Var(v) => self.out.push_str(v),
            ExprKind::Index { array, indices } => {
                self.out.push_str(&array.name);
                self.out.push('[');
                for (i, a) in indices.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.expr(a, 0);
                }
                self.out.push(']');
            }
            ExprKind::Call { func, args } => {
                self.out.push_str(&func.name);
                self.args(args);
            }
            ExprKind::Target { name, path, pretty } => {
                self.out.push('$');
                self.out.push_str(name);
                self.path(path, *pretty);
            }
            ExprKind::TargetAll { kind, pretty } => {
                self.out.push_str(kind.as_str());
                self.out.push_str(pretty.suffix());
            }
            ExprKind::Cast { operand, ty, module, path, pretty } => {
                self.out.push_str("@cast(");
                self.expr(operand, 0);
                self.out.push_str(&format!(", \"{ty}\""));
                if let Some(m) = module {
                    self.out.push_str(&format!(", \"{m}\""));
                }
                self.out.push(')');
                self.path(path, *pretty);
            }
            ExprKind::AtVar { name, module, path, pretty } => {
                self.out.push_str(&format!("@var(\"{name}\""));
                if let Some(m) = module {
                    self.out.push_str(&format!(", \"{m}\""));
                }
                self.out.push(')');
                self.path(path, *pretty);
            }
            ExprKind::Defined(x) => {
                self.out.push_str("@defined(");
                self.expr(x, 0);
                self.out.push(')');
            }
            ExprKind::Entry(x) => {
                self.out.push_str("@entry(");
                self.expr(x, 0);
                self.out.push(')');
            }
            ExprKind::Perf(s) => self.out.push_str(&format!("@perf(\"{s}\")")),
            ExprKind::AddrOf(x) => {
                self.out.push('&');
                self.expr(x, P_POSTFIX);
            }
            ExprKind::Stat { op, operand } => {
                self.out.push_str(op.as_str());
                self.out.push('(');
                self.expr(operand, 0);
                self.out.push(')');
            }
            ExprKind::HistLog(x) => {
                self.out.push_str("@hist_log(");
                self.expr(x, 0);
                self.out.push(')');
            }
            ExprKind::HistLinear { operand, lo, hi, step } => {
                self.out.push_str("@hist_linear");
                let v: Vec<Expr> = vec![(**operand).clone(), (**lo).clone(), (**hi).clone(), (**step).clone()];
                self.args(&v);
            }
            ExprKind::HistIndex { hist, index } => {
                self.expr(hist, 0);
                self.out.push('[');
                self.expr(index, 0);
                self.out.push(']');
            }
            ExprKind::Unary { op, operand } => {
                self.out.push_str(op.as_str());
                let start = self.out.len();
                self.expr(operand, P_UNARY);
                // `- -x` and `+ +x` must not run together into `--x` / `++x`.
                let first = self.out[start..].chars().next();
                if matches!((op, first), (UnaryOp::Neg, Some('-')) | (UnaryOp::Plus, Some('+'))) {
                    self.out.insert(start, ' ');
                }
            }
            ExprKind::Crement { op, operand } => match op {
                CrementOp::PreInc | CrementOp::PreDec => {
                    self.out.push_str(if *op == CrementOp::PreInc { "++" } else { "--" });
                    let start = self.out.len();
                    self.expr(operand, P_UNARY);
                    let first = self.out[start..].chars().next();
                    if matches!(first, Some('-') | Some('+')) {
                        self.out.insert(start, ' ');
                    }
                }
                _ => {
                    self.expr(operand, P_POSTFIX);
                    self.out.push_str(if *op == CrementOp::PostInc { "++" } else { "--" });
                }
            },
            ExprKind::Binary { op, lhs, rhs } => {
                let p = bin_prec(*op);
                self.expr(lhs, p);
                self.out.push(' ');
                self.out.push_str(op.as_str());
                self.out.push(' ');
                self.expr(rhs, p + 1);
            }
            ExprKind::Ternary { cond, then, els } => {
                self.expr(cond, P_TERNARY + 1);
                self.out.push_str(" ? ");
                self.expr(then, 0);
                self.out.push_str(" : ");
                self.expr(els, P_TERNARY);
            }
            ExprKind::Assign { op, lhs, rhs } => {
                self.expr(lhs, P_TERNARY);
                self.out.push(' ');
                self.out.push_str(op.as_str());
                self.out.push(' ');
                self.expr(rhs, P_ASSIGN);
            }
            ExprKind::In { keys, bracketed, array } => {
                if *bracketed || keys.len() != 1 || keys[0].is_none() {
                    self.out.push('[');
                    for (i, k) in keys.iter().enumerate() {
                        if i > 0 {
                            self.out.push_str(", ");
                        }
                        match k {
                            Some(k) => self.expr(k, P_CMP),
                            None => self.out.push('*'),
                        }
                    }
                    self.out.push(']');
                } else if let Some(k) = &keys[0] {
                    self.expr(k, P_CMP);
                }
                self.out.push_str(" in ");
                self.out.push_str(&array.name);
            }
            ExprKind::EmbeddedC(c) => self.embedded(c),
        }
    }
}

fn type_name(t: Type) -> &'static str {
    match t {
        Type::Long => "long",
        Type::String => "string",
    }
}
