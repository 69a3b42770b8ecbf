//! The names a script can use: globals, functions and probe aliases from the
//! script and the tapsets. A script's own definitions hide a tapset's.

use super::Settings;
use crate::ast::{self, FileId};
use crate::diag::Diagnostic;
use std::collections::HashMap;

pub struct SymbolTable<'a> {
    pub globals: Vec<&'a ast::GlobalVar>,
    pub global_index: HashMap<&'a str, usize>,
    pub functions: HashMap<&'a str, &'a ast::Function>,
    pub aliases: Vec<&'a ast::ProbeAlias>,
    pub embedded: Vec<&'a ast::EmbeddedC>,
    #[allow(dead_code)] // for "defined in the script" checks to come
    pub user_file: FileId,
    /// Private declarations by their written names (they are renamed, see private.rs).
    pub privates: super::private::Privates,
    /// `-g`: writes to target variables and embedded C are allowed.
    pub guru: bool,
}

impl<'a> SymbolTable<'a> {
    pub fn collect(scripts: &'a [ast::Script], settings: &Settings, diags: &mut Vec<Diagnostic>) -> Self {
        let user_file = scripts[0].file;
        let mut t = SymbolTable {
            globals: Vec::new(),
            global_index: HashMap::new(),
            functions: HashMap::new(),
            aliases: Vec::new(),
            embedded: Vec::new(),
            user_file,
            privates: Default::default(),
            guru: settings.guru,
        };
        for (i, script) in scripts.iter().enumerate() {
            let is_user = i == 0;
            for item in &script.items {
                match item {
                    ast::Item::Global(g) => {
                        for v in &g.vars {
                            if let Some(&prev) = t.global_index.get(v.name.name.as_str()) {
                                if is_user || t.globals[prev].span.file != user_file {
                                    diags.push(
                                        Diagnostic::error(format!("duplicate global '{}'", v.name.name))
                                            .with_span(v.name.span)
                                            .with_label(t.globals[prev].name.span, "first declared here"),
                                    );
                                }
                                continue;
                            }
                            t.global_index.insert(&v.name.name, t.globals.len());
                            t.globals.push(v);
                        }
                    }
                    ast::Item::Function(f) => {
                        if is_user && !settings.guru {
                            if let ast::FunctionBody::EmbeddedC(c) = &f.body {
                                diags.push(guru_needed(c.span));
                            }
                        }
                        match t.functions.get(f.name.name.as_str()) {
                            Some(prev) if prev.span.file == f.span.file => diags.push(
                                Diagnostic::error(format!("duplicate function '{}'", f.name.name))
                                    .with_span(f.name.span)
                                    .with_label(prev.name.span, "first defined here"),
                            ),
                            Some(_) => {} // the script's (earlier) definition wins
                            None => {
                                t.functions.insert(&f.name.name, f);
                            }
                        }
                    }
                    ast::Item::Alias(a) => t.aliases.push(a),
                    ast::Item::EmbeddedC(c) => {
                        if is_user && !settings.guru {
                            diags.push(guru_needed(c.span));
                        }
                        t.embedded.push(c);
                    }
                    ast::Item::Probe(_) => {}
                }
            }
        }
        t
    }
}

pub fn guru_needed(span: ast::Span) -> Diagnostic {
    Diagnostic::error("embedded C code in a script needs guru mode")
        .with_span(span)
        .with_help("run with -g if you trust this code: it runs unchecked in the kernel")
}
