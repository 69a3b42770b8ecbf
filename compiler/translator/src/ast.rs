//! The abstract syntax tree produced by pass 1 (owned by the parse pass).
//!
//! Every node carries a [`Span`]. The tree is what the script says after preprocessing:
//! `%( %? %)` conditionals are resolved, `@define` macros expanded, `$1`/`@1` substituted and
//! brace alternatives in probe points (`kernel.{function("a"),function("b")}`) expanded into
//! separate [`ProbePoint`]s. String literals keep their escapes as written (see
//! [`decode_string`]).

pub use crate::diag::{FileId, Span};

/// A name with the place it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

impl Ident {
    pub fn new(name: impl Into<String>, span: Span) -> Ident {
        Ident { name: name.into(), span }
    }
}

/// One parsed file (a script, or one tapset file).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Script {
    pub file: FileId,
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Global(Global),
    Probe(Probe),
    Alias(ProbeAlias),
    Function(Function),
    /// A top-level `%{ ... %}` block.
    EmbeddedC(EmbeddedC),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Global(g) => g.span,
            Item::Probe(p) => p.span,
            Item::Alias(a) => a.span,
            Item::Function(f) => f.span,
            Item::EmbeddedC(c) => c.span,
        }
    }
}

/// `[private] global a, b = 1, c[1000], d%` — one declaration, several variables.
#[derive(Clone, Debug, PartialEq)]
pub struct Global {
    pub private: bool,
    pub vars: Vec<GlobalVar>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct GlobalVar {
    pub name: Ident,
    /// `= literal`
    pub init: Option<Literal>,
    /// `[N]`: an array with at most N entries.
    pub max_entries: Option<i64>,
    /// `%`: a wrapping array (oldest entries are replaced when full).
    pub wrap: bool,
    pub span: Span,
}

/// A literal: in global initialisers, probe point arguments and expressions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Literal {
    /// A 64-bit integer (hex literals above i64::MAX wrap, as in SystemTap).
    Num(i64),
    /// The text between the quotes, escapes kept as written (`\n` is two characters);
    /// adjacent literals are already concatenated.
    Str(String),
}

/// `probe POINT, POINT ... { body }`
#[derive(Clone, Debug, PartialEq)]
pub struct Probe {
    pub points: Vec<ProbePoint>,
    pub body: Block,
    pub span: Span,
}

/// `probe NAME, NAME = POINTS { body }` (prologue style) or `+=` (epilogue style).
#[derive(Clone, Debug, PartialEq)]
pub struct ProbeAlias {
    pub names: Vec<ProbePoint>,
    /// `+=`: the alias body runs after the user's probe body.
    pub epilogue: bool,
    pub points: Vec<ProbePoint>,
    pub body: Block,
    pub span: Span,
}

/// One probe point: `kernel.function("vfs_read").return?`.
#[derive(Clone, Debug, PartialEq)]
pub struct ProbePoint {
    pub components: Vec<Component>,
    /// `?`: no error if the point resolves to nothing.
    pub optional: bool,
    /// `!`: optional, and once it resolves, later points of the probe are skipped.
    pub sufficient: bool,
    /// `if (expr)`
    pub condition: Option<Expr>,
    pub span: Span,
}

/// `name` or `name(arg)`; the name may contain `*` wildcards.
#[derive(Clone, Debug, PartialEq)]
pub struct Component {
    pub name: String,
    pub arg: Option<Literal>,
    pub span: Span,
}

/// `function name[:type] (param[:type], ...) { body }` or `... %{ C %}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Function {
    pub private: bool,
    pub name: Ident,
    pub ret: Option<TypeAnnot>,
    pub params: Vec<Param>,
    pub body: FunctionBody,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: Ident,
    pub ty: Option<TypeAnnot>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    Long,
    String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TypeAnnot {
    pub ty: Type,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum FunctionBody {
    Script(Block),
    EmbeddedC(EmbeddedC),
}

/// `%{ ... %}`: the text between the delimiters, pragma comments (`/* pure */`) included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmbeddedC {
    pub code: String,
    pub span: Span,
}

impl EmbeddedC {
    /// Whether the code carries a `/* name */` pragma comment (`pure`, `unprivileged`, ...).
    pub fn has_pragma(&self, name: &str) -> bool {
        let mut rest = self.code.as_str();
        while let Some(i) = rest.find("/*") {
            let after = &rest[i + 2..];
            let Some(j) = after.find("*/") else { break };
            if after[..j].split_whitespace().any(|w| w == name) {
                return true;
            }
            rest = &after[j + 2..];
        }
        false
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    Block(Block),
    /// `;` on its own.
    Empty,
    Expr(Expr),
    If { cond: Expr, then: Box<Stmt>, els: Option<Box<Stmt>> },
    While { cond: Expr, body: Box<Stmt> },
    For { init: Option<Expr>, cond: Option<Expr>, step: Option<Expr>, body: Box<Stmt> },
    Foreach(Box<Foreach>),
    Break,
    Continue,
    Next,
    Return(Option<Expr>),
    Delete(Expr),
    Try { body: Block, catch_var: Option<Ident>, catch_body: Option<Block> },
    /// `%{ ... %}` inside a body (guru mode).
    EmbeddedC(EmbeddedC),
}

/// `foreach ([a, b+] in arr limit 10) body`, `foreach (v = [a, b] in arr-)`,
/// `foreach (k in arr)`, `foreach ([k] in stats @sum-)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Foreach {
    /// `v = [...]`: the variable that receives each element's value.
    pub value: Option<Ident>,
    pub keys: Vec<Ident>,
    /// Whether the keys were written in brackets (`[k]` vs `k`); for printing only.
    pub bracketed: bool,
    pub array: Ident,
    /// `arr[*, 5]`: iterate only the keys matching the given ones (`None` is `*`).
    pub slice: Option<Vec<Option<Expr>>>,
    pub sort: Option<Sort>,
    pub limit: Option<Expr>,
    pub body: Stmt,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort {
    /// 0: by value (marker on the value variable or after the array);
    /// N (1-based): by the N-th key.
    pub column: usize,
    pub ascending: bool,
    /// `arr @sum-`: sort a statistics array by this aggregate.
    pub aggregate: Option<StatOp>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }

    /// Whether evaluating this may change something: an assignment, `++`/`--`, or any
    /// call (a function may write globals, print or end the script). Conservative.
    pub fn has_side_effects(&self) -> bool {
        let path = |p: &[PathElem]| p.iter().any(|e| matches!(e, PathElem::Index(i) if i.has_side_effects()));
        match &self.kind {
            ExprKind::Assign { .. } | ExprKind::Crement { .. } | ExprKind::Call { .. } | ExprKind::EmbeddedC(_) => true,
            ExprKind::Literal(_) | ExprKind::Var(_) | ExprKind::Perf(_) | ExprKind::TargetAll { .. } => false,
            ExprKind::Index { indices, .. } => indices.iter().any(Expr::has_side_effects),
            ExprKind::In { keys, .. } => keys.iter().flatten().any(Expr::has_side_effects),
            ExprKind::Target { path: p, .. } | ExprKind::AtVar { path: p, .. } => path(p),
            ExprKind::Cast { operand, path: p, .. } => operand.has_side_effects() || path(p),
            ExprKind::Defined(_) => false,
            ExprKind::Entry(e) | ExprKind::AddrOf(e) | ExprKind::HistLog(e) => e.has_side_effects(),
            ExprKind::Stat { operand, .. } | ExprKind::Unary { operand, .. } => operand.has_side_effects(),
            ExprKind::HistLinear { operand, lo, hi, step } => {
                [operand, lo, hi, step].iter().any(|e| e.has_side_effects())
            }
            ExprKind::Binary { lhs, rhs, .. } | ExprKind::HistIndex { hist: lhs, index: rhs } => {
                lhs.has_side_effects() || rhs.has_side_effects()
            }
            ExprKind::Ternary { cond, then, els } => {
                cond.has_side_effects() || then.has_side_effects() || els.has_side_effects()
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Literal(Literal),
    /// A script variable.
    Var(String),
    /// `arr[a, b]`
    Index { array: Ident, indices: Vec<Expr> },
    /// `f(a, b)`
    Call { func: Ident, args: Vec<Expr> },
    /// `$name->a[1]$`: a target (debuginfo) variable.
    Target { name: String, path: Vec<PathElem>, pretty: Pretty },
    /// `$$vars`, `$$parms`, `$$locals`, `$$return`, with `$`/`$$` suffix.
    TargetAll { kind: TargetAllKind, pretty: Pretty },
    /// `@cast(expr, "type" [, "module"])->a->b`
    Cast { operand: Box<Expr>, ty: String, module: Option<String>, path: Vec<PathElem>, pretty: Pretty },
    /// `@var("name@file" [, "module"])->a`
    AtVar { name: String, module: Option<String>, path: Vec<PathElem>, pretty: Pretty },
    /// `@defined(expr)`
    Defined(Box<Expr>),
    /// `@entry(expr)`
    Entry(Box<Expr>),
    /// `@perf("name")`
    Perf(String),
    /// `&$var->field`
    AddrOf(Box<Expr>),
    /// `@count(x)`, `@sum(x)`, ... `@variance(x)`
    Stat { op: StatOp, operand: Box<Expr> },
    /// `@hist_log(x)`
    HistLog(Box<Expr>),
    /// `@hist_linear(x, lo, hi, step)`
    HistLinear { operand: Box<Expr>, lo: Box<Expr>, hi: Box<Expr>, step: Box<Expr> },
    /// `@hist_log(x)[i]`, `@hist_linear(x, lo, hi, step)[i]`: the count in bucket i
    /// (`hist` is the HistLog or HistLinear).
    HistIndex { hist: Box<Expr>, index: Box<Expr> },
    Unary { op: UnaryOp, operand: Box<Expr> },
    /// `++x`, `--x`, `x++`, `x--`
    Crement { op: CrementOp, operand: Box<Expr> },
    Binary { op: BinOp, lhs: Box<Expr>, rhs: Box<Expr> },
    Ternary { cond: Box<Expr>, then: Box<Expr>, els: Box<Expr> },
    /// `a = b`, `a += b`, ..., `s <<< v`
    Assign { op: AssignOp, lhs: Box<Expr>, rhs: Box<Expr> },
    /// `[a, b] in arr`, `k in arr`, `[a, *] in arr` (`None` is `*`)
    In { keys: Vec<Option<Expr>>, bracketed: bool, array: Ident },
    /// `%{ ... %}` as an expression (guru mode).
    EmbeddedC(EmbeddedC),
}

/// One step after a target expression: `->name` or `[index]`.
#[derive(Clone, Debug, PartialEq)]
pub enum PathElem {
    Member(Ident),
    Index(Expr),
}

/// The `$` / `$$` pretty-printing suffix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Pretty {
    #[default]
    None,
    /// `$`: the value, structs printed one level deep.
    Shallow,
    /// `$$`: nested structs printed too.
    Deep,
}

impl Pretty {
    pub fn suffix(self) -> &'static str {
        match self {
            Pretty::None => "",
            Pretty::Shallow => "$",
            Pretty::Deep => "$$",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetAllKind {
    Vars,
    Parms,
    Locals,
    Return,
    /// `$$name`: an SDT marker's name.
    Name,
    /// `$$provider`: an SDT marker's provider.
    Provider,
}

impl TargetAllKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetAllKind::Vars => "$$vars",
            TargetAllKind::Parms => "$$parms",
            TargetAllKind::Locals => "$$locals",
            TargetAllKind::Return => "$$return",
            TargetAllKind::Name => "$$name",
            TargetAllKind::Provider => "$$provider",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatOp {
    Count,
    Sum,
    Min,
    Max,
    Avg,
    Variance,
}

impl StatOp {
    pub fn as_str(self) -> &'static str {
        match self {
            StatOp::Count => "@count",
            StatOp::Sum => "@sum",
            StatOp::Min => "@min",
            StatOp::Max => "@max",
            StatOp::Avg => "@avg",
            StatOp::Variance => "@variance",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-`
    Neg,
    /// `+`
    Plus,
    /// `!`
    Not,
    /// `~`
    BitNot,
}

impl UnaryOp {
    pub fn as_str(self) -> &'static str {
        match self {
            UnaryOp::Neg => "-",
            UnaryOp::Plus => "+",
            UnaryOp::Not => "!",
            UnaryOp::BitNot => "~",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrementOp {
    PreInc,
    PreDec,
    PostInc,
    PostDec,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    LogOr,
    LogAnd,
    BitOr,
    BitXor,
    BitAnd,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `=~`
    RegexMatch,
    /// `!~`
    RegexNoMatch,
    Shl,
    Shr,
    /// `>>>`: logical (unsigned) right shift
    Ushr,
    /// `.` string concatenation
    Concat,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

impl BinOp {
    pub fn as_str(self) -> &'static str {
        use BinOp::*;
        match self {
            LogOr => "||",
            LogAnd => "&&",
            BitOr => "|",
            BitXor => "^",
            BitAnd => "&",
            Eq => "==",
            Ne => "!=",
            Lt => "<",
            Le => "<=",
            Gt => ">",
            Ge => ">=",
            RegexMatch => "=~",
            RegexNoMatch => "!~",
            Shl => "<<",
            Shr => ">>",
            Ushr => ">>>",
            Concat => ".",
            Add => "+",
            Sub => "-",
            Mul => "*",
            Div => "/",
            Mod => "%",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignOp {
    Assign,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Shl,
    Shr,
    And,
    Xor,
    Or,
    /// `.=`
    Concat,
    /// `<<<`: add a value to a statistics aggregate.
    Aggregate,
}

impl AssignOp {
    pub fn as_str(self) -> &'static str {
        use AssignOp::*;
        match self {
            Assign => "=",
            Add => "+=",
            Sub => "-=",
            Mul => "*=",
            Div => "/=",
            Mod => "%=",
            Shl => "<<=",
            Shr => ">>=",
            And => "&=",
            Xor => "^=",
            Or => "|=",
            Concat => ".=",
            Aggregate => "<<<",
        }
    }
}

/// Decode a string literal's escapes (`\n`, `\t`, `\\`, `\"`, octal `\ooo`, hex `\xHH`, ...)
/// into bytes. Unknown escapes keep the character after the backslash.
pub fn decode_string(raw: &str) -> Vec<u8> {
    let b = raw.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 >= b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        i += 1;
        let c = b[i];
        i += 1;
        match c {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'v' => out.push(0x0b),
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'a' => out.push(0x07),
            b'0'..=b'7' => {
                let mut v: u32 = (c - b'0') as u32;
                let mut n = 1;
                while n < 3 && i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                    v = v * 8 + (b[i] - b'0') as u32;
                    i += 1;
                    n += 1;
                }
                out.push(v as u8);
            }
            b'x' => {
                let mut v: u32 = 0;
                let mut n = 0;
                while n < 2 && i < b.len() && b[i].is_ascii_hexdigit() {
                    v = v * 16 + (b[i] as char).to_digit(16).unwrap();
                    i += 1;
                    n += 1;
                }
                if n == 0 {
                    out.extend_from_slice(b"\\x");
                } else {
                    out.push(v as u8);
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// The decoded string as UTF-8 (lossy), e.g. for probe point arguments.
pub fn decode_string_lossy(raw: &str) -> String {
    String::from_utf8_lossy(&decode_string(raw)).into_owned()
}

/// Escape arbitrary text into the raw form a string literal holds (the inverse of
/// [`decode_string`] for printable text).
pub fn escape_string(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\t' => s.push_str("\\t"),
            '\r' => s.push_str("\\r"),
            c => s.push(c),
        }
    }
    s
}

impl Literal {
    /// For a string literal, its decoded text.
    pub fn as_str_decoded(&self) -> Option<String> {
        match self {
            Literal::Str(s) => Some(decode_string_lossy(s)),
            Literal::Num(_) => None,
        }
    }
}
