//! Pass 1: preprocessor, lexer, grammar, printer.
//!
//! ```text
//! text --lexer--> tokens --preprocess--> tokens --grammar (lalrpop)--> ast::Script
//! ```
//!
//! Entry points: [`parse_file`] / [`parse_source`] for a script or tapset file,
//! [`collect_macros`] for library macro files (`.stpm`), [`parse_probe_points`] for a
//! command-line probe point (`rstap -l 'kernel.function("*")'`), and [`print::print_script`]
//! for `rstap -p1`.

pub mod lexer;
pub mod preprocess;
pub mod print;
mod support;
mod validate;

#[cfg(test)]
mod tests;

lalrpop_util::lalrpop_mod!(
    #[allow(clippy::all, unused, dead_code)]
    grammar,
    "/passes/parse/grammar.rs"
);

use lalrpop_util::ParseError;

use crate::ast::{Expr, ProbePoint, Script};
use crate::diag::{Diagnostic, FileId, SourceMap, Span};
use lexer::{lex, Tok, Token};
pub use preprocess::{MacroDef, MacroTable, PreprocessContext};
pub use print::{print_expr, print_probe_point, print_script};

/// Register `text` as file `name` in `sm` and parse it.
pub fn parse_file(
    sm: &mut SourceMap,
    name: &str,
    text: &str,
    ctx: &PreprocessContext,
    macros: &MacroTable,
) -> Result<Script, Vec<Diagnostic>> {
    let file = sm.add(name, text);
    parse_source(sm, file, ctx, macros)
}

/// Parse a file already in the source map. `macros` are the library macros (`.stpm` files);
/// the file's own `@define`s are visible in the file only and take precedence.
pub fn parse_source(
    sm: &SourceMap,
    file: FileId,
    ctx: &PreprocessContext,
    macros: &MacroTable,
) -> Result<Script, Vec<Diagnostic>> {
    let toks = tokens(sm, file, ctx, macros, &mut MacroTable::new())?;
    let items = run_parser(&toks, sm, file, |t, it| grammar::ScriptParser::new().parse(t, it))?;
    let script = Script { file, items };
    let errs = validate::check(&script);
    if errs.is_empty() {
        Ok(script)
    } else {
        Err(errs)
    }
}

/// Lex and preprocess `text` (conditionals apply), and add its `@define`s to `table`.
/// Anything else in the file is ignored, as SystemTap does for `.stpm` files.
pub fn collect_macros(
    sm: &mut SourceMap,
    name: &str,
    text: &str,
    ctx: &PreprocessContext,
    table: &mut MacroTable,
) -> Result<(), Vec<Diagnostic>> {
    let file = sm.add(name, text);
    let mut local = MacroTable::new();
    let library = table.clone();
    tokens(sm, file, ctx, &library, &mut local)?;
    table.extend(local);
    Ok(())
}

/// Parse one or more comma-separated probe points given on their own (`rstap -l POINT`),
/// brace alternatives expanded.
pub fn parse_probe_points(
    sm: &mut SourceMap,
    name: &str,
    text: &str,
    ctx: &PreprocessContext,
) -> Result<Vec<ProbePoint>, Vec<Diagnostic>> {
    let file = sm.add(name, text);
    let toks = tokens(sm, file, ctx, &MacroTable::new(), &mut MacroTable::new())?;
    run_parser(&toks, sm, file, |t, it| grammar::PointListParser::new().parse(t, it))
}

/// Parse a lone expression (tests, `-e` helpers).
pub fn parse_expr(sm: &mut SourceMap, name: &str, text: &str, ctx: &PreprocessContext) -> Result<Expr, Vec<Diagnostic>> {
    let file = sm.add(name, text);
    let toks = tokens(sm, file, ctx, &MacroTable::new(), &mut MacroTable::new())?;
    run_parser(&toks, sm, file, |t, it| grammar::ExprTopParser::new().parse(t, it))
}

/// Lex and preprocess; the file's `@define`s end up in `local`.
fn tokens(
    sm: &SourceMap,
    file: FileId,
    ctx: &PreprocessContext,
    library: &MacroTable,
    local: &mut MacroTable,
) -> Result<Vec<Token>, Vec<Diagnostic>> {
    let (raw, mut errs) = lex(file, sm.text(file), 0);
    let mut pp = preprocess::Preprocessor::new(ctx, library);
    let toks = pp.run(&raw);
    errs.append(&mut pp.errors);
    *local = std::mem::take(&mut pp.local);
    if errs.is_empty() {
        Ok(toks)
    } else {
        Err(errs)
    }
}

type LalrResult<T> = Result<T, ParseError<usize, Tok, Diagnostic>>;

fn run_parser<T>(
    toks: &[Token],
    sm: &SourceMap,
    file: FileId,
    f: impl FnOnce(&[Token], &mut dyn Iterator<Item = Result<(usize, Tok, usize), Diagnostic>>) -> LalrResult<T>,
) -> Result<T, Vec<Diagnostic>> {
    // Leftover preprocessor tokens can only be errors by now.
    for t in toks {
        if let Tok::AtMacro(n) = &t.tok {
            return Err(vec![Diagnostic::error(format!("unknown macro `@{n}`")).with_span(t.span)]);
        }
    }
    let mut it = toks.iter().enumerate().map(|(i, t)| Ok((i, t.tok.clone(), i + 1)));
    f(toks, &mut it).map_err(|e| vec![convert_error(e, toks, sm, file)])
}

fn eof_span(toks: &[Token], sm: &SourceMap, file: FileId) -> Span {
    match toks.last() {
        Some(t) => t.span.end_point(),
        None => {
            let n = sm.text(file).len() as u32;
            Span::new(file, n, n)
        }
    }
}

fn convert_error(e: ParseError<usize, Tok, Diagnostic>, toks: &[Token], sm: &SourceMap, file: FileId) -> Diagnostic {
    match e {
        ParseError::User { error } => error,
        ParseError::InvalidToken { location } => {
            let sp = toks.get(location).map(|t| t.span).unwrap_or_else(|| eof_span(toks, sm, file));
            Diagnostic::error("invalid token").with_span(sp)
        }
        ParseError::UnrecognizedEof { expected, .. } => {
            let exp = describe_expected(&expected);
            let mut d = Diagnostic::error(format!("unexpected end of file{exp}")).with_span(eof_span(toks, sm, file));
            if expected.iter().any(|x| x == "\"}\"") {
                d = d.with_help("a `{` is not closed");
            } else if expected.iter().any(|x| x == "\")\"") {
                d = d.with_help("a `(` is not closed");
            }
            d
        }
        ParseError::UnrecognizedToken { token: (l, tok, _), expected } => {
            let sp = toks.get(l).map(|t| t.span).unwrap_or_else(|| eof_span(toks, sm, file));
            let exp = describe_expected(&expected);
            let mut d = Diagnostic::error(format!("unexpected {}{exp}", tok.describe())).with_span(sp);
            d.help = hint(&tok, &expected);
            d
        }
        ParseError::ExtraToken { token: (l, tok, _) } => {
            let sp = toks.get(l).map(|t| t.span).unwrap_or_else(|| eof_span(toks, sm, file));
            Diagnostic::error(format!("unexpected {}", tok.describe())).with_span(sp)
        }
    }
}

fn hint(tok: &Tok, expected: &[String]) -> Option<String> {
    let has = |s: &str| expected.iter().any(|x| x == s);
    match tok {
        Tok::PpOpen | Tok::PpThen | Tok::PpElse | Tok::PpClose => {
            Some("preprocessor conditionals are `%( CONDITION %? TOKENS %: TOKENS %)`".into())
        }
        Tok::Kw(k) if has("IDENT") && !has("NUM") => Some(format!("`{k}` is a reserved word and cannot be used as a name")),
        Tok::Op("=") if has("\"==\"") => Some("to compare, use `==`".into()),
        _ if has("\"{\"") && has("\".\"") && has("\"?\"") => {
            Some("a probe point is a dotted list like `kernel.function(\"name\").return`, followed by `{ body }`".into())
        }
        _ => None,
    }
}

const EXPR_START: &[&str] = &[
    "IDENT", "NUM", "STR", "TARGET", "TARGETALL", "EMBEDDED", "\"(\"", "\"[\"", "\"-\"", "\"+\"", "\"!\"",
    "\"~\"", "\"++\"", "\"--\"", "\"&\"", "\"@cast\"", "\"@var\"", "\"@defined\"", "\"@entry\"",
    "\"@perf\"", "\"@count\"", "\"@sum\"", "\"@min\"", "\"@max\"", "\"@avg\"", "\"@variance\"",
    "\"@hist_log\"", "\"@hist_linear\"",
];

const STMT_START: &[&str] = &[
    "\"if\"", "\"while\"", "\"for\"", "\"foreach\"", "\"return\"", "\"delete\"", "\"break\"",
    "\"continue\"", "\"next\"", "\"try\"", "\"{\"", "\";\"",
];

const BINARY_OPS: &[&str] = &[
    "\"||\"", "\"&&\"", "\"|\"", "\"^\"", "\"&\"", "\"==\"", "\"!=\"", "\"<\"", "\"<=\"", "\">\"",
    "\">=\"", "\"=~\"", "\"!~\"", "\"<<\"", "\">>\"", "\">>>\"", "\".\"", "\"+\"", "\"-\"", "\"*\"", "\"/\"",
    "\"%\"", "\"in\"", "\"?\"", "\"=\"", "\"+=\"", "\"-=\"", "\"*=\"", "\"/=\"", "\"%=\"",
    "\"<<=\"", "\">>=\"", "\"&=\"", "\"^=\"", "\"|=\"", "\".=\"", "\"<<<\"", "\"++\"", "\"--\"",
    "\"[\"", "\"->\"", "\"$\"", "\"$$\"", "\"(\"",
];

/// Turn lalrpop's expected-terminal list into words: `, expected one of ')', ','`.
fn describe_expected(expected: &[String]) -> String {
    let mut items: Vec<String> = Vec::new();
    let mut rest: Vec<&str> = expected.iter().map(|s| s.as_str()).collect();
    let has = |r: &Vec<&str>, s: &str| r.contains(&s);
    // Collapse big groups into words.
    // Where any keyword would do as a name (member names, probe point components).
    if has(&rest, "IDENT") && has(&rest, "\"catch\"") && has(&rest, "\"limit\"") {
        rest.retain(|s| !(s.starts_with('"') && s[1..].starts_with(|c: char| c.is_ascii_lowercase())));
    }
    let stmt = STMT_START.iter().filter(|s| has(&rest, s)).count() >= 8;
    let expr = has(&rest, "NUM") && has(&rest, "\"@cast\"");
    let ops = has(&rest, "\"*\"") && has(&rest, "\"==\"") && has(&rest, "\"&&\"");
    if stmt {
        rest.retain(|s| !STMT_START.contains(s) && !EXPR_START.contains(s));
        items.push("a statement".into());
    } else if expr {
        rest.retain(|s| !EXPR_START.contains(s));
        items.push("an expression".into());
    }
    if ops {
        rest.retain(|s| !BINARY_OPS.contains(s));
    }
    let mut words: Vec<String> = rest
        .iter()
        .map(|s| match *s {
            "IDENT" => "an identifier".to_string(),
            "NUM" => "a number".to_string(),
            "STR" => "a string".to_string(),
            "TARGET" => "a $target variable".to_string(),
            "TARGETALL" => "$$vars".to_string(),
            "EMBEDDED" => "embedded C `%{ %}`".to_string(),
            q => format!("'{}'", q.trim_matches('"')),
        })
        .collect();
    // Punctuation first, words last: "one of ')', ',', an operator".
    words.sort_by_key(|w| (!w.starts_with('\''), w.clone()));
    items.splice(0..0, words);
    if ops {
        items.push("an operator".into());
    }
    match items.len() {
        0 => String::new(),
        1 => format!(", expected {}", items[0]),
        n if n <= 10 => format!(", expected one of {}", items.join(", ")),
        n => format!(", expected one of {}, ... ({} more)", items[..8].join(", "), n - 8),
    }
}
