//! The hand-written lexer: text to [`Token`]s, each with its [`Span`].
//!
//! Preprocessor tokens (`%(`, `%?`, `%:`, `%)`, `$1`, `@1`, `$#`, `@#`, `@name` macro uses) are
//! produced here and consumed by [`super::preprocess`]; what the grammar sees is the rest.

use crate::diag::{Diagnostic, FileId, Span};

pub const KEYWORDS: &[&str] = &[
    "probe", "global", "private", "function", "if", "else", "for", "foreach", "in", "limit",
    "while", "break", "continue", "return", "next", "delete", "try", "catch", "string", "long",
];

/// The `@` operators the grammar knows; any other `@name` is a macro use.
pub const AT_OPS: &[&str] = &[
    "@cast", "@defined", "@entry", "@var", "@perf", "@count", "@sum", "@min", "@max", "@avg",
    "@variance", "@hist_log", "@hist_linear", "@define",
];

/// Operators, longest first so the lexer can match greedily.
const OPERATORS: &[&str] = &[
    ">>>", "<<<", "<<=", ">>=", "...", "<<", ">>", "<=", ">=", "==", "!=", "=~", "!~", "+=", "-=", "*=",
    "/=", "%=", "&=", "^=", "|=", ".=", "&&", "||", "++", "--", "->", "$$", "(", ")", "[", "]",
    "{", "}", ",", ";", ":", "?", ".", "+", "-", "*", "/", "%", "&", "|", "^", "~", "!", "<", ">",
    "=", "$",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    Ident(String),
    Kw(&'static str),
    Num(i64),
    /// A string literal's text between the quotes, escapes as written.
    Str(String),
    /// `$name` (without the `$`).
    Target(String),
    /// `$$vars`, `$$parms`, `$$locals`, `$$return`, `$$name`, `$$provider` (full text).
    TargetAll(String),
    /// A known `@` operator, e.g. `@cast`.
    AtOp(&'static str),
    /// `@name`: a macro use or a macro parameter (without the `@`).
    AtMacro(String),
    /// `$N`
    DollarArg(usize),
    /// `@N`
    AtArg(usize),
    /// `$#`
    DollarCount,
    /// `@#`
    AtCount,
    /// `%{ ... %}`: the text between the delimiters.
    EmbeddedC(String),
    /// `%(`
    PpOpen,
    /// `%?`
    PpThen,
    /// `%:`
    PpElse,
    /// `%)`
    PpClose,
    Op(&'static str),
}

impl Tok {
    /// How the token is named in messages: "`foo`", "identifier `foo`", "string \"..\"".
    pub fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("identifier `{s}`"),
            Tok::Kw(k) => format!("keyword `{k}`"),
            Tok::Num(n) => format!("number `{n}`"),
            Tok::Str(s) => {
                let mut t: String = s.chars().take(30).collect();
                if t.len() < s.len() {
                    t.push_str("...");
                }
                format!("string \"{t}\"")
            }
            Tok::Target(s) => format!("`${s}`"),
            Tok::TargetAll(s) => format!("`{s}`"),
            Tok::AtOp(s) => format!("`{s}`"),
            Tok::AtMacro(s) => format!("`@{s}`"),
            Tok::DollarArg(n) => format!("`${n}`"),
            Tok::AtArg(n) => format!("`@{n}`"),
            Tok::DollarCount => "`$#`".into(),
            Tok::AtCount => "`@#`".into(),
            Tok::EmbeddedC(_) => "embedded C `%{ ... %}`".into(),
            Tok::PpOpen => "`%(`".into(),
            Tok::PpThen => "`%?`".into(),
            Tok::PpElse => "`%:`".into(),
            Tok::PpClose => "`%)`".into(),
            Tok::Op(o) => format!("`{o}`"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}
fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Lex `text` (the contents of `file`, or a piece of it starting at `base`).
/// Errors are collected; lexing continues after each.
pub fn lex(file: FileId, text: &str, base: u32) -> (Vec<Token>, Vec<Diagnostic>) {
    let b = text.as_bytes();
    let mut toks = Vec::new();
    let mut errs = Vec::new();
    let mut i = 0usize;
    let sp = |s: usize, e: usize| Span::new(file, base + s as u32, base + e as u32);
    // A first line `#!...` is a comment like any other `#` line.
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        // Comments.
        if c == b'#' {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            match text[i + 2..].find("*/") {
                Some(j) => i = i + 2 + j + 2,
                None => {
                    errs.push(
                        Diagnostic::error("unterminated comment")
                            .with_span(sp(start, start + 2))
                            .with_help("close the comment with `*/`"),
                    );
                    i = b.len();
                }
            }
            continue;
        }
        // Embedded C and preprocessor tokens.
        if c == b'%' {
            let tok = match b.get(i + 1) {
                Some(b'{') => {
                    match text[i + 2..].find("%}") {
                        Some(j) => {
                            let code = text[i + 2..i + 2 + j].to_string();
                            i = i + 2 + j + 2;
                            toks.push(Token { tok: Tok::EmbeddedC(code), span: sp(start, i) });
                        }
                        None => {
                            errs.push(
                                Diagnostic::error("unterminated embedded C block")
                                    .with_span(sp(start, start + 2))
                                    .with_help("close the block with `%}`"),
                            );
                            i = b.len();
                        }
                    }
                    continue;
                }
                Some(b'(') => Some(Tok::PpOpen),
                Some(b'?') => Some(Tok::PpThen),
                Some(b':') => Some(Tok::PpElse),
                Some(b')') => Some(Tok::PpClose),
                _ => None,
            };
            if let Some(tok) = tok {
                i += 2;
                toks.push(Token { tok, span: sp(start, i) });
                continue;
            }
        }
        // Strings.
        if c == b'"' {
            i += 1;
            let mut closed = false;
            while i < b.len() {
                match b[i] {
                    b'\\' => i += 2,
                    b'"' => {
                        closed = true;
                        break;
                    }
                    _ => i += 1,
                }
            }
            if !closed {
                errs.push(
                    Diagnostic::error("unterminated string literal")
                        .with_span(sp(start, start + 1))
                        .with_help("add the closing `\"`"),
                );
                i = b.len();
                continue;
            }
            let raw = text[start + 1..i].to_string();
            if let Some((at, len)) = bad_escape(raw.as_bytes()) {
                let at = start + 1 + at;
                errs.push(
                    Diagnostic::error(format!("unknown escape sequence `{}`", &text[at..at + len]))
                        .with_span(sp(at, at + len))
                        .with_help("known escapes: \\n \\t \\r \\a \\b \\f \\v \\\\ \\\" \\' \\? \\NNN (octal) \\xHH (hex); write \\\\ for a backslash"),
                );
            }
            i += 1;
            toks.push(Token { tok: Tok::Str(raw), span: sp(start, i) });
            continue;
        }
        // Numbers.
        if c.is_ascii_digit() {
            while i < b.len() && is_ident_char(b[i]) {
                i += 1;
            }
            let s = &text[start..i];
            let parsed = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
                u64::from_str_radix(h, 16).ok()
            } else if s.len() > 1 && s.starts_with('0') {
                u64::from_str_radix(&s[1..], 8).ok()
            } else {
                s.parse::<u64>().ok()
            };
            match parsed {
                Some(v) => toks.push(Token { tok: Tok::Num(v as i64), span: sp(start, i) }),
                None => {
                    let valid_digits = s.bytes().all(|c| c.is_ascii_hexdigit() || c == b'x' || c == b'X');
                    errs.push(
                        Diagnostic::error(if valid_digits {
                            format!("number `{s}` is out of range or malformed")
                        } else {
                            format!("invalid number `{s}`")
                        })
                        .with_span(sp(start, i))
                        .with_help("numbers are 64-bit: decimal, 0x hexadecimal or 0 octal"),
                    );
                }
            }
            continue;
        }
        // Identifiers and keywords.
        if is_ident_start(c) {
            while i < b.len() && is_ident_char(b[i]) {
                i += 1;
            }
            let s = &text[start..i];
            let tok = match KEYWORDS.iter().find(|k| **k == s) {
                Some(k) => Tok::Kw(k),
                None => Tok::Ident(s.to_string()),
            };
            toks.push(Token { tok, span: sp(start, i) });
            continue;
        }
        // `$...`
        if c == b'$' {
            let n = b.get(i + 1).copied();
            if n == Some(b'#') {
                i += 2;
                toks.push(Token { tok: Tok::DollarCount, span: sp(start, i) });
                continue;
            }
            if n.is_some_and(|n| n.is_ascii_digit()) {
                i += 1;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                let v = text[start + 1..i].parse::<usize>().unwrap_or(usize::MAX);
                toks.push(Token { tok: Tok::DollarArg(v), span: sp(start, i) });
                continue;
            }
            if n.is_some_and(is_ident_start) {
                i += 1;
                while i < b.len() && is_ident_char(b[i]) {
                    i += 1;
                }
                toks.push(Token { tok: Tok::Target(text[start + 1..i].to_string()), span: sp(start, i) });
                continue;
            }
            if n == Some(b'$') && b.get(i + 2).is_some_and(|&c| is_ident_start(c)) {
                i += 2;
                while i < b.len() && is_ident_char(b[i]) {
                    i += 1;
                }
                let s = &text[start..i];
                if matches!(s, "$$vars" | "$$parms" | "$$locals" | "$$return" | "$$name" | "$$provider") {
                    toks.push(Token { tok: Tok::TargetAll(s.to_string()), span: sp(start, i) });
                } else {
                    errs.push(
                        Diagnostic::error(format!("unknown context variable group `{s}`"))
                            .with_span(sp(start, i))
                            .with_help("use one of $$vars, $$parms, $$locals, $$return, $$name, $$provider"),
                    );
                }
                continue;
            }
        }
        // `@...`
        if c == b'@' {
            let n = b.get(i + 1).copied();
            if n == Some(b'#') {
                i += 2;
                toks.push(Token { tok: Tok::AtCount, span: sp(start, i) });
                continue;
            }
            if n.is_some_and(|n| n.is_ascii_digit()) {
                i += 1;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                let v = text[start + 1..i].parse::<usize>().unwrap_or(usize::MAX);
                toks.push(Token { tok: Tok::AtArg(v), span: sp(start, i) });
                continue;
            }
            if n.is_some_and(is_ident_start) {
                i += 1;
                while i < b.len() && is_ident_char(b[i]) {
                    i += 1;
                }
                let s = &text[start..i];
                let tok = match AT_OPS.iter().find(|k| **k == s) {
                    Some(k) => Tok::AtOp(k),
                    None => Tok::AtMacro(s[1..].to_string()),
                };
                toks.push(Token { tok, span: sp(start, i) });
                continue;
            }
            errs.push(
                Diagnostic::error("stray `@`")
                    .with_span(sp(start, start + 1))
                    .with_help("`@` starts an operator such as @cast or a macro use such as @name"),
            );
            i += 1;
            continue;
        }
        // Operators.
        let rest = &text[i..];
        if let Some(op) = OPERATORS.iter().find(|op| rest.starts_with(**op)) {
            i += op.len();
            toks.push(Token { tok: Tok::Op(op), span: sp(start, i) });
            continue;
        }
        let ch = text[i..].chars().next().unwrap();
        errs.push(
            Diagnostic::error(format!("unexpected character `{}`", ch.escape_debug()))
                .with_span(sp(start, start + ch.len_utf8())),
        );
        i += ch.len_utf8();
    }
    (toks, errs)
}

/// The first escape in a string literal's raw text that the language does not know:
/// its offset and length. (Decoding would otherwise drop the backslash silently.)
fn bad_escape(raw: &[u8]) -> Option<(usize, usize)> {
    let mut i = 0;
    while i < raw.len() {
        if raw[i] != b'\\' {
            i += 1;
            continue;
        }
        match raw.get(i + 1) {
            Some(b'n' | b't' | b'r' | b'a' | b'b' | b'f' | b'v' | b'\\' | b'"' | b'\'' | b'?' | b'0'..=b'7') => i += 2,
            Some(b'x') if raw.get(i + 2).is_some_and(u8::is_ascii_hexdigit) => i += 3,
            Some(c) => {
                let len = if c.is_ascii() { 2 } else { 1 + std::str::from_utf8(&raw[i + 1..]).ok().and_then(|s| s.chars().next()).map_or(1, char::len_utf8) };
                return Some((i, len));
            }
            None => return Some((i, 1)),
        }
    }
    None
}
