//! `@cast(PTR, "TYPE"[, "MODULE"])->path...`: PTR is the address of a TYPE in kernel
//! memory; the path and `$`/`$$` suffixes are resolved against TYPE's DWARF, found through
//! the type-name index (debuginfo/typeindex.rs), so only the unit defining TYPE is read.
//! Unlike target variables a cast does not depend on the probe point, so casts are
//! resolved once per expression, in probes and in the functions they reach (tapset
//! functions such as `inet_get_local_port` use them), into a [`CastTable`] by span.
//!
//! `&@cast(PTR, "TYPE")->member` is the member's address (SystemTap's form, which tapsets
//! such as dentry.stp need for private structs: `real_mount`'s offset of `mnt`).
//!
//! `@var("NAME[@FILE]"[, "kernel"])` (a kernel global or static, typed, read at its
//! run-time address) is resolved here the same way and kept in the same table.
//!
//! MODULE is "kernel" (the default), SystemTap's header forms "kernel<linux/x.h>" and
//! "<linux/x.h>" (the headers name where the type is declared; the kernel's DWARF is
//! searched all the same), a kernel module's name ("usbcore": its own debuginfo), or a
//! user-space program or library by path ("/usr/bin/prog", "./prog": its own DWARF; the
//! address is then read from the current task's user memory), or a list of these
//! separated by ':' (searched in order).

use super::points::Expanded;
use super::symbols::SymbolTable;
use crate::ast::{Block, Expr, ExprKind, FunctionBody, PathElem, Pretty};
use crate::debuginfo::target::{self as dt, Access, Request};
use crate::debuginfo::Object;
use crate::diag::Diagnostic;
use crate::passes::optimize::walk_block;
use std::collections::{HashMap, HashSet};

/// The C that stands for the evaluated PTR in a cast's access; translate replaces it by
/// the temporary holding the operand.
pub const OPERAND: &str = "RT_CAST_OPERAND";

#[derive(Debug, Clone, Default)]
pub struct CastTable {
    pub casts: HashMap<crate::ast::Span, Access>,
}

fn request(path: &[PathElem], pretty: Pretty, addr_of: bool) -> Request {
    super::targets::target_request("", path, pretty, addr_of)
}

/// Whether MODULE names the kernel.
fn kernel_module(m: &str) -> bool {
    m == "kernel" || ((m.starts_with("kernel<") || m.starts_with('<')) && m.ends_with('>'))
}

/// The debuginfo a cast's MODULE says to search, in order: the kernel, a kernel module, or
/// a user-space program or library named by path ("/usr/bin/prog", "./prog": its DWARF).
fn cast_search(m: &str, release: &str) -> Result<Vec<Object>, String> {
    if kernel_module(m) {
        return Ok(vec![Object::kernel(release)]);
    }
    m.split(':')
        .map(|part| {
            if kernel_module(part) {
                Ok(Object::kernel(release))
            } else if part.contains('/') {
                let path = crate::userspace::find_file(part)
                    .ok_or_else(|| format!("@cast into '{part}': no such executable or library"))?;
                Ok(Object::User { path: path.display().to_string() })
            } else if part.is_empty() || part.contains(['<', '>', '*', '?']) {
                Err(format!("@cast into module '{part}': give \"kernel\", a module name, a program's path, or a list of them separated by ':'"))
            } else {
                Ok(Object::Kernel { release: release.to_string(), module: Some(crate::debuginfo::module_name(part)) })
            }
        })
        .collect()
}

/// The casts and `@var`s of a block, and the spans of the casts under `&`.
fn casts_in(b: &Block, out: &mut Vec<Expr>, addr: &mut HashSet<crate::ast::Span>) {
    walk_block(b, &mut |e| {
        if matches!(e.kind, ExprKind::Cast { .. } | ExprKind::AtVar { .. }) {
            out.push(e.clone())
        }
        if let ExprKind::AddrOf(x) = &e.kind {
            if matches!(x.kind, ExprKind::Cast { .. }) {
                addr.insert(x.span);
            }
        }
    });
}

/// Resolves the casts of the probes and of the functions they reach.
pub fn resolve(
    probes: &[Expanded],
    table: &SymbolTable,
    release: &str,
    max_string: usize,
    diags: &mut Vec<Diagnostic>,
) -> CastTable {
    let mut exprs = Vec::new();
    let mut addr = HashSet::new();
    let mut todo: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let calls = |b: &Block, todo: &mut Vec<String>| {
        crate::passes::optimize::calls_in_block(b, &mut |name, _| todo.push(name.to_string()));
    };
    for p in probes {
        casts_in(&p.body, &mut exprs, &mut addr);
        calls(&p.body, &mut todo);
    }
    while let Some(name) = todo.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(f) = table.functions.get(name.as_str()) {
            if let FunctionBody::Script(b) = &f.body {
                casts_in(b, &mut exprs, &mut addr);
                calls(b, &mut todo);
            }
        }
    }
    let mut out = CastTable::default();
    for e in exprs {
        if out.casts.contains_key(&e.span) {
            continue;
        }
        if let ExprKind::AtVar { name, module, path, pretty } = &e.kind {
            if let Some(m) = module.as_deref().filter(|m| !kernel_module(m)) {
                diags.push(
                    Diagnostic::error(format!("@var in module '{m}': only the kernel's variables are supported"))
                        .with_span(e.span),
                );
                continue;
            }
            let (var, file) = match name.split_once('@') {
                Some((v, f)) => (v, Some(f)),
                None => (name.as_str(), None),
            };
            match dt::global_var(release, var, file, &request(path, *pretty, false), max_string) {
                Ok(acc) => {
                    out.casts.insert(e.span, acc);
                }
                Err(dt::Error::Other(m)) => diags.push(Diagnostic::error_with_help_lines(&m).with_span(e.span)),
                Err(err) => diags.push(Diagnostic::error(format!("@var(\"{name}\"): {err:?}")).with_span(e.span)),
            }
            continue;
        }
        let ExprKind::Cast { ty, module, path, pretty, .. } = &e.kind else { continue };
        let search = match cast_search(module.as_deref().unwrap_or("kernel"), release) {
            Ok(s) => s,
            Err(m) => {
                diags.push(Diagnostic::error(m).with_span(e.span).with_help(
                    "use \"kernel\", a module name (\"usbcore\"), a program's path, a list (\"usbcore:kernel\"), or a header list such as \"kernel<linux/sched.h>\"",
                ));
                continue;
            }
        };
        let req = request(path, *pretty, addr.contains(&e.span));
        let r = dt::with_type_in(&search, ty, |f, off| f.cast(off, OPERAND, &req, max_string));
        match r {
            Ok(acc) => {
                out.casts.insert(e.span, acc);
            }
            Err(dt::Error::Other(m)) => diags.push(Diagnostic::error_with_help_lines(&m).with_span(e.span)),
            Err(err) => diags.push(Diagnostic::error(format!("@cast to '{ty}': {err:?}")).with_span(e.span)),
        }
    }
    out
}
