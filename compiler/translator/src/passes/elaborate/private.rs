//! `private global` and `private function`: names visible only in the file that declares
//! them. Before symbols are gathered, every private name and each use of it in its own file
//! is renamed to `__private_<file>_<name>` ([`mangle`]), so two files' privates never meet,
//! the C names differ per file, and another file's use of the plain name stays unresolved
//! (reported with a pointer to the private declaration, see [`Privates`]).

use crate::ast::{self, Expr, ExprKind, FileId, Span, Stmt, StmtKind};
use crate::diag::Diagnostic;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

const PREFIX: &str = "__private_";

/// The name a private declaration of `file` gets.
pub fn mangle(file: FileId, name: &str) -> String {
    format!("{PREFIX}{}_{name}", file.0)
}

/// The name as written in the script (a mangled private or overloaded name loses its
/// prefix, see [`super::overload`]).
pub fn display_name(name: &str) -> &str {
    let name = strip_numbered(name, super::overload::PREFIX).unwrap_or(name);
    strip_numbered(name, PREFIX).unwrap_or(name)
}

/// `name` without `<prefix><digits>_`, if it starts so.
fn strip_numbered<'a>(name: &'a str, prefix: &str) -> Option<&'a str> {
    name.strip_prefix(prefix)
        .and_then(|rest| rest.split_once('_'))
        .filter(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .map(|(_, n)| n)
}

/// Every private declaration by its plain name: for messages about a use elsewhere.
#[derive(Default, Debug)]
pub struct Privates {
    pub globals: HashMap<String, Vec<Span>>,
    pub functions: HashMap<String, Vec<Span>>,
}

impl Privates {
    /// A label for a use of `name` outside the files that declare it private, if any does.
    pub fn label(&self, function: bool, name: &str, used_in: FileId) -> Option<(Span, String)> {
        let map = if function { &self.functions } else { &self.globals };
        let at = map.get(name)?.iter().find(|s| s.file != used_in)?;
        let what = if function { "function" } else { "global" };
        Some((*at, format!("a private {what} '{name}' is declared here; it is visible only in its own file")))
    }
}

/// The scripts with their private names renamed (borrowed when nothing is private).
pub fn scope<'a>(scripts: &'a [ast::Script], diags: &mut Vec<Diagnostic>) -> (Cow<'a, [ast::Script]>, Privates) {
    let mut privates = Privates::default();
    let mut any = false;
    for script in scripts {
        for item in &script.items {
            match item {
                ast::Item::Global(g) if g.private => {
                    any = true;
                    for v in &g.vars {
                        privates.globals.entry(v.name.name.clone()).or_default().push(v.name.span);
                    }
                }
                ast::Item::Function(f) if f.private => {
                    any = true;
                    privates.functions.entry(f.name.name.clone()).or_default().push(f.name.span);
                }
                _ => {}
            }
        }
    }
    // A script must not reach another file's private by spelling its mangled name.
    for script in scripts {
        for item in &script.items {
            let (name, span) = match item {
                ast::Item::Global(g) => {
                    for v in &g.vars {
                        reserved(&v.name.name, v.name.span, diags);
                    }
                    continue;
                }
                ast::Item::Function(f) => (&f.name.name, f.name.span),
                _ => continue,
            };
            reserved(name, span, diags);
        }
    }
    if !any {
        return (Cow::Borrowed(scripts), privates);
    }
    let mut out = scripts.to_vec();
    for script in &mut out {
        let file = script.file;
        let mut r = Renamer { file, globals: HashSet::new(), functions: HashSet::new(), params: Vec::new(), overloads: None };
        for item in &script.items {
            match item {
                ast::Item::Global(g) if g.private => r.globals.extend(g.vars.iter().map(|v| v.name.name.clone())),
                ast::Item::Function(f) if f.private => {
                    r.functions.insert(f.name.name.clone());
                }
                _ => {}
            }
        }
        if r.globals.is_empty() && r.functions.is_empty() {
            continue;
        }
        for item in &mut script.items {
            match item {
                ast::Item::Global(g) if g.private => {
                    for v in &mut g.vars {
                        v.name.name = mangle(file, &v.name.name);
                    }
                }
                ast::Item::Global(_) | ast::Item::EmbeddedC(_) => {}
                ast::Item::Function(f) => {
                    if f.private {
                        f.name.name = mangle(file, &f.name.name);
                    }
                    r.params = f.params.iter().map(|p| p.name.name.clone()).collect();
                    if let ast::FunctionBody::Script(b) = &mut f.body {
                        r.block(b);
                    }
                    r.params.clear();
                }
                ast::Item::Probe(p) => {
                    for pt in &mut p.points {
                        r.point(pt);
                    }
                    r.block(&mut p.body);
                }
                ast::Item::Alias(a) => {
                    for pt in a.points.iter_mut().chain(a.names.iter_mut()) {
                        r.point(pt);
                    }
                    r.block(&mut a.body);
                }
            }
        }
    }
    (Cow::Owned(out), privates)
}

fn reserved(name: &str, span: Span, diags: &mut Vec<Diagnostic>) {
    if name.starts_with(PREFIX) {
        diags.push(
            Diagnostic::error(format!("the name '{name}' is reserved"))
                .with_span(span)
                .with_help(format!("names starting with {PREFIX} stand for private declarations")),
        );
    }
}

/// Renames the uses of one file's private names in that file, or (overloads) the calls
/// of overloaded functions by their number of arguments.
pub(super) struct Renamer<'o> {
    pub(super) file: FileId,
    pub(super) globals: HashSet<String>,
    pub(super) functions: HashSet<String>,
    /// The enclosing function's parameters: they hide globals.
    pub(super) params: Vec<String>,
    /// Overloaded function names and the numbers of parameters they are defined with.
    pub(super) overloads: Option<&'o HashMap<String, HashSet<usize>>>,
}

impl Renamer<'_> {
    fn global(&self, name: &mut String) {
        if self.globals.contains(name.as_str()) && !self.params.contains(name) {
            *name = mangle(self.file, name);
        }
    }

    pub(super) fn point(&mut self, p: &mut ast::ProbePoint) {
        if let Some(c) = &mut p.condition {
            self.expr(c);
        }
    }

    pub(super) fn block(&mut self, b: &mut ast::Block) {
        for s in &mut b.stmts {
            self.stmt(s);
        }
    }

    fn stmt(&mut self, s: &mut Stmt) {
        match &mut s.kind {
            StmtKind::Block(b) => self.block(b),
            StmtKind::Expr(e) | StmtKind::Delete(e) | StmtKind::Return(Some(e)) => self.expr(e),
            StmtKind::If { cond, then, els } => {
                self.expr(cond);
                self.stmt(then);
                if let Some(e) = els {
                    self.stmt(e);
                }
            }
            StmtKind::While { cond, body } => {
                self.expr(cond);
                self.stmt(body);
            }
            StmtKind::For { init, cond, step, body } => {
                for e in [init, cond, step].into_iter().flatten() {
                    self.expr(e);
                }
                self.stmt(body);
            }
            StmtKind::Foreach(f) => {
                self.global(&mut f.array.name);
                for k in f.slice.iter_mut().flatten().flatten() {
                    self.expr(k);
                }
                if let Some(l) = &mut f.limit {
                    self.expr(l);
                }
                self.stmt(&mut f.body);
            }
            StmtKind::Try { body, catch_body, .. } => {
                self.block(body);
                if let Some(c) = catch_body {
                    self.block(c);
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

    fn path(&mut self, path: &mut [ast::PathElem]) {
        for p in path {
            if let ast::PathElem::Index(e) = p {
                self.expr(e);
            }
        }
    }

    fn expr(&mut self, e: &mut Expr) {
        match &mut e.kind {
            ExprKind::Var(name) => self.global(name),
            ExprKind::Index { array, indices } => {
                self.global(&mut array.name);
                indices.iter_mut().for_each(|i| self.expr(i));
            }
            ExprKind::In { keys, array, .. } => {
                self.global(&mut array.name);
                keys.iter_mut().flatten().for_each(|k| self.expr(k));
            }
            ExprKind::Call { func, args } => {
                if self.functions.contains(&func.name) {
                    func.name = mangle(self.file, &func.name);
                }
                if let Some(arities) = self.overloads.and_then(|o| o.get(&func.name)) {
                    if arities.contains(&args.len()) {
                        func.name = super::overload::mangle(&func.name, args.len());
                    }
                }
                args.iter_mut().for_each(|a| self.expr(a));
            }
            ExprKind::Target { path, .. } | ExprKind::AtVar { path, .. } => self.path(path),
            ExprKind::Cast { operand, path, .. } => {
                self.expr(operand);
                self.path(path);
            }
            ExprKind::Defined(x)
            | ExprKind::Entry(x)
            | ExprKind::AddrOf(x)
            | ExprKind::HistLog(x)
            | ExprKind::Stat { operand: x, .. }
            | ExprKind::Unary { operand: x, .. }
            | ExprKind::Crement { operand: x, .. } => self.expr(x),
            ExprKind::HistLinear { operand, lo, hi, step } => {
                for x in [operand, lo, hi, step] {
                    self.expr(x);
                }
            }
            ExprKind::Binary { lhs, rhs, .. }
            | ExprKind::Assign { lhs, rhs, .. }
            | ExprKind::HistIndex { hist: lhs, index: rhs } => {
                self.expr(lhs);
                self.expr(rhs);
            }
            ExprKind::Ternary { cond, then, els } => {
                self.expr(cond);
                self.expr(then);
                self.expr(els);
            }
            ExprKind::Literal(_)
            | ExprKind::TargetAll { .. }
            | ExprKind::Perf(_)
            | ExprKind::EmbeddedC(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::parse;

    /// Parses `text` as the file with id `id` (earlier ids are filler files).
    fn parse_file(id: u32, text: &str) -> ast::Script {
        let mut sm = crate::diag::SourceMap::new();
        for i in 0..id {
            sm.add(&format!("filler{i}.stp"), "");
        }
        let ctx = parse::PreprocessContext::default();
        let s = parse::parse_file(&mut sm, "test.stp", text, &ctx, &parse::MacroTable::new()).expect("parses");
        assert_eq!(s.file, FileId(id));
        s
    }

    fn names(s: &ast::Script) -> Vec<String> {
        let mut v = Vec::new();
        for item in &s.items {
            match item {
                ast::Item::Global(g) => v.extend(g.vars.iter().map(|x| x.name.name.clone())),
                ast::Item::Function(f) => {
                    v.push(f.name.name.clone());
                    if let ast::FunctionBody::Script(b) = &f.body {
                        v.push(format!("{:?}", b.stmts[0].kind).split('"').nth(1).unwrap_or("").to_string());
                    }
                }
                _ => {}
            }
        }
        v
    }

    #[test]
    fn privates_are_renamed_per_file() {
        let scripts = vec![
            parse_file(0, "probe begin { f() }"),
            parse_file(1, "private global x\nprivate function f() { return x }"),
            parse_file(2, "private global x\nfunction f() { return x }\nfunction g(x) { return x }"),
        ];
        let mut diags = Vec::new();
        let (out, privates) = scope(&scripts, &mut diags);
        assert!(diags.is_empty());
        assert_eq!(names(&out[0]), Vec::<String>::new());
        assert_eq!(names(&out[1]), ["__private_1_x", "__private_1_f", "__private_1_x"]);
        // A public function reads the file's private global; a parameter hides it.
        assert_eq!(names(&out[2]), ["__private_2_x", "f", "__private_2_x", "g", "x"]);
        assert_eq!(privates.globals["x"].len(), 2);
        assert!(privates.label(true, "f", FileId(0)).is_some());
        assert!(privates.label(true, "f", FileId(1)).is_none());
        assert_eq!(display_name("__private_12_a_b"), "a_b");
        assert_eq!(display_name("__private_x"), "__private_x");
        assert_eq!(display_name("plain"), "plain");
    }

    #[test]
    fn mangled_names_are_reserved() {
        let scripts = vec![parse_file(0, "global __private_1_x\nprobe begin { __private_1_x = 1 }")];
        let mut diags = Vec::new();
        let (out, _) = scope(&scripts, &mut diags);
        assert!(matches!(out, Cow::Borrowed(_)));
        assert_eq!(diags.len(), 1);
    }
}
