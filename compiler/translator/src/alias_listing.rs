//! `-l` and `-L` of the tapset library's probe aliases (`scheduler.*`, `vfs.read`,
//! `tcp.sendmsg.return`): the alias names a pattern matches (component by component,
//! `*` within one), each listed only when it resolves on the target kernel, as
//! SystemTap lists them. With `-L`, each is followed by the variables its body sets
//! (`name:string`, in the order the elaborated probe holds them; `_` names are the
//! library's internals and left out), then the target variables of the point it
//! resolved to: `vfs.read file:long ... $file:struct file* $buf:char* ...`, one line per
//! distinct set. The generated `syscall.*` family is listed by syscalls/ instead.

use crate::ast::{Item, ProbePoint, Script};
use crate::diag::SourceMap;
use crate::options::Options;
use crate::passes::elaborate::{self, wildcard_match};
use crate::passes::parse;
use anyhow::Result;

/// The library, parsed once for all the points of one `-l`/`-L`.
pub struct Library {
    sm: SourceMap,
    ctx: parse::PreprocessContext,
    macros: parse::MacroTable,
    scripts: Vec<Script>,
    opts: Options,
}

impl Library {
    pub fn load(opts: &Options, release: &str) -> Result<Library> {
        let kernel = crate::kernel::Kernel::find(Some(release))
            .unwrap_or_else(|_| crate::kernel::Kernel::without_build_tree(Some(release)));
        let ctx = parse::PreprocessContext {
            kernel_release: kernel.release.clone(),
            arch: kernel.arch.clone(),
            config: kernel.config.clone(),
            guru_mode: opts.guru,
            ..Default::default()
        };
        let mut sm = SourceMap::new();
        let files = crate::driver::tapset_files(opts);
        let macros = crate::driver::library_macros(opts, &mut sm, &ctx, &files)?;
        let scripts = crate::driver::library_scripts(opts, &mut sm, &ctx, &files, &macros)?;
        Ok(Library { sm, ctx, macros, scripts, opts: opts.clone() })
    }

    /// The library's public alias names that `p` matches, as written (`tcp.sendmsg`).
    fn matching(&self, p: &ProbePoint) -> Vec<String> {
        let mut names = Vec::new();
        for a in self.scripts.iter().flat_map(|s| &s.items).filter_map(|i| match i {
            Item::Alias(a) => Some(a),
            _ => None,
        }) {
            for n in &a.names {
                let same_shape = n.components.len() == p.components.len()
                    && n.components.iter().zip(&p.components).all(|(nc, pc)| {
                        wildcard_match(&pc.name, &nc.name) && nc.arg == pc.arg
                    });
                let name = parse::print_probe_point(n);
                if same_shape && !name.starts_with('_') && !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        names
    }

    /// `probe NAME {}` elaborated without optimisation (which would drop the alias's
    /// unused variables), or None when the alias does not resolve here.
    fn elaborate(&mut self, name: &str) -> Option<elaborate::Program> {
        let text = format!("probe {name} {{}}\n");
        let user = parse::parse_file(&mut self.sm, "<probe point>", &text, &self.ctx, &self.macros).ok()?;
        let mut scripts = vec![user];
        scripts.extend(self.scripts.iter().cloned());
        if crate::driver::wants_syscalls(&scripts) {
            let table = crate::syscalls::table(&self.ctx.kernel_release).ok()?;
            let gen = crate::syscalls::tapset::generate(&table);
            let file = format!("<syscall aliases of {}>", self.ctx.kernel_release);
            scripts.push(parse::parse_file(&mut self.sm, &file, &gen, &self.ctx, &self.macros).ok()?);
        }
        let settings = elaborate::Settings {
            guru: self.opts.guru,
            suppress_warnings: true,
            kernel_release: self.ctx.kernel_release.clone(),
            optimize: crate::passes::optimize::Settings { enabled: false, ..Default::default() },
            target: crate::userspace::Target::from_options(self.opts.command.as_deref(), self.opts.target_pid),
        };
        let program = elaborate::run(&scripts, &settings).ok()?;
        program.probes.iter().any(|p| !p.points.is_empty()).then_some(program)
    }
}

/// The lines for `p` when it names library aliases, else None.
pub fn listing(
    lib: &mut Library,
    p: &ProbePoint,
    with_vars: bool,
    target_vars: &mut dyn FnMut(&str) -> Option<String>,
) -> Option<Vec<String>> {
    let names = lib.matching(p);
    if names.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for name in names {
        let Some(program) = lib.elaborate(&name) else { continue };
        if !with_vars {
            out.push(name);
            continue;
        }
        let Some(probe) = program.probes.first() else { continue };
        let mut vars = String::new();
        for l in probe.locals.iter().filter(|l| !l.name.starts_with('_')) {
            let ty = match l.ty {
                crate::ast::Type::Long => "long",
                crate::ast::Type::String => "string",
            };
            vars.push_str(&format!(" {}:{ty}", l.name));
        }
        for pt in &probe.points {
            out.push(format!("{name}{vars}{}", target_vars(&pt.pp).unwrap_or_default()));
        }
    }
    Some(out)
}
