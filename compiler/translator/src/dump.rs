//! `--dump-functions` and `--dump-probe-aliases`: the tapset library's functions and probe
//! aliases, one per line, sorted, in SystemTap's forms:
//!
//! ```text
//! substr:string (str:string, start:long, length:long)
//! HZ:long () /* unprivileged */
//! syscall.read = __syscall(0)
//! ```
//!
//! Names starting with `_` are the library's internals and are left out, as SystemTap does;
//! an undeclared type prints as `unknown` (nothing is inferred here). The `syscall.*` family
//! is generated per kernel (syscalls/) and is listed when the kernel's table can be read.

use crate::ast::{FunctionBody, Item, Script, Type, TypeAnnot};
use crate::diag::SourceMap;
use crate::driver::{library_macros, library_scripts, tapset_files};
use crate::kernel::Kernel;
use crate::options::Options;
use crate::passes::parse;
use anyhow::Result;

pub fn run(opts: &Options) -> Result<i32> {
    let kernel = Kernel::find(opts.kernel_release.as_deref())
        .unwrap_or_else(|_| Kernel::without_build_tree(opts.kernel_release.as_deref()));
    let ctx = parse::PreprocessContext {
        kernel_release: kernel.release.clone(),
        arch: kernel.arch.clone(),
        config: kernel.config.clone(),
        guru_mode: opts.guru,
        ..Default::default()
    };
    let mut sm = SourceMap::new();
    let files = tapset_files(opts);
    let macros = library_macros(opts, &mut sm, &ctx, &files)?;
    let mut scripts = library_scripts(opts, &mut sm, &ctx, &files, &macros)?;
    // The generated syscall tapset also defines syscall_name() and syscall_num().
    {
        match crate::syscalls::table(&kernel.release) {
            Ok(table) => {
                let text = crate::syscalls::tapset::generate(&table);
                let name = format!("<syscall aliases of {}>", kernel.release);
                match parse::parse_file(&mut sm, &name, &text, &ctx, &macros) {
                    Ok(s) => scripts.push(s),
                    Err(_) => anyhow::bail!("the generated syscall aliases have errors (a translator bug)"),
                }
            }
            Err(e) => eprintln!("rstap: warning: the syscall.* aliases are left out: {e:#}"),
        }
    }
    let mut lines = if opts.dump_functions { function_lines(&scripts) } else { alias_lines(&scripts) };
    lines.sort();
    lines.dedup();
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    for l in lines {
        // A reader that stopped early (`| head`) is not an error.
        if writeln!(stdout, "{l}").is_err() {
            break;
        }
    }
    Ok(0)
}

fn type_name(t: Option<TypeAnnot>) -> &'static str {
    match t.map(|a| a.ty) {
        Some(Type::Long) => "long",
        Some(Type::String) => "string",
        None => "unknown",
    }
}

/// `name:type (param:type, ...)`, and ` /* unprivileged */` where the embedded C says so.
fn function_lines(scripts: &[Script]) -> Vec<String> {
    let mut out = Vec::new();
    for f in scripts.iter().flat_map(|s| &s.items).filter_map(|i| match i {
        Item::Function(f) => Some(f),
        _ => None,
    }) {
        if f.private || f.name.name.starts_with('_') {
            continue;
        }
        let params: Vec<String> =
            f.params.iter().map(|p| format!("{}:{}", p.name.name, type_name(p.ty))).collect();
        let mut line = format!("{}:{} ({})", f.name.name, type_name(f.ret), params.join(", "));
        if let FunctionBody::EmbeddedC(c) = &f.body {
            if c.has_pragma("unprivileged") {
                line.push_str(" /* unprivileged */");
            }
            if c.has_pragma("guru") {
                line.push_str(" /* guru */");
            }
        }
        out.push(line);
    }
    out
}

/// `name = point, point` (`+=` for an epilogue alias), one line per name of each alias.
fn alias_lines(scripts: &[Script]) -> Vec<String> {
    let mut out = Vec::new();
    for a in scripts.iter().flat_map(|s| &s.items).filter_map(|i| match i {
        Item::Alias(a) => Some(a),
        _ => None,
    }) {
        let points: Vec<String> = a.points.iter().map(parse::print_probe_point).collect();
        for name in &a.names {
            let name = parse::print_probe_point(name);
            if name.starts_with('_') {
                continue;
            }
            let op = if a.epilogue { "+=" } else { "=" };
            out.push(format!("{name} {op} {}", points.join(", ")));
        }
    }
    out
}
