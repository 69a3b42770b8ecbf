//! The preprocessor, over the token stream: `%( COND %? A %: B %)` conditionals, `@define`
//! macros and their uses, and the script arguments `$1`/`@1`/`$#`/`@#`.

use std::collections::HashMap;

use super::lexer::{lex, Tok, Token};
use crate::ast::escape_string;
use crate::diag::{Diagnostic, Span};

/// What conditionals can test, and the script's arguments.
#[derive(Clone, Debug)]
pub struct PreprocessContext {
    /// `uname -r` of the target kernel, e.g. "6.1.0-28-amd64" (`kernel_vr`; `kernel_v` is
    /// the part before the first '-').
    pub kernel_release: String,
    /// e.g. "x86_64"
    pub arch: String,
    /// The target kernel's config: `CONFIG_FOO` → "y", "m", "250", "\"string\""...
    pub config: HashMap<String, String>,
    /// The script arguments after the script name.
    pub args: Vec<String>,
    /// The SystemTap language version the script asks for (`systemtap_v`).
    pub systemtap_version: String,
    /// "kernel"
    pub runtime: String,
    pub guru_mode: bool,
    /// "stapusr", "stapsys" or "stapdev"
    pub privilege: String,
}

impl Default for PreprocessContext {
    fn default() -> Self {
        PreprocessContext {
            kernel_release: String::new(),
            arch: "x86_64".into(),
            config: HashMap::new(),
            args: Vec::new(),
            systemtap_version: "4.8".into(),
            runtime: "kernel".into(),
            guru_mode: false,
            privilege: "stapdev".into(),
        }
    }
}

/// One `@define`.
#[derive(Clone, Debug)]
pub struct MacroDef {
    pub name: String,
    pub params: Vec<String>,
    pub body: Vec<Token>,
    /// The name in the `@define`.
    pub span: Span,
}

/// Macro definitions by name: the library's (`.stpm` files) or one file's own.
#[derive(Clone, Debug, Default)]
pub struct MacroTable {
    pub defs: HashMap<String, MacroDef>,
}

impl MacroTable {
    pub fn new() -> MacroTable {
        MacroTable::default()
    }
    pub fn get(&self, name: &str) -> Option<&MacroDef> {
        self.defs.get(name)
    }
    pub fn len(&self) -> usize {
        self.defs.len()
    }
    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }
    /// Add the definitions of `other`; those already here win over nothing: later wins.
    pub fn extend(&mut self, other: MacroTable) {
        self.defs.extend(other.defs);
    }
}

const MAX_DEPTH: usize = 64;

pub(crate) struct Preprocessor<'a> {
    ctx: &'a PreprocessContext,
    library: &'a MacroTable,
    pub local: MacroTable,
    pub errors: Vec<Diagnostic>,
}

type Env = HashMap<String, Vec<Token>>;

fn is(t: &Token, tok: &Tok) -> bool {
    &t.tok == tok
}

impl<'a> Preprocessor<'a> {
    pub fn new(ctx: &'a PreprocessContext, library: &'a MacroTable) -> Self {
        Preprocessor { ctx, library, local: MacroTable::new(), errors: Vec::new() }
    }

    pub fn run(&mut self, toks: &[Token]) -> Vec<Token> {
        let mut out = Vec::with_capacity(toks.len());
        self.process(toks, &mut out, &Env::new(), 0, None);
        out
    }

    fn err(&mut self, d: Diagnostic) {
        self.errors.push(d);
    }

    /// Find the `%?`, optional `%:` and `%)` of the conditional opened at `toks[open]`.
    fn find_conditional(&self, toks: &[Token], open: usize) -> (Option<usize>, Option<usize>, Option<usize>) {
        let (mut then, mut els) = (None, None);
        let mut depth = 0usize;
        for (j, t) in toks.iter().enumerate().skip(open + 1) {
            match t.tok {
                Tok::PpOpen => depth += 1,
                Tok::PpClose if depth == 0 => return (then, els, Some(j)),
                Tok::PpClose => depth -= 1,
                Tok::PpThen if depth == 0 && then.is_none() => then = Some(j),
                Tok::PpElse if depth == 0 && then.is_some() && els.is_none() => els = Some(j),
                _ => {}
            }
        }
        (then, els, None)
    }

    /// `expansion`: the span of the macro use being expanded, for the error's label.
    fn process(&mut self, toks: &[Token], out: &mut Vec<Token>, env: &Env, depth: usize, expansion: Option<Span>) {
        let mut i = 0;
        while i < toks.len() {
            let t = &toks[i];
            match &t.tok {
                Tok::PpOpen => {
                    let (then, els, close) = self.find_conditional(toks, i);
                    let Some(close) = close else {
                        self.err(
                            Diagnostic::error("unterminated preprocessor conditional: missing `%)`")
                                .with_span(t.span)
                                .with_help("a conditional is `%( CONDITION %? TOKENS %: TOKENS %)`"),
                        );
                        return;
                    };
                    let Some(then) = then else {
                        self.err(
                            Diagnostic::error("preprocessor conditional without `%?`")
                                .with_span(t.span)
                                .with_help("a conditional is `%( CONDITION %? TOKENS %: TOKENS %)`"),
                        );
                        i = close + 1;
                        continue;
                    };
                    let mut cond = Vec::new();
                    let nerr = self.errors.len();
                    self.process(&toks[i + 1..then], &mut cond, env, depth, expansion);
                    let value = if self.errors.len() > nerr {
                        false
                    } else {
                        match CondEval::new(self.ctx, &cond, t.span).eval() {
                            Ok(v) => v,
                            Err(d) => {
                                self.err(d);
                                false
                            }
                        }
                    };
                    let (a, b) = match els {
                        Some(e) => ((then + 1, e), Some((e + 1, close))),
                        None => ((then + 1, close), None),
                    };
                    if value {
                        self.process(&toks[a.0..a.1], out, env, depth, expansion);
                    } else if let Some(b) = b {
                        self.process(&toks[b.0..b.1], out, env, depth, expansion);
                    }
                    i = close + 1;
                }
                Tok::PpThen | Tok::PpElse | Tok::PpClose => {
                    self.err(
                        Diagnostic::error(format!("{} outside of a `%( ... %)` conditional", t.tok.describe()))
                            .with_span(t.span),
                    );
                    i += 1;
                }
                Tok::AtOp("@define") => {
                    i = self.define(toks, i);
                }
                Tok::AtMacro(name) => {
                    if let Some(v) = env.get(name) {
                        out.extend(v.iter().cloned());
                        i += 1;
                        continue;
                    }
                    i = self.expand(toks, i, out, env, depth, expansion);
                }
                Tok::DollarArg(n) | Tok::AtArg(n) => {
                    let n = *n;
                    let Some(arg) = (n >= 1).then(|| self.ctx.args.get(n - 1)).flatten() else {
                        let given = self.ctx.args.len();
                        self.err(
                            Diagnostic::error(format!("{} refers to a script argument that was not given", t.tok.describe()))
                                .with_span(t.span)
                                .with_help(format!(
                                    "the script was given {given} argument{}; pass more after the script name, or test `$#` in a `%( $# >= {n} %? ... %)` conditional",
                                    if given == 1 { "" } else { "s" }
                                )),
                        );
                        i += 1;
                        continue;
                    };
                    if matches!(t.tok, Tok::AtArg(_)) {
                        out.push(Token { tok: Tok::Str(escape_string(arg)), span: t.span });
                    } else {
                        let (ts, errs) = lex(t.span.file, arg, 0);
                        if !errs.is_empty() || ts.is_empty() {
                            self.err(
                                Diagnostic::error(format!("argument {} (`{}`) is not a valid token", t.tok.describe(), arg))
                                    .with_span(t.span)
                                    .with_help("use @N to get the argument as a string"),
                            );
                        }
                        out.extend(ts.into_iter().map(|mut x| {
                            x.span = t.span;
                            x
                        }));
                    }
                    i += 1;
                }
                Tok::DollarCount => {
                    out.push(Token { tok: Tok::Num(self.ctx.args.len() as i64), span: t.span });
                    i += 1;
                }
                Tok::AtCount => {
                    out.push(Token { tok: Tok::Str(self.ctx.args.len().to_string()), span: t.span });
                    i += 1;
                }
                _ => {
                    out.push(t.clone());
                    i += 1;
                }
            }
        }
    }

    /// `@define NAME [(a, b)] %( body %)` at `toks[i]`; returns the index after it.
    fn define(&mut self, toks: &[Token], i: usize) -> usize {
        let at = toks[i].span;
        let mut j = i + 1;
        let name = match toks.get(j) {
            Some(Token { tok: Tok::Ident(n), span }) => (n.clone(), *span),
            Some(Token { tok: Tok::Kw(n), span }) => (n.to_string(), *span),
            other => {
                self.err(
                    Diagnostic::error(format!(
                        "expected a macro name after `@define`, found {}",
                        other.map(|t| t.tok.describe()).unwrap_or_else(|| "end of file".into())
                    ))
                    .with_span(other.map(|t| t.span).unwrap_or(at))
                    .with_help("write `@define NAME %( BODY %)` or `@define NAME(a, b) %( BODY %)`"),
                );
                return j;
            }
        };
        j += 1;
        let mut params = Vec::new();
        if toks.get(j).is_some_and(|t| is(t, &Tok::Op("("))) {
            j += 1;
            loop {
                match toks.get(j) {
                    Some(Token { tok: Tok::Ident(p), .. }) => {
                        params.push(p.clone());
                        j += 1;
                    }
                    Some(Token { tok: Tok::Op(")"), .. }) if params.is_empty() => {}
                    other => {
                        self.err(
                            Diagnostic::error(format!(
                                "expected a parameter name in `@define {}(...)`, found {}",
                                name.0,
                                other.map(|t| t.tok.describe()).unwrap_or_else(|| "end of file".into())
                            ))
                            .with_span(other.map(|t| t.span).unwrap_or(name.1)),
                        );
                        return j + 1;
                    }
                }
                match toks.get(j) {
                    Some(Token { tok: Tok::Op(","), .. }) => j += 1,
                    Some(Token { tok: Tok::Op(")"), .. }) => {
                        j += 1;
                        break;
                    }
                    other => {
                        self.err(
                            Diagnostic::error(format!(
                                "expected one of ',', ')' in the parameters of `@define {}`, found {}",
                                name.0,
                                other.map(|t| t.tok.describe()).unwrap_or_else(|| "end of file".into())
                            ))
                            .with_span(other.map(|t| t.span).unwrap_or(name.1)),
                        );
                        return j + 1;
                    }
                }
            }
        }
        if !toks.get(j).is_some_and(|t| is(t, &Tok::PpOpen)) {
            let other = toks.get(j);
            self.err(
                Diagnostic::error(format!(
                    "expected `%(` to start the body of macro `{}`, found {}",
                    name.0,
                    other.map(|t| t.tok.describe()).unwrap_or_else(|| "end of file".into())
                ))
                .with_span(other.map(|t| t.span).unwrap_or(name.1))
                .with_help("write `@define NAME %( BODY %)`"),
            );
            return j;
        }
        let open = j;
        let mut depth = 0usize;
        let mut close = None;
        for (k, t) in toks.iter().enumerate().skip(open + 1) {
            match t.tok {
                Tok::PpOpen => depth += 1,
                Tok::PpClose if depth == 0 => {
                    close = Some(k);
                    break;
                }
                Tok::PpClose => depth -= 1,
                _ => {}
            }
        }
        let Some(close) = close else {
            self.err(
                Diagnostic::error(format!("unterminated body of macro `{}`: missing `%)`", name.0))
                    .with_span(toks[open].span)
                    .with_help("end the macro body with `%)`"),
            );
            return toks.len();
        };
        if let Some(prev) = self.local.defs.get(&name.0) {
            let d = Diagnostic::error(format!("macro `{}` is defined twice", name.0))
                .with_span(name.1)
                .with_label(prev.span, "first defined here");
            self.err(d);
        } else {
            self.local.defs.insert(
                name.0.clone(),
                MacroDef { name: name.0, params, body: toks[open + 1..close].to_vec(), span: name.1 },
            );
        }
        close + 1
    }

    /// Expand the macro use at `toks[i]`; returns the index after it (and its arguments).
    fn expand(&mut self, toks: &[Token], i: usize, out: &mut Vec<Token>, env: &Env, depth: usize, expansion: Option<Span>) -> usize {
        let t = &toks[i];
        let Tok::AtMacro(name) = &t.tok else { return i + 1 };
        let def = match self.local.defs.get(name).or_else(|| self.library.defs.get(name)) {
            Some(d) => d.clone(),
            None => {
                let mut d = Diagnostic::error(format!("unknown macro `@{name}`"))
                    .with_span(t.span)
                    .with_help(format!("define it before its use with `@define {name} %( ... %)`"));
                if let Some(e) = expansion {
                    d = d.with_label(e, "in this macro expansion");
                }
                self.err(d);
                return i + 1;
            }
        };
        if depth >= MAX_DEPTH {
            self.err(
                Diagnostic::error(format!("macro expansion of `@{name}` is nested too deeply (more than {MAX_DEPTH} levels)"))
                    .with_span(t.span)
                    .with_label(def.span, "macro defined here")
                    .with_help("does the macro use itself?"),
            );
            return toks.len();
        }
        let mut j = i + 1;
        let mut new_env = Env::new();
        if !def.params.is_empty() {
            if !toks.get(j).is_some_and(|x| is(x, &Tok::Op("("))) {
                self.err(
                    Diagnostic::error(format!("macro `@{name}` takes {} argument(s)", def.params.len()))
                        .with_span(t.span)
                        .with_label(def.span, "macro defined here")
                        .with_help(format!("write `@{name}({})`", def.params.join(", "))),
                );
                return j;
            }
            j += 1;
            let mut args: Vec<Vec<Token>> = vec![Vec::new()];
            let mut nest = 0usize;
            let mut closed = false;
            while j < toks.len() {
                let x = &toks[j];
                match x.tok {
                    Tok::Op("(") | Tok::Op("[") | Tok::Op("{") => nest += 1,
                    Tok::Op(")") if nest == 0 => {
                        closed = true;
                        j += 1;
                        break;
                    }
                    Tok::Op(")") | Tok::Op("]") | Tok::Op("}") => nest = nest.saturating_sub(1),
                    Tok::Op(",") if nest == 0 => {
                        args.push(Vec::new());
                        j += 1;
                        continue;
                    }
                    _ => {}
                }
                args.last_mut().unwrap().push(x.clone());
                j += 1;
            }
            if !closed {
                self.err(
                    Diagnostic::error(format!("unterminated arguments of macro `@{name}`: missing `)`"))
                        .with_span(t.span),
                );
                return j;
            }
            if args.len() != def.params.len() {
                self.err(
                    Diagnostic::error(format!(
                        "macro `@{name}` takes {} argument(s) but {} were given",
                        def.params.len(),
                        args.len()
                    ))
                    .with_span(t.span.to(toks[j - 1].span))
                    .with_label(def.span, "macro defined here"),
                );
                return j;
            }
            for (p, a) in def.params.iter().zip(args) {
                let mut pa = Vec::new();
                self.process(&a, &mut pa, env, depth + 1, expansion);
                new_env.insert(p.clone(), pa);
            }
        }
        let here = expansion.unwrap_or(t.span);
        self.process(&def.body, out, &new_env, depth + 1, Some(here));
        j
    }
}

// ---------------------------------------------------------------------------------------------
// Conditions

#[derive(Clone, Debug)]
enum Val {
    Num(i64),
    Str(String),
    /// kernel_v, kernel_vr, systemtap_v: compared as versions.
    Version(String),
}

struct CondEval<'a> {
    ctx: &'a PreprocessContext,
    toks: &'a [Token],
    pos: usize,
    open: Span,
}

impl<'a> CondEval<'a> {
    fn new(ctx: &'a PreprocessContext, toks: &'a [Token], open: Span) -> Self {
        CondEval { ctx, toks, pos: 0, open }
    }

    fn peek(&self) -> Option<&'a Tok> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }

    fn here(&self) -> Span {
        self.toks
            .get(self.pos)
            .map(|t| t.span)
            .or_else(|| self.toks.last().map(|t| t.span.end_point()))
            .unwrap_or(self.open)
    }

    fn fail(&self, what: &str) -> Diagnostic {
        let found = self.peek().map(|t| t.describe()).unwrap_or_else(|| "`%?`".into());
        Diagnostic::error(format!("in preprocessor condition: expected {what}, found {found}"))
            .with_span(self.here())
            .with_help("conditions compare kernel_v, kernel_vr, arch, runtime, systemtap_v, systemtap_privilege, guru_mode, CONFIG_*, $# or @# with a number or string, joined by && and ||")
    }

    fn eval(mut self) -> Result<bool, Diagnostic> {
        let v = self.or()?;
        if self.pos < self.toks.len() {
            return Err(self.fail("`&&`, `||` or `%?`"));
        }
        Ok(v)
    }

    fn or(&mut self) -> Result<bool, Diagnostic> {
        let mut v = self.and()?;
        while self.peek() == Some(&Tok::Op("||")) {
            self.pos += 1;
            let r = self.and()?;
            v = v || r;
        }
        Ok(v)
    }

    fn and(&mut self) -> Result<bool, Diagnostic> {
        let mut v = self.not()?;
        while self.peek() == Some(&Tok::Op("&&")) {
            self.pos += 1;
            let r = self.not()?;
            v = v && r;
        }
        Ok(v)
    }

    fn not(&mut self) -> Result<bool, Diagnostic> {
        match self.peek() {
            Some(Tok::Op("!")) => {
                self.pos += 1;
                Ok(!self.not()?)
            }
            Some(Tok::Op("(")) => {
                self.pos += 1;
                let v = self.or()?;
                if self.peek() != Some(&Tok::Op(")")) {
                    return Err(self.fail("`)`"));
                }
                self.pos += 1;
                Ok(v)
            }
            _ => self.cmp(),
        }
    }

    fn operand(&mut self) -> Result<Val, Diagnostic> {
        let v = match self.peek() {
            Some(Tok::Num(n)) => Val::Num(*n),
            Some(Tok::Op("-")) if matches!(self.toks.get(self.pos + 1).map(|t| &t.tok), Some(Tok::Num(_))) => {
                self.pos += 1;
                let Some(Tok::Num(n)) = self.peek() else { unreachable!() };
                Val::Num(n.wrapping_neg())
            }
            Some(Tok::Str(s)) => Val::Str(crate::ast::decode_string_lossy(s)),
            Some(Tok::Ident(name)) => match name.as_str() {
                "kernel_v" => Val::Version(
                    self.ctx.kernel_release.split('-').next().unwrap_or("").to_string(),
                ),
                "kernel_vr" => Val::Version(self.ctx.kernel_release.clone()),
                "systemtap_v" => Val::Version(self.ctx.systemtap_version.clone()),
                "arch" => Val::Str(self.ctx.arch.clone()),
                "runtime" => Val::Str(self.ctx.runtime.clone()),
                "systemtap_privilege" => Val::Str(self.ctx.privilege.clone()),
                "guru_mode" => Val::Num(self.ctx.guru_mode as i64),
                n if n.starts_with("CONFIG_") => {
                    let v = self.ctx.config.get(n).cloned().unwrap_or_default();
                    let v = v.trim_matches('"').to_string();
                    Val::Str(v)
                }
                _ => {
                    return Err(Diagnostic::error(format!("unknown name `{name}` in preprocessor condition"))
                        .with_span(self.here())
                        .with_help("conditions can test kernel_v, kernel_vr, arch, runtime, systemtap_v, systemtap_privilege, guru_mode, CONFIG_*, $#, @#"))
                }
            },
            _ => return Err(self.fail("a name, number or string")),
        };
        self.pos += 1;
        Ok(v)
    }

    fn cmp(&mut self) -> Result<bool, Diagnostic> {
        let lhs = self.operand()?;
        let op = match self.peek() {
            Some(Tok::Op(o @ ("==" | "!=" | "<" | "<=" | ">" | ">="))) => *o,
            _ => return Err(self.fail("a comparison operator (==, !=, <, <=, >, >=)")),
        };
        let op_span = self.here();
        self.pos += 1;
        let rhs = self.operand()?;
        let ord = match (&lhs, &rhs) {
            (Val::Num(a), Val::Num(b)) => a.cmp(b),
            (Val::Version(v), Val::Str(p)) | (Val::Version(v), Val::Version(p)) | (Val::Str(p), Val::Version(v)) => {
                if matches!(op, "==" | "!=") && has_glob(p) {
                    return Ok(glob_match(p, v) == (op == "=="));
                }
                let o = version_cmp(v, p);
                if matches!(lhs, Val::Str(_)) {
                    o.reverse()
                } else {
                    o
                }
            }
            (Val::Version(v), Val::Num(n)) => version_cmp(v, &n.to_string()),
            (Val::Str(a), Val::Str(b)) => {
                if matches!(op, "==" | "!=") {
                    let m = if has_glob(b) { glob_match(b, a) } else { glob_match(a, b) || a == b };
                    return Ok(m == (op == "=="));
                }
                a.cmp(b)
            }
            (Val::Str(a), Val::Num(n)) | (Val::Num(n), Val::Str(a)) => {
                // CONFIG_HZ == 250: numeric if the string is a number.
                match parse_num(a) {
                    Some(x) => {
                        let o = x.cmp(n);
                        if matches!(lhs, Val::Num(_)) {
                            o.reverse()
                        } else {
                            o
                        }
                    }
                    None if matches!(op, "==" | "!=") => return Ok(op == "!="),
                    None => {
                        return Err(Diagnostic::error("in preprocessor condition: cannot order a string against a number")
                            .with_span(op_span))
                    }
                }
            }
            (Val::Num(n), Val::Version(v)) => version_cmp(&n.to_string(), v),
        };
        use std::cmp::Ordering::*;
        Ok(match op {
            "==" => ord == Equal,
            "!=" => ord != Equal,
            "<" => ord == Less,
            "<=" => ord != Greater,
            ">" => ord == Greater,
            _ => ord != Less,
        })
    }
}

fn parse_num(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Some(h) = s.strip_prefix("0x") {
        u64::from_str_radix(h, 16).ok().map(|v| v as i64)
    } else {
        s.parse().ok()
    }
}

fn has_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// Shell-style wildcard match: `*`, `?`, `[abc]`, `[a-z]`, `[!a]`.
pub fn glob_match(pat: &str, s: &str) -> bool {
    fn m(p: &[char], s: &[char]) -> bool {
        match p.first() {
            None => s.is_empty(),
            Some('*') => (0..=s.len()).any(|k| m(&p[1..], &s[k..])),
            Some('?') => !s.is_empty() && m(&p[1..], &s[1..]),
            Some('[') => {
                let Some(end) = p.iter().skip(1).position(|&c| c == ']').map(|e| e + 1) else {
                    return s.first() == Some(&'[') && m(&p[1..], &s[1..]);
                };
                let Some(&c) = s.first() else { return false };
                let set = &p[1..end];
                let (neg, set) = match set.first() {
                    Some('!') | Some('^') => (true, &set[1..]),
                    _ => (false, set),
                };
                let mut hit = false;
                let mut k = 0;
                while k < set.len() {
                    if k + 2 < set.len() && set[k + 1] == '-' {
                        hit |= set[k] <= c && c <= set[k + 2];
                        k += 3;
                    } else {
                        hit |= set[k] == c;
                        k += 1;
                    }
                }
                hit != neg && m(&p[end + 1..], &s[1..])
            }
            Some(&c) => s.first() == Some(&c) && m(&p[1..], &s[1..]),
        }
    }
    let p: Vec<char> = pat.chars().collect();
    let s: Vec<char> = s.chars().collect();
    m(&p, &s)
}

/// Compare versions like "6.1.0-28-amd64" and "2.6.30": runs of digits compare as numbers,
/// other runs as text; a missing part is smaller.
pub fn version_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn parts(s: &str) -> Vec<(bool, String)> {
        let mut v: Vec<(bool, String)> = Vec::new();
        for c in s.chars() {
            if c == '.' || c == '-' || c == '_' {
                v.push((false, String::new()));
                continue;
            }
            let d = c.is_ascii_digit();
            match v.last_mut() {
                Some((isd, cur)) if (*isd == d || cur.is_empty()) => {
                    *isd = d;
                    cur.push(c);
                }
                _ => v.push((d, c.to_string())),
            }
        }
        v.retain(|(_, s)| !s.is_empty());
        v
    }
    let (pa, pb) = (parts(a), parts(b));
    for (x, y) in pa.iter().zip(pb.iter()) {
        let o = match (x.0, y.0) {
            (true, true) => {
                let xa = x.1.trim_start_matches('0');
                let yb = y.1.trim_start_matches('0');
                xa.len().cmp(&yb.len()).then_with(|| xa.cmp(yb))
            }
            (true, false) => std::cmp::Ordering::Greater,
            (false, true) => std::cmp::Ordering::Less,
            (false, false) => x.1.cmp(&y.1),
        };
        if o != std::cmp::Ordering::Equal {
            return o;
        }
    }
    pa.len().cmp(&pb.len())
}
