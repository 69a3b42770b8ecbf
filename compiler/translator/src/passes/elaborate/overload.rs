//! Functions overloaded by their number of parameters, as SystemTap allows
//! (`assert(cond)` and `assert(cond, msg)`, `user_string_warn(addr)` and
//! `user_string_warn(addr, msg)`). After private names are renamed, every function name
//! defined with more than one number of parameters is renamed per definition to
//! `__overload_<N>_<name>` ([`mangle`]), and each call of such a name to the definition
//! taking as many arguments. A call with another number keeps the plain name, which
//! then is an unknown function. Names shown to the user lose the prefix
//! (`private::display_name`).

use super::private::Renamer;
use crate::ast;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

pub const PREFIX: &str = "__overload_";

/// The name of `name`'s definition with `n` parameters.
pub fn mangle(name: &str, n: usize) -> String {
    format!("{PREFIX}{n}_{name}")
}

/// The scripts with overloaded functions renamed (borrowed when there are none).
pub fn resolve(scripts: Cow<'_, [ast::Script]>) -> Cow<'_, [ast::Script]> {
    let mut arities: HashMap<String, HashSet<usize>> = HashMap::new();
    for script in scripts.iter() {
        for item in &script.items {
            if let ast::Item::Function(f) = item {
                arities.entry(f.name.name.clone()).or_default().insert(f.params.len());
            }
        }
    }
    arities.retain(|_, a| a.len() > 1);
    if arities.is_empty() {
        return scripts;
    }
    let mut out = scripts.into_owned();
    for script in &mut out {
        let mut r = Renamer {
            file: script.file,
            globals: HashSet::new(),
            functions: HashSet::new(),
            params: Vec::new(),
            overloads: Some(&arities),
        };
        for item in &mut script.items {
            match item {
                ast::Item::Function(f) => {
                    if arities.contains_key(&f.name.name) {
                        f.name.name = mangle(&f.name.name, f.params.len());
                    }
                    if let ast::FunctionBody::Script(b) = &mut f.body {
                        r.block(b);
                    }
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
                ast::Item::Global(_) | ast::Item::EmbeddedC(_) => {}
            }
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::parse;

    fn parse_file(id: u32, text: &str) -> ast::Script {
        let mut sm = crate::diag::SourceMap::new();
        for i in 0..id {
            sm.add(&format!("filler{i}.stp"), "");
        }
        let ctx = parse::PreprocessContext::default();
        parse::parse_file(&mut sm, "test.stp", text, &ctx, &parse::MacroTable::new()).expect("parses")
    }

    fn calls(s: &ast::Script) -> Vec<String> {
        let mut v = Vec::new();
        for item in &s.items {
            match item {
                ast::Item::Function(f) => v.push(format!("def {}", f.name.name)),
                ast::Item::Probe(p) => {
                    for st in &p.body.stmts {
                        if let ast::StmtKind::Expr(e) = &st.kind {
                            if let ast::ExprKind::Call { func, .. } = &e.kind {
                                v.push(format!("call {}", func.name));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        v
    }

    #[test]
    fn calls_go_to_the_definition_with_as_many_parameters() {
        let lib = parse_file(1, "function f(a) { return a }\nfunction f(a, b) { return a + b }\nfunction g(a) { return a }\n");
        let user = parse_file(0, "probe begin { f(1); f(1, 2); f(1, 2, 3); g(1) }\n");
        let scripts = vec![user, lib];
        let out = resolve(Cow::Borrowed(&scripts[..]));
        assert_eq!(calls(&out[0]), ["call __overload_1_f", "call __overload_2_f", "call f", "call g"]);
        assert_eq!(calls(&out[1]), ["def __overload_1_f", "def __overload_2_f", "def g"]);
        assert_eq!(super::super::private::display_name("__overload_2_f"), "f");
    }

    #[test]
    fn nothing_overloaded_borrows() {
        let scripts = vec![parse_file(0, "function f(a) { return a }\nprobe begin { f(1) }\n")];
        assert!(matches!(resolve(Cow::Borrowed(&scripts[..])), Cow::Borrowed(_)));
    }
}
