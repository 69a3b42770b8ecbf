//! `-l` and `-L`: the probe points a pattern matches, in SystemTap's
//! formats (`kernel.function("vfs_read@fs/read_write.c:450")`, with `-L`
//! followed by ` $name:type` for each variable at the point). Also the
//! matching of `kernel.function("PATTERN")` itself, which elaboration shares.

use crate::ast::{self, Literal, ProbePoint};
use crate::debuginfo::{self, Function, Index};
use crate::passes::elaborate::pp_string;
use anyhow::{bail, Result};
use std::collections::BTreeSet;

/// `name`, `name@file`, `name@file:LINE` split apart (`*` wildcards kept).
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionPattern {
    pub name: String,
    pub file: Option<String>,
    pub line: Option<u32>,
}

impl FunctionPattern {
    pub fn parse(s: &str) -> Result<FunctionPattern> {
        let (name, rest) = match s.split_once('@') {
            Some((n, r)) => (n, Some(r)),
            None => (s, None),
        };
        let (file, line) = match rest {
            None => (None, None),
            Some(r) => match r.rsplit_once(':') {
                Some((f, l)) => match l.parse::<u32>() {
                    Ok(l) => (Some(f.to_string()), Some(l)),
                    Err(_) => bail!("'{s}': only function@file or function@file:LINE are understood here"),
                },
                None => (Some(r.to_string()), None),
            },
        };
        if name.is_empty() {
            bail!("'{s}': no function name (use '*' for all)");
        }
        Ok(FunctionPattern { name: name.to_string(), file, line })
    }

    /// The functions this pattern names. With `@file:LINE`, those whose body spans LINE
    /// (from the declaration to its last line with code), as SystemTap does; a function
    /// whose line table cannot be read does not match.
    pub fn matches<'a>(&self, ix: &'a Index) -> Vec<&'a Function> {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => {
                crate::debuginfo::statement::functions_spanning(ix, &self.name, file, line).unwrap_or_default()
            }
            _ => ix.lookup(&self.name, self.file.as_deref()),
        }
    }
}

/// Which instances of a function a `kernel.function` point asks for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Instances {
    /// Plain: out-of-line and inlined copies.
    All,
    /// `.call`: out-of-line copies only.
    Call,
    /// `.return`: out-of-line copies only.
    Return,
    /// `.inline`: inlined copies only.
    Inline,
}

/// Whether `f` has what the point asks for.
pub fn wanted(f: &Function, inst: Instances) -> bool {
    let probeable = f.entries.iter().any(|e| !e.blocked);
    match inst {
        Instances::All => probeable || !f.inlines.is_empty(),
        Instances::Call | Instances::Return => probeable,
        Instances::Inline => !f.inlines.is_empty(),
    }
}

/// `kernel.function("vfs_read@fs/read_write.c:450")`: the point a function resolves to.
pub fn function_pp(f: &Function) -> String {
    format!("kernel.function(\"{}@{}:{}\")", f.name, f.file, f.line)
}

/// What a command-line point says: `kernel.function(PATTERN)` plus its suffixes.
pub fn kernel_function_parts(p: &ProbePoint) -> Option<(String, Vec<String>)> {
    match function_parts(p) {
        Some((None, pat, suffixes)) => Some((pat, suffixes)),
        _ => None,
    }
}

/// As [`kernel_function_parts`], also for `module("M").function(PATTERN)` (the first value
/// is then the `module("M")` component).
fn function_parts(p: &ProbePoint) -> Option<(Option<ast::Component>, String, Vec<String>)> {
    let c = &p.components;
    if c.len() < 2 || c[1].name != "function" {
        return None;
    }
    let module = match (c[0].name.as_str(), &c[0].arg) {
        ("kernel", None) => None,
        ("module", Some(_)) => Some(c[0].clone()),
        _ => return None,
    };
    let Some(Literal::Str(raw)) = &c[1].arg else { return None };
    let pat = String::from_utf8_lossy(&ast::decode_string(raw)).into_owned();
    Some((module, pat, c[2..].iter().map(|x| pp_string(std::slice::from_ref(x))).collect()))
}

pub fn instances(suffixes: &[String]) -> Result<Instances> {
    let mut inst = Instances::All;
    for s in suffixes {
        inst = match s.as_str() {
            "call" => Instances::Call,
            "return" => Instances::Return,
            "inline" => Instances::Inline,
            s if s.starts_with("maxactive(") => inst,
            s => bail!("kernel.function: unknown suffix '.{s}' (call, return, inline, maxactive(N))"),
        };
    }
    Ok(inst)
}

/// `rstap -l PATTERN` / `-L PATTERN`.
pub fn run(opts: &crate::options::Options) -> Result<i32> {
    let (text, vars) = match (&opts.list, &opts.list_vars) {
        (_, Some(l)) => (l, true),
        (Some(l), None) => (l, false),
        _ => unreachable!(),
    };
    let kernel = opts.kernel_release.clone().unwrap_or_else(crate::kernel::running_release);
    let mut sm = crate::diag::SourceMap::new();
    let ctx = crate::passes::parse::PreprocessContext { kernel_release: kernel.clone(), ..Default::default() };
    let points = match crate::passes::parse::parse_probe_points(&mut sm, "<probe point>", text, &ctx) {
        Ok(p) => p,
        Err(d) => {
            for x in &d {
                eprint!("{}", sm.render(x));
            }
            return Ok(1);
        }
    };
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let target = crate::userspace::Target::from_options(opts.command.as_deref(), opts.target_pid);
    let mut library = None;
    for line in crate::listing::list_with_aliases(&points, vars, &kernel, &target, opts, &mut library)? {
        // A reader that stopped early (`| head`) is not an error.
        if writeln!(stdout, "{line}").is_err() {
            break;
        }
    }
    Ok(0)
}

/// As [`list`], also for the tapset library's aliases (alias_listing.rs), whose library
/// is parsed on first need into `library`.
pub fn list_with_aliases(
    points: &[ProbePoint],
    with_vars: bool,
    kernel_release: &str,
    target: &crate::userspace::Target,
    opts: &crate::options::Options,
    library: &mut Option<crate::alias_listing::Library>,
) -> Result<Vec<String>> {
    let mut out = BTreeSet::new();
    let mut rest = Vec::new();
    for p in points {
        let builtin = crate::syscalls::wanted(&p.components[0].name) || !could_be_alias(p);
        if !builtin {
            if library.is_none() {
                *library = Some(crate::alias_listing::Library::load(opts, kernel_release)?);
            }
            let lib = library.as_mut().expect("loaded above");
            // The target variables of the point an alias resolved to, as -L lists them.
            let mut target_vars = |pp: &str| -> Option<String> {
                let mut sm = crate::diag::SourceMap::new();
                let ctx = crate::passes::parse::PreprocessContext { kernel_release: kernel_release.to_string(), ..Default::default() };
                let pts = crate::passes::parse::parse_probe_points(&mut sm, "<probe point>", pp, &ctx).ok()?;
                let line = list(&pts, true, kernel_release, target).ok()?.into_iter().next()?;
                line.strip_prefix(pp).map(str::to_string)
            };
            if let Some(lines) = crate::alias_listing::listing(lib, p, with_vars, &mut target_vars) {
                out.extend(lines);
                continue;
            }
        }
        rest.push(p.clone());
    }
    out.extend(list(&rest, with_vars, kernel_release, target)?);
    Ok(out.into_iter().collect())
}

/// Whether a point is not one of the built-in families (which aliases never shadow).
fn could_be_alias(p: &ProbePoint) -> bool {
    const BUILTIN: [&str; 12] =
        ["kernel", "module", "process", "kprobe", "timer", "begin", "end", "error", "never", "procfs", "perf", "java"];
    !BUILTIN.contains(&p.components[0].name.as_str())
}

/// The lines `-l` (or `-L` when `with_vars`) prints for these points, sorted.
pub fn list(
    points: &[ProbePoint],
    with_vars: bool,
    kernel_release: &str,
    target: &crate::userspace::Target,
) -> Result<Vec<String>> {
    let mut out = BTreeSet::new();
    for p in points {
        // The generated syscall families (syscalls/): their aliases and variables.
        if let Some(lines) = crate::syscalls::listing(&p.components, with_vars, kernel_release)? {
            out.extend(lines);
            continue;
        }
        // User-space points: what they resolve to (userspace/).
        if let Some(r) = crate::userspace::resolve(&p.components, target) {
            for (up, pp) in r.map_err(anyhow::Error::msg)? {
                out.insert(match (with_vars, &up) {
                    (true, crate::userspace::UserPoint::Uprobe(u)) => user_vars(pp, u)?,
                    _ => pp,
                });
            }
            continue;
        }
        // Tracepoints: `kernel.trace("SYSTEM:NAME")` and, with -L, their arguments.
        if let Some(r) = debuginfo::tracepoints::resolve(&p.components, kernel_release) {
            let tps = r.map_err(anyhow::Error::msg)?;
            if !with_vars {
                out.extend(tps.into_iter().map(|(_, pp)| pp));
                continue;
            }
            // Each object's DWARF (the vmlinux's, a module's) is loaded once.
            let mut objects: Vec<&debuginfo::Object> = tps.iter().map(|(tp, _)| &tp.site.object).collect();
            objects.dedup();
            let mut done = std::collections::HashSet::new();
            for object in objects {
                if !done.insert(object.clone()) {
                    continue;
                }
                let ix = debuginfo::index_of(object)?;
                let dwarf = debuginfo::types::Dwarf::load(&ix)?;
                for (tp, pp) in tps.iter().filter(|(tp, _)| tp.site.object == *object) {
                    let mut line = pp.clone();
                    let iter = format!("__traceiter_{}", tp.name);
                    if let Some(f) = ix.lookup(&iter, None).first() {
                        // The parameters after `void *__data` are the tracepoint's.
                        for v in dwarf.variables(f)?.into_iter().filter(|v| v.is_param).skip(1) {
                            line.push_str(&format!(" ${}:{}", v.name, v.type_name));
                        }
                    }
                    out.insert(line);
                }
            }
            continue;
        }
        if let Some(lines) = statement_listing(p, with_vars, kernel_release)? {
            out.extend(lines);
            continue;
        }
        let Some((module, pat, suffixes)) = function_parts(p) else {
            // Families without a pattern to expand list as written.
            out.insert(pp_string(&p.components));
            continue;
        };
        if module.is_none() && !debuginfo::has_dwarf(kernel_release) {
            out.extend(btf_listing(p, with_vars, kernel_release)?);
            continue;
        }
        let fp = FunctionPattern::parse(&pat)?;
        let inst = instances(&suffixes)?;
        let suffix: String = suffixes.iter().map(|s| format!(".{s}")).collect();
        let modules = match &module {
            None => vec![None],
            Some(c) => debuginfo::resolve::matching_modules(c, kernel_release).map_err(anyhow::Error::msg)?.0.into_iter().map(Some).collect(),
        };
        for m in modules {
            let ix = debuginfo::index_for(kernel_release, m.as_deref())?;
            list_functions(&ix, m.as_deref(), &fp, inst, &suffix, with_vars, &mut out)?;
        }
    }
    Ok(out.into_iter().collect())
}

/// The functions of one DWARF index (the kernel's, or module `module`'s) that `fp` matches,
/// as `-l` / `-L` print them, into `out`.
fn list_functions(
    ix: &Index,
    module: Option<&str>,
    fp: &FunctionPattern,
    inst: Instances,
    suffix: &str,
    with_vars: bool,
    out: &mut BTreeSet<String>,
) -> Result<()> {
    let dwarf = if with_vars { Some(debuginfo::types::Dwarf::load(ix)?) } else { None };
    for f in fp.matches(ix).into_iter().filter(|f| wanted(f, inst)) {
        let mut line = match module {
            None => format!("{}{suffix}", function_pp(f)),
            Some(m) => format!("module(\"{m}\").function(\"{}@{}:{}\"){suffix}", f.name, f.file, f.line),
        };
        if let Some(d) = &dwarf {
            // Parameters only, as SystemTap's -L shows at a function's entry.
            for v in d.variables(f)?.into_iter().filter(|v| v.is_param) {
                line.push_str(&format!(" ${}:{}", v.name, v.type_name));
            }
            if inst == Instances::Return {
                if let Some(t) = d.return_type(f)? {
                    line.push_str(&format!(" $return:{t}"));
                }
            }
        }
        out.insert(line);
    }
    Ok(())
}

/// `-L` for a user-space function found through DWARF: its parameters (and `$return` for
/// `.return`), as for `kernel.function`; for a statement, the variables in scope there.
fn user_vars(pp: String, u: &crate::userspace::UprobePoint) -> Result<String> {
    if let Some(m) = &u.mark {
        // A marker's arguments are numbers, as SystemTap lists them.
        let args: String = (1..=m.args.len()).map(|i| format!(" $arg{i}:long")).collect();
        return Ok(format!("{pp}{args}"));
    }
    if u.plt.is_some() && u.ret {
        return Ok(format!("{pp} $return:long"));
    }
    let Some(site) = &u.site else { return Ok(pp) };
    if pp.contains(".statement(") {
        // A statement: every variable in scope at its address, as kernel statements list.
        let vars = crate::debuginfo::target::with_func(site, |f| f.visible())
            .map_err(|e| anyhow::anyhow!("the variables at {pp}: {e:?}"))?;
        let mut line = pp;
        for (name, ty) in vars {
            line.push_str(&format!(" ${name}:{ty}"));
        }
        return Ok(line);
    }
    let ix = debuginfo::index_of(&site.object)?;
    // An out-of-line copy, or an inlined one (its parameters are the function's).
    let Some(f) = ix
        .functions
        .iter()
        .find(|f| f.entries.iter().any(|e| e.die == site.die) || f.inlines.iter().any(|i| i.die == site.die))
    else {
        return Ok(pp);
    };
    let d = debuginfo::types::Dwarf::load(&ix)?;
    let mut line = pp;
    for v in d.variables(f)?.into_iter().filter(|v| v.is_param) {
        line.push_str(&format!(" ${}:{}", v.name, v.type_name));
    }
    if u.ret {
        if let Some(t) = d.return_type(f)? {
            line.push_str(&format!(" $return:{t}"));
        }
    }
    Ok(line)
}

/// `kernel.function(...)` without DWARF: the BTF functions the point matches, by name
/// only (BTF has no file or line), with `-L` their parameters (and `$return` for
/// `.return`) typed from the BTF. The fallback's warning goes to stderr.
fn btf_listing(p: &ProbePoint, with_vars: bool, release: &str) -> Result<Vec<String>> {
    let Some(r) = crate::debuginfo::resolve::resolve(&p.components, release) else { return Ok(vec![]) };
    let (points, warnings) = r.map_err(anyhow::Error::msg)?;
    for w in warnings {
        eprintln!("WARNING: {w}");
    }
    let mut out = Vec::new();
    for (k, pp) in points {
        let mut line = pp;
        if let (true, Some(site)) = (with_vars, &k.site) {
            crate::debuginfo::btf_target::with_btf_func(site, |f| {
                for (name, ty) in f.visible() {
                    line.push_str(&format!(" ${name}:{ty}"));
                }
                if let (true, Some(t)) = (k.ret, f.return_type()) {
                    line.push_str(&format!(" $return:{t}"));
                }
                Ok(())
            })
            .map_err(|e| anyhow::anyhow!("the parameters of {line}: {e:?}"))?;
        }
        out.push(line);
    }
    Ok(out)
}

/// `kernel.statement(...)` points: one line per statement (`-L`: with the variables in
/// scope at its address). None: not a statement point.
fn statement_listing(p: &ProbePoint, with_vars: bool, release: &str) -> Result<Option<Vec<String>>> {
    let c = &p.components;
    let family = matches!(c.first(), Some(f) if (matches!(f.name.as_str(), "kernel" | "kprobe") && f.arg.is_none()) || (f.name == "module" && f.arg.is_some()));
    if c.len() < 2 || !family || c[1].name != "statement" {
        return Ok(None);
    }
    let points = match crate::debuginfo::resolve::resolve(c, release) {
        Some(r) => r.map_err(anyhow::Error::msg)?.0,
        None => return Ok(None),
    };
    let mut out = Vec::new();
    for (k, pp) in points {
        let mut line = pp;
        if let (true, Some(site)) = (with_vars, &k.site) {
            let vars = crate::debuginfo::target::with_func(site, |f| f.visible())
                .map_err(|e| anyhow::anyhow!("the variables at {line}: {e:?}"))?;
            for (name, ty) in vars {
                line.push_str(&format!(" ${name}:{ty}"));
            }
        }
        out.push(line);
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::FunctionPattern;

    #[test]
    fn patterns() {
        let p = FunctionPattern::parse("vfs_read@fs/read_write.c:450").unwrap();
        assert_eq!(p.name, "vfs_read");
        assert_eq!(p.file.as_deref(), Some("fs/read_write.c"));
        assert_eq!(p.line, Some(450));
        let p = FunctionPattern::parse("*@kernel/time/time.c").unwrap();
        assert_eq!((p.name.as_str(), p.file.as_deref(), p.line), ("*", Some("kernel/time/time.c"), None));
        assert!(FunctionPattern::parse("@x.c").is_err());
    }
}
