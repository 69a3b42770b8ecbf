//! Resolving the kernel probe families to kprobes: `kprobe.function("sym")`
//! (no debuginfo: the kernel resolves the symbol) and
//! `kernel.function("PATTERN")` (through the DWARF function index: each
//! matching function's out-of-line entries, by their ELF symbol, GCC clone
//! names included).

use crate::ast::{Component, Literal};
use crate::listing::{function_pp, instances, FunctionPattern, Instances};
use crate::passes::elaborate::pp_string;

/// One kprobe or kretprobe to register.
#[derive(Debug, Clone, PartialEq)]
pub struct KprobePoint {
    /// The symbol the kernel resolves (`_stext` when the name is ambiguous).
    pub symbol: String,
    pub offset: u64,
    pub ret: bool,
    /// `.maxactive(N)`; 0: the kernel's default.
    pub maxactive: i64,
    /// The kernel refusing this one is a warning (it came from a wildcard).
    pub optional: bool,
    /// Where its DWARF is (`kernel.function`), for target variables; None for `kprobe.*`.
    pub site: Option<Site>,
}

/// A probed function entry in a DWARF object (the kernel, a module, a user-space file):
/// enough to read its one compilation unit again (through the object's cached index) and
/// to pick its location lists' ranges.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// Whose DWARF this is.
    pub object: super::Object,
    /// The function, as `-L` prints it (`vfs_read`).
    pub function: String,
    /// Link-time address of the entry (the probe's address).
    pub addr: u64,
    /// .debug_info offsets of the copy's DIE and of its unit's header.
    pub die: u64,
    pub cu: u64,
    /// The DIE is a tracepoint's `__traceiter_NAME`: its parameters after `__data` are the
    /// tracepoint's arguments, which the callback stores in the probe context
    /// (`c->tp_args[i]`), not the function's registers; it has no locals.
    pub tracepoint: bool,
    /// The kernel has no DWARF: the function is known from its BTF, whose FUNC type id
    /// `die` holds (`cu` and `addr` are 0); its parameters only (btf_target.rs).
    pub btf: bool,
}

fn str_arg(c: &Component) -> Result<String, String> {
    match &c.arg {
        Some(Literal::Str(raw)) => Ok(crate::ast::decode_string_lossy(raw)),
        _ => Err(format!("'{}' takes a string: {}(\"NAME\")", c.name, c.name)),
    }
}

/// Suffixes after the function: (return?, maxactive, instances).
fn suffixes(comps: &[Component], family: &str) -> Result<(bool, i64, Instances), String> {
    let (ret, maxactive, inst, exported) = suffixes_exported(comps, family)?;
    if exported {
        return Err(format!("{family} has no .exported (it needs the DWARF: kernel.function(...).exported)"));
    }
    Ok((ret, maxactive, inst))
}

/// As [`suffixes`], also taking `.exported` (the last value).
fn suffixes_exported(comps: &[Component], family: &str) -> Result<(bool, i64, Instances, bool), String> {
    let mut names = Vec::new();
    let mut maxactive = 0;
    let mut exported = false;
    for c in comps {
        match (c.name.as_str(), &c.arg) {
            ("exported", None) => exported = true,
            ("maxactive", Some(Literal::Num(n))) if *n >= 0 => maxactive = *n,
            ("maxactive", _) => return Err("maxactive takes a number: .maxactive(N)".into()),
            (n, None) => names.push(n.to_string()),
            (n, Some(_)) => return Err(format!("{family}: unknown suffix '.{n}(...)'")),
        }
    }
    let inst = instances(&names).map_err(|e| e.to_string())?;
    let ret = inst == Instances::Return;
    if maxactive != 0 && !ret {
        return Err("maxactive(N) is for .return probes".into());
    }
    Ok((ret, maxactive, inst, exported))
}

// Functions a wildcard matched that the kernel would refuse (kprobes' blocklist,
// noinstr/entry/init sections), counted as resolution goes to make one warning.
thread_local! {
    static SKIPPED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    static RESERVED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    /// The BTF fallback's one warning, when this point gave it.
    static BTF_NOTES: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A statement a pattern matched was left out: its address is reserved code (reserved.rs).
pub fn note_reserved() {
    RESERVED.with(|c| c.set(c.get() + 1));
}

/// The kprobes of one point, each with its `pp()`, and warnings to show if it resolves.
pub type Resolved = (Vec<(KprobePoint, String)>, Vec<String>);

/// None: not a kernel probe family. Else the kprobes of this point, each with its `pp()`.
pub fn resolve(comps: &[Component], kernel_release: &str) -> Option<Result<Resolved, String>> {
    SKIPPED.with(|c| c.set(0));
    RESERVED.with(|c| c.set(0));
    BTF_NOTES.with(|n| n.borrow_mut().clear());
    let r = resolve_points(comps, kernel_release)?;
    let skipped = SKIPPED.with(|c| c.get());
    let reserved = RESERVED.with(|c| c.get());
    Some(r.map(|v| {
        let mut warnings = Vec::new();
        if reserved > 0 && !v.is_empty() {
            let what = if comps.iter().any(|c| c.name == "statement") { "line" } else { "inlined copy" };
            warnings.push(format!(
                "{}: {reserved} {} skipped: {} at a jump label, static call, alternative or BUG() site, where the kernel refuses kprobes",
                pp_string(comps),
                match (reserved, what) {
                    (1, w) => w.to_string(),
                    (_, "line") => "lines".to_string(),
                    _ => "inlined copies".to_string(),
                },
                if reserved == 1 { "its code starts" } else { "their code starts" }
            ));
        }
        warnings.extend(BTF_NOTES.with(|n| std::mem::take(&mut *n.borrow_mut())));
        if skipped > 0 && !v.is_empty() {
            warnings.push(format!(
                "{}: {skipped} matching function{} skipped: the kernel does not allow kprobes there (kprobes' blocklist, noinstr, entry or init code)",
                pp_string(comps),
                if skipped == 1 { "" } else { "s" }
            ));
        }
        (v, warnings)
    }))
}

fn resolve_points(comps: &[Component], kernel_release: &str) -> Option<Result<Vec<(KprobePoint, String)>, String>> {
    let names: Vec<&str> = comps.iter().map(|c| c.name.as_str()).collect();
    match names.as_slice() {
        ["kprobe", "function", ..] if comps[0].arg.is_none() => Some(kprobe_function(comps)),
        ["kernel", "function", ..] if comps[0].arg.is_none() => Some(kernel_function(comps, kernel_release, None)),
        ["kprobe", "module", "function", ..] if comps[0].arg.is_none() => Some(kprobe_module_function(comps)),
        ["module", "function", ..] => Some(module_function(comps, kernel_release)),
        ["module", "statement", ..] => Some(module_statement(comps, kernel_release)),
        ["kernel" | "kprobe", "statement", ..] if comps[0].arg.is_none() => Some(statement(comps, kernel_release)),
        _ => None,
    }
}

fn kprobe_function(comps: &[Component]) -> Result<Vec<(KprobePoint, String)>, String> {
    let sym = str_arg(&comps[1])?;
    if sym.is_empty() || sym.contains(['*', '?', '[', '@', ':']) {
        return Err(format!(
            "kprobe.function(\"{sym}\"): give one symbol name (wildcards and files need debuginfo: kernel.function(\"...\"))"
        ));
    }
    let (ret, maxactive, inst) = suffixes(&comps[2..], "kprobe.function")?;
    if inst == Instances::Inline {
        return Err("kprobe.function has no .inline (inlined copies need kernel.function)".into());
    }
    let kp = KprobePoint { symbol: sym, offset: 0, ret, maxactive, optional: false, site: None };
    Ok(vec![(kp, pp_string(comps))])
}

/// `kprobe.module("NAME").function("SYM")`: `NAME:SYM`, which the kernel's kallsyms resolves
/// in that module only (module_kallsyms_lookup_name).
fn kprobe_module_function(comps: &[Component]) -> Result<Vec<(KprobePoint, String)>, String> {
    let module = str_arg(&comps[1])?;
    if module.is_empty() || module.contains(['*', '?', '[', ':', '/']) {
        return Err(format!(
            "kprobe.module(\"{module}\"): give one module name (wildcards need debuginfo: module(\"...\").function(\"...\"))"
        ));
    }
    let sym = str_arg(&comps[2])?;
    if sym.is_empty() || sym.contains(['*', '?', '[', '@', ':']) {
        return Err(format!(
            "kprobe.module(\"{module}\").function(\"{sym}\"): give one symbol name (wildcards and files need debuginfo: module(\"...\").function(\"...\"))"
        ));
    }
    let (ret, maxactive, inst) = suffixes(&comps[3..], "kprobe.module(...).function")?;
    if inst == Instances::Inline {
        return Err("kprobe.module(...).function has no .inline (inlined copies need module(...).function)".into());
    }
    let symbol = format!("{}:{sym}", super::module_name(&module));
    let kp = KprobePoint { symbol, offset: 0, ret, maxactive, optional: false, site: None };
    Ok(vec![(kp, pp_string(comps))])
}

/// The modules `module("PATTERN")` names: every module of `release` with debuginfo whose
/// name matches a wildcard, or the one named; and whether it was a wildcard.
pub fn matching_modules(comp: &Component, release: &str) -> Result<(Vec<String>, bool), String> {
    let mpat = str_arg(comp)?;
    let mwild = mpat.contains(['*', '?', '[']);
    let modules: Vec<String> = if mwild {
        super::module_debug_files(release)
            .into_iter()
            .map(|(n, _)| n)
            .filter(|n| super::index::glob(&super::module_name(&mpat), n))
            .collect()
    } else {
        vec![super::module_name(&mpat)]
    };
    if modules.is_empty() {
        return Err(format!(
            "no module of {release} with debuginfo matches \"{mpat}\" (looked in /usr/lib/debug/lib/modules/{release}/)"
        ));
    }
    Ok((modules, mwild))
}

/// `module("PATTERN").function("PATTERN")`: every module [`matching_modules`], then as
/// `kernel.function` within each.
fn module_function(comps: &[Component], release: &str) -> Result<Vec<(KprobePoint, String)>, String> {
    in_each_module(&comps[0], release, |m| kernel_function(comps, release, Some(m)))
}

/// The points `resolve_in(M)` gives in each module `module("PATTERN")` matches (optional
/// when the module was a wildcard); the first error when none gave any.
fn in_each_module(
    module: &Component,
    release: &str,
    resolve_in: impl Fn(&str) -> Result<Vec<(KprobePoint, String)>, String>,
) -> Result<Vec<(KprobePoint, String)>, String> {
    let (modules, mwild) = matching_modules(module, release)?;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for m in &modules {
        match resolve_in(m) {
            Ok(v) => out.extend(v.into_iter().map(|(mut k, pp)| {
                k.optional |= mwild;
                (k, pp)
            })),
            Err(e) => errors.push(e),
        }
    }
    if out.is_empty() {
        return Err(errors.into_iter().next().unwrap_or_default());
    }
    Ok(out)
}

/// `kernel.function(...)` (module None) or, within `module("M")`, `.function(...)`:
/// `comps` start at `function`.
fn kernel_function(comps: &[Component], release: &str, module: Option<&str>) -> Result<Vec<(KprobePoint, String)>, String> {
    let pat = str_arg(&comps[1])?;
    let (ret, maxactive, inst, exported) = suffixes_exported(&comps[2..], "kernel.function")?;
    if module.is_none() && !super::has_dwarf(release) {
        return btf_function(comps, release, &pat, (ret, maxactive, inst, exported));
    }
    let fp = FunctionPattern::parse(&pat).map_err(|e| e.to_string())?;
    let ix = super::index_for(release, module).map_err(|e| format!("{e:#}"))?;
    let exports = if exported { Some(ix.exported().map_err(|e| format!("{e:#}"))?) } else { None };
    let wild = pat.contains(['*', '?', '[']);
    let suffix: String = comps[2..].iter().map(|c| format!(".{}", pp_string(std::slice::from_ref(c)))).collect();
    let mut matched = fp.matches(&ix);
    if let Some(x) = &exports {
        let before = matched.len();
        matched.retain(|f| x.contains(&f.name));
        if matched.is_empty() && before > 0 {
            return Err(format!("no function matching \"{pat}\" is exported (EXPORT_SYMBOL*)"));
        }
    }
    let whose = match module {
        None => "the kernel's".to_string(),
        Some(m) => format!("module {m}'s"),
    };
    if matched.is_empty() {
        return Err(format!("no function in {whose} debuginfo matches \"{pat}\""));
    }
    let pp_of = |f: &super::Function| match module {
        None => function_pp(f),
        Some(m) => format!("module(\"{m}\").function(\"{}@{}:{}\")", f.name, f.file, f.line),
    };
    let mut out: Vec<(KprobePoint, String)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut refused = Vec::new();
    let mut ambiguous = 0;
    let site_of = |f: &super::Function, addr: u64, die: u64, cu: u64| Site {
        object: super::Object::Kernel { release: release.to_string(), module: module.map(str::to_string) },
        function: f.name.clone(),
        addr,
        die,
        cu,
        tracepoint: false,
        btf: false,
    };
    for f in matched {
        let pp = format!("{}{suffix}", pp_of(f));
        let (mut probed, mut blocked) = (0, 0);
        // Out-of-line copies: plain, .call and .return.
        for e in f.entries.iter().filter(|_| inst != Instances::Inline) {
            if e.blocked || e.symbol.is_empty() {
                blocked += e.blocked as usize;
                continue;
            }
            if !seen.insert(e.addr) {
                continue;
            }
            let (symbol, offset) = match module {
                None if e.unique => (e.symbol.clone(), 0),
                None => ("_stext".to_string(), e.addr.wrapping_sub(ix.stext)),
                // kallsyms finds `MOD:sym` in that module: the first of equal names.
                Some(m) if e.unique => (format!("{m}:{}", e.symbol), 0),
                Some(_) => {
                    ambiguous += 1;
                    continue;
                }
            };
            probed += 1;
            let site = site_of(f, e.addr, e.die, e.cu);
            out.push((KprobePoint { symbol, offset, ret, maxactive, optional: wild, site: Some(site) }, pp.clone()));
        }
        // Inlined copies: plain and .inline (a .return has no return to catch there, and
        // .call asks for out-of-line entries only, as stapprobes says).
        if matches!(inst, Instances::All | Instances::Inline) {
            let reserved = if f.inlines.is_empty() {
                None
            } else {
                Some(super::reserved::reserved(&ix).map_err(|e| format!("{e:#}"))?)
            };
            for i in &f.inlines {
                // GCC's split functions: the out-of-line copy holds an inlined copy of
                // itself (the split-off part inlined back, "called" from the function's
                // own line), reached only through that entry: one call would hit twice
                // (check_kill_permission on 6.1). The entry's probe stands for it.
                if matches!(inst, Instances::All) && f.entries.iter().any(|e| e.addr == i.container) {
                    continue;
                }
                if reserved.as_ref().is_some_and(|r| r.contains(i.addr)) {
                    // The kernel would refuse it (a jump label's or static call's site).
                    note_reserved();
                    continue;
                }
                match inline_anchor(&ix, i, module) {
                    Anchor::At(symbol, offset) => {
                        probed += 1;
                        let site = site_of(f, i.addr, i.die, f.cu);
                        // Optional: the kernel may still refuse what reserved.rs does not know.
                        let kp = KprobePoint { symbol, offset, ret, maxactive, optional: true, site: Some(site) };
                        out.push((kp, pp.clone()));
                    }
                    Anchor::Blocked => blocked += 1,
                    Anchor::Ambiguous => ambiguous += 1,
                }
            }
        }
        if probed == 0 {
            if wild && blocked > 0 {
                SKIPPED.with(|c| c.set(c.get() + 1));
            }
            refused.push(f);
        }
    }
    if out.is_empty() {
        if let Some(f) = refused.first() {
            let blocked = "the kernel does not allow kprobes there (blocklisted, noinstr, entry or init code)";
            let why = match inst {
                Instances::Inline if f.inlines.is_empty() => "it has no inlined copies (.inline probes inlined copies only)",
                Instances::Return if f.entries.is_empty() => {
                    "it is only inlined, and inlined copies have no return to probe (.return probes out-of-line copies only)"
                }
                Instances::Call if f.entries.is_empty() => "it is only inlined (.call probes out-of-line copies only, .inline the inlined ones)",
                _ if f.entries.iter().any(|e| e.blocked) || !f.inlines.is_empty() => blocked,
                _ => "it has no copy with code the kernel can probe",
            };
            return Err(format!("cannot probe {}{suffix}: {why}", pp_of(f)));
        }
        if ambiguous > 0 {
            return Err(format!("\"{pat}\" names only static functions whose symbol the module has twice (not probed yet)"));
        }
        return Err(format!("no probeable function matches \"{pat}\""));
    }
    Ok(out)
}

/// `module("PATTERN").statement("FUNC@FILE:LINE")` (and `:*`, ranges, `+N`): as
/// `kernel.statement` within each matching module. Addresses are refused: a module's
/// link-time addresses mean nothing until it is loaded.
fn module_statement(comps: &[Component], release: &str) -> Result<Vec<(KprobePoint, String)>, String> {
    if let Some(c) = comps.get(2) {
        return Err(format!("module(...).statement: unknown suffix '.{}'", pp_string(std::slice::from_ref(c))));
    }
    if !matches!(comps[1].arg, Some(Literal::Str(_))) {
        return Err("module(...).statement takes \"FUNC@FILE:LINE\" (addresses inside a module: kprobe.module(\"M\").function(\"SYM\") or kernel.statement(ADDR).absolute)".into());
    }
    let pat = str_arg(&comps[1])?;
    in_each_module(&comps[0], release, |m| super::statement::kernel_statement(&pat, release, Some(m)))
}

// The kernels whose "no DWARF, BTF only" warning this run has given.
static BTF_WARNED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// The warning a run gives once per kernel whose kernel.function probes use BTF.
fn btf_warning(release: &str) -> Option<String> {
    let mut w = BTF_WARNED.lock().unwrap();
    if w.iter().any(|r| r == release) {
        return None;
    }
    w.push(release.to_string());
    Some(format!(
        "no DWARF debuginfo for kernel {release}; kernel.function probes use BTF (parameters only; locals and statements need debuginfo)"
    ))
}

/// `kernel.function("PATTERN")` when the kernel has no DWARF: the functions of its BTF
/// whose names match, each probed by its symbol (BTF has no files, lines or inlined
/// copies). The sites carry the FUNC's type id for btf_target.rs.
fn btf_function(
    comps: &[Component],
    release: &str,
    pat: &str,
    (ret, maxactive, inst, exported): (bool, i64, Instances, bool),
) -> Result<Vec<(KprobePoint, String)>, String> {
    let need = |what: &str| {
        format!(
            "{what} needs the kernel's DWARF debuginfo, and {release} has none here (only BTF)\n  = help: install it with `rstap --prep -r {release}`"
        )
    };
    if pat.contains(['@', ':']) {
        return Err(need(&format!("kernel.function(\"{pat}\") (a source file or line)")));
    }
    if exported {
        return Err(need("kernel.function(...).exported"));
    }
    if inst == Instances::Inline {
        return Err(need("kernel.function(...).inline"));
    }
    let btf = super::btf_source::kernel_btf(release).map_err(|e| {
        format!("{e:#}\n  = help: kernel.function needs the kernel's DWARF debuginfo (`rstap --prep -r {release}`) or its BTF")
    })?;
    let wild = pat.contains(['*', '?', '[']);
    let suffix: String = comps[2..].iter().map(|c| format!(".{}", pp_string(std::slice::from_ref(c)))).collect();
    let names: Vec<&str> = if wild {
        btf.func_names().into_iter().filter(|n| super::index::glob(pat, n)).collect()
    } else {
        btf.func(pat).map(|_| vec![pat]).unwrap_or_default()
    };
    if names.is_empty() {
        return Err(format!("no function in the kernel's BTF matches \"{pat}\" (kernel {release} has no DWARF debuginfo here)"));
    }
    if let Some(w) = btf_warning(release) {
        BTF_NOTES.with(|n| n.borrow_mut().push(w));
    }
    Ok(names
        .into_iter()
        .map(|name| {
            let site = Site {
                object: super::Object::kernel(release),
                function: name.to_string(),
                addr: 0,
                die: btf.func(name).unwrap_or(0) as u64,
                cu: 0,
                tracepoint: false,
                btf: true,
            };
            let kp = KprobePoint { symbol: name.to_string(), offset: 0, ret, maxactive, optional: wild, site: Some(site) };
            (kp, format!("kernel.function(\"{name}\"){suffix}"))
        })
        .collect())
}

/// Where an inlined copy's kprobe goes.
enum Anchor {
    At(String, u64),
    /// Its container is where kprobes are not allowed (or has no symbol).
    Blocked,
    /// In a module, its container's symbol is not unique there.
    Ambiguous,
}

/// An inlined copy is probed as its out-of-line container's symbol + offset (the kernel
/// relocates either under KASLR); in the vmlinux `_stext` + offset when that symbol is
/// ambiguous or the copy lies before it (a `.cold` part).
fn inline_anchor(ix: &super::Index, i: &super::index::Inline, module: Option<&str>) -> Anchor {
    let Some((_, c)) = ix.entry_at(i.container) else { return Anchor::Blocked };
    if c.blocked || c.symbol.is_empty() {
        return Anchor::Blocked;
    }
    let before = i.addr < c.addr;
    match module {
        None if c.unique && !before => Anchor::At(c.symbol.clone(), i.addr - c.addr),
        None => Anchor::At("_stext".to_string(), i.addr.wrapping_sub(ix.stext)),
        Some(m) if c.unique && !before => Anchor::At(format!("{m}:{}", c.symbol), i.addr - c.addr),
        Some(_) => Anchor::Ambiguous,
    }
}

/// `kernel.statement(...)`, `kprobe.statement(ADDRESS).absolute` (debuginfo/statement.rs);
/// without DWARF, what needed it says so (after any mistake in the point itself).
fn statement(comps: &[Component], release: &str) -> Result<Vec<(KprobePoint, String)>, String> {
    statement_points(comps, release).map_err(|e| {
        if e.starts_with("no kernel debuginfo") && !super::has_dwarf(release) {
            format!(
                "kernel.statement probes need the kernel's DWARF debuginfo (lines and addresses), and {release} has none here (BTF describes only functions' parameters)\n  = help: install it with `rstap --prep -r {release}`, or probe kprobe.statement(ADDRESS).absolute in guru mode"
            )
        } else {
            e
        }
    })
}

fn statement_points(comps: &[Component], release: &str) -> Result<Vec<(KprobePoint, String)>, String> {
    let family = comps[0].name.as_str();
    let rest: Vec<&str> = comps[2..].iter().map(|c| c.name.as_str()).collect();
    if comps[2..].iter().any(|c| c.arg.is_some()) || !(rest.is_empty() || rest == ["absolute"]) {
        return Err(format!("{family}.statement: unknown suffix '.{}' (only .absolute)", rest.join(".")));
    }
    let absolute = rest == ["absolute"];
    match (&comps[1].arg, family) {
        (Some(Literal::Num(n)), _) if absolute => Ok(vec![super::statement::absolute(*n as u64, family)]),
        (Some(Literal::Num(n)), "kernel") => Ok(vec![super::statement::kernel_statement_addr(*n as u64, release)?]),
        (Some(Literal::Num(n)), _) => Err(format!(
            "kprobe.statement(0x{:x}) needs .absolute\n  = help: kprobe.statement(ADDRESS).absolute takes a run-time address (guru mode); kernel.statement(ADDRESS) a link-time one",
            *n as u64
        )),
        (Some(Literal::Str(_)), "kernel") if !absolute => super::statement::kernel_statement(&str_arg(&comps[1])?, release, None),
        _ => Err(format!(
            "{family}.statement takes {}",
            if family == "kernel" { "\"FUNC@FILE:LINE\" or an address: kernel.statement(0x...)" } else { "an address: kprobe.statement(0x...).absolute" }
        )),
    }
}
