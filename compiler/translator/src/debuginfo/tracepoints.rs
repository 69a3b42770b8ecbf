//! `kernel.trace("NAME")`, `kernel.trace("SYSTEM:NAME")` and their wildcards: the
//! tracepoints of the vmlinux and of the modules whose debuginfo is installed, found in
//! their DWARF as the `__traceiter_NAME` functions every tracepoint defines (their
//! parameters after `void *__data` are the tracepoint's prototype). A tracepoint's system
//! is its trace event's (`event_NAME` → its class → `system`, read from the vmlinux's
//! initialised data, or through a module's relocations), else the name of the header
//! that declares it (include/trace/events/SYSTEM.h). A module's tracepoints are armed
//! when the module is (or comes) loaded (runtime-c/tracepoints.c).

use super::resolve::Site;
use super::symtab::SymbolTable;
use crate::ast::{Component, Literal};

const ITER_PREFIX: &str = "__traceiter_";

/// One tracepoint to attach to.
#[derive(Debug, Clone, PartialEq)]
pub struct TracePoint {
    pub name: String,
    pub system: String,
    /// The module defining it, or None for the vmlinux.
    pub module: Option<String>,
    /// Its arguments (after `__data`), all passed as 64-bit slots.
    pub nargs: usize,
    /// `__traceiter_NAME`'s DWARF, for `$args` (`Site::tracepoint` set).
    pub site: Site,
    /// The kernel refusing it is a warning (from a wildcard, or `?`).
    pub optional: bool,
}

/// None: not `kernel.trace`. Else each matching tracepoint with its `pp()`.
pub fn resolve(comps: &[Component], release: &str) -> Option<Result<Vec<(TracePoint, String)>, String>> {
    match comps {
        [k, t, rest @ ..] if k.name == "kernel" && k.arg.is_none() && t.name == "trace" => {
            if let Some(c) = rest.first() {
                return Some(Err(format!("kernel.trace has no suffix '.{}'", c.name)));
            }
            let Some(Literal::Str(raw)) = &t.arg else {
                return Some(Err("'trace' takes a string: kernel.trace(\"NAME\") or kernel.trace(\"SYSTEM:NAME\")".into()));
            };
            Some(find(&crate::ast::decode_string_lossy(raw), release))
        }
        _ => None,
    }
}

/// Tracepoint `system:name` whose `__traceiter_` function is `f` in `object`, or None
/// when it has no entry or takes an argument that does not fit a 64-bit slot (a struct
/// or float passed by value), which is recorded in `unusable`.
fn attachable(
    object: super::Object,
    f: &super::Function,
    name: &str,
    system: &str,
    module: Option<&str>,
    optional: bool,
    unusable: &mut Vec<String>,
) -> Result<Option<TracePoint>, String> {
    let Some(entry) = f.entries.iter().find(|e| !e.symbol.is_empty()).or(f.entries.first()) else { return Ok(None) };
    let site = Site {
        object,
        function: format!("tracepoint {system}:{name}"),
        addr: entry.addr,
        die: entry.die,
        cu: entry.cu,
        tracepoint: true,
        btf: false,
    };
    let kinds = super::target::with_func(&site, |func| func.tracepoint_arg_kinds()).map_err(|e| match e {
        super::target::Error::Other(m) => m,
        e => format!("{e:?}"),
    })?;
    if let Some((arg, _)) = kinds.iter().find(|(_, simple)| !simple) {
        unusable.push(format!("{system}:{name} (argument '{arg}' is not an integer or pointer)"));
        return Ok(None);
    }
    Ok(Some(TracePoint {
        name: name.to_string(),
        system: system.to_string(),
        module: module.map(str::to_string),
        nargs: kinds.len(),
        site,
        optional,
    }))
}

/// SystemTap's `pp()` of a tracepoint probe.
pub fn pp(system: &str, name: &str) -> String {
    format!("kernel.trace(\"{system}:{name}\")")
}

fn find(pattern: &str, release: &str) -> Result<Vec<(TracePoint, String)>, String> {
    let (sys_pat, name_pat) = match pattern.split_once(':') {
        Some((s, n)) => (Some(s), n),
        None => (None, pattern),
    };
    if name_pat.is_empty() {
        return Err(format!("kernel.trace(\"{pattern}\"): no tracepoint name"));
    }
    let ix = super::kernel_index(release, false).map_err(|e| format!("{e:#}"))?;
    let syms = super::symtab::kernel_symbols(release).map_err(|e| format!("{e:#}"))?;
    let wild = pattern.contains(['*', '?', '[']);
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut unusable = Vec::new();
    for f in &ix.functions {
        let Some(name) = f.name.strip_prefix(ITER_PREFIX) else { continue };
        if !super::index::glob(name_pat, name) || !seen.insert(name.to_string()) {
            continue;
        }
        let system = system_of(&syms, name, &f.file);
        if sys_pat.is_some_and(|p| !super::index::glob(p, &system)) {
            continue;
        }
        let object = super::Object::kernel(release);
        let Some(tp) = attachable(object, f, name, &system, None, wild, &mut unusable)? else { continue };
        out.push((tp, pp(&system, name)));
    }
    for (module, path) in super::module_debug_files(release) {
        let Ok(found) = ModuleTracepoints::read(&path) else { continue };
        for name in &found.names {
            if !super::index::glob(name_pat, name) || seen.contains(name.as_str()) {
                continue;
            }
            let system = found.system(name).unwrap_or_else(|| module.clone());
            if sys_pat.is_some_and(|p| !super::index::glob(p, &system)) {
                continue;
            }
            let object = super::Object::Kernel { release: release.to_string(), module: Some(module.clone()) };
            let ix = super::index_of(&object).map_err(|e| format!("{e:#}"))?;
            let iter = format!("{ITER_PREFIX}{name}");
            let Some(f) = ix.functions.iter().find(|f| f.name == iter) else { continue };
            let Some(tp) = attachable(object.clone(), f, name, &system, Some(&module), wild, &mut unusable)? else { continue };
            seen.insert(name.clone());
            out.push((tp, pp(&system, name)));
        }
    }
    if out.is_empty() {
        if let Some(u) = unusable.first() {
            return Err(format!("cannot attach to tracepoint {u}"));
        }
        return Err(format!("no tracepoint in the debuginfo of the kernel or its installed modules matches \"{pattern}\""));
    }
    out.sort_by(|a, b| (&a.0.system, &a.0.name).cmp(&(&b.0.system, &b.0.name)));
    Ok(out)
}

/// The trace system of tracepoint `name`: its event class's `system` string (the first
/// member of `struct trace_event_class`, which `struct trace_event_call` points to right
/// after its `list_head`), else the declaring header's base name.
fn system_of(syms: &SymbolTable, name: &str, file: &str) -> String {
    let from_event = || -> Option<String> {
        let call = syms.unique(&format!("event_{name}"))?;
        let class = syms.read_u64(call.addr + 16)?;
        let system = syms.read_u64(class)?;
        let s = syms.read_cstr(system)?;
        let ok = !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        ok.then_some(s)
    };
    from_event().unwrap_or_else(|| {
        let base = file.rsplit('/').next().unwrap_or(file);
        base.strip_suffix(".h").unwrap_or(base).to_string()
    })
}

/// A module debuginfo file's tracepoints (its `__traceiter_` symbols) and what their
/// trace systems need: the module is relocatable, so the pointers from `event_NAME` to
/// its class and on to the system's string are relocations, not data.
struct ModuleTracepoints {
    map: memmap2::Mmap,
    names: Vec<String>,
}

impl ModuleTracepoints {
    fn read(path: &std::path::Path) -> anyhow::Result<ModuleTracepoints> {
        use object::{Object, ObjectSymbol};
        let file = std::fs::File::open(path)?;
        // SAFETY: debuginfo files are not modified while rstap runs.
        let map = unsafe { memmap2::Mmap::map(&file)? };
        let obj = object::File::parse(&*map)?;
        let mut names: Vec<String> =
            obj.symbols().filter_map(|s| s.name().ok()?.strip_prefix(ITER_PREFIX).map(str::to_string)).collect();
        names.sort();
        names.dedup();
        drop(obj);
        Ok(ModuleTracepoints { map, names })
    }

    /// The `system` string of `event_NAME`'s class, or None when unreadable.
    fn system(&self, name: &str) -> Option<String> {
        use object::{Object, ObjectSection, ObjectSymbol};
        let obj = object::File::parse(&*self.map).ok()?;
        let event = obj.symbols().find(|s| s.name().is_ok_and(|n| n.strip_prefix("event_") == Some(name)))?;
        // struct trace_event_call: a list_head, then the class pointer.
        let class = reloc_target(&obj, event.section_index()?, event.address() + 16)?;
        // struct trace_event_class: the system pointer first.
        let (sec, off) = reloc_target(&obj, class.0, class.1)?;
        let data = obj.section_by_index(sec).ok()?.data().ok()?;
        let bytes = data.get(off as usize..)?;
        let s = std::str::from_utf8(&bytes[..bytes.iter().position(|&b| b == 0)?]).ok()?;
        let ok = !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        ok.then(|| s.to_string())
    }
}

/// Where the relocated pointer at `offset` of section `sec` points: a section and an
/// offset in it.
fn reloc_target(obj: &object::File, sec: object::SectionIndex, offset: u64) -> Option<(object::SectionIndex, u64)> {
    use object::{Object, ObjectSection, ObjectSymbol, RelocationTarget};
    let section = obj.section_by_index(sec).ok()?;
    let (_, r) = section.relocations().find(|(at, _)| *at == offset)?;
    match r.target() {
        RelocationTarget::Symbol(i) => {
            let t = obj.symbol_by_index(i).ok()?;
            Some((t.section_index()?, t.address().checked_add_signed(r.addend())?))
        }
        RelocationTarget::Section(i) => Some((i, u64::try_from(r.addend()).ok()?)),
        _ => None,
    }
}
