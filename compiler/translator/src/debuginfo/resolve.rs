//! Resolving the kernel probe families to kprobes: `kprobe.function("sym")`
//! (no debuginfo: the kernel resolves the symbol) and
//! `kernel.function("PATTERN")` (through the DWARF function index: each
//! matching function's out-of-line entries, by their ELF symbol, GCC clone
//! names included).

use crate::ast::{Component, Literal};
use crate::listing::{function_pp, instances, wanted, FunctionPattern, Instances};
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

/// A probed function entry in a kernel's DWARF: enough to read its one compilation unit
/// again (through the cached index of `release`) and to pick its location lists' ranges.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub release: String,
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
}

fn str_arg(c: &Component) -> Result<String, String> {
    match &c.arg {
        Some(Literal::Str(raw)) => Ok(crate::ast::decode_string_lossy(raw)),
        _ => Err(format!("'{}' takes a string: {}(\"NAME\")", c.name, c.name)),
    }
}

/// Suffixes after the function: (return?, maxactive, instances).
fn suffixes(comps: &[Component], family: &str) -> Result<(bool, i64, Instances), String> {
    let mut names = Vec::new();
    let mut maxactive = 0;
    for c in comps {
        match (c.name.as_str(), &c.arg) {
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
    Ok((ret, maxactive, inst))
}

/// None: not a kernel probe family. Else the kprobes of this point, each with its `pp()`.
pub fn resolve(comps: &[Component], kernel_release: &str) -> Option<Result<Vec<(KprobePoint, String)>, String>> {
    let names: Vec<&str> = comps.iter().map(|c| c.name.as_str()).collect();
    match names.as_slice() {
        ["kprobe", "function", ..] if comps[0].arg.is_none() => Some(kprobe_function(comps)),
        ["kernel", "function", ..] if comps[0].arg.is_none() => Some(kernel_function(comps, kernel_release)),
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

fn kernel_function(comps: &[Component], release: &str) -> Result<Vec<(KprobePoint, String)>, String> {
    let pat = str_arg(&comps[1])?;
    let (ret, maxactive, inst) = suffixes(&comps[2..], "kernel.function")?;
    let fp = FunctionPattern::parse(&pat).map_err(|e| e.to_string())?;
    let ix = super::kernel_index(release, false).map_err(|e| format!("{e:#}"))?;
    let wild = pat.contains(['*', '?', '[']);
    let suffix: String = comps[2..].iter().map(|c| format!(".{}", pp_string(std::slice::from_ref(c)))).collect();
    let matched = fp.matches(&ix);
    if matched.is_empty() {
        return Err(format!("no function in the kernel's debuginfo matches \"{pat}\""));
    }
    if inst == Instances::Inline {
        return Err("kernel.function(...).inline: probing inlined copies is not supported yet".into());
    }
    let mut out: Vec<(KprobePoint, String)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut refused = Vec::new();
    for f in matched {
        if !wanted(f, inst) {
            refused.push(f);
            continue;
        }
        let pp = format!("{}{suffix}", function_pp(f));
        let mut any = false;
        for e in &f.entries {
            if e.blocked || e.symbol.is_empty() {
                continue;
            }
            if !seen.insert(e.addr) {
                continue;
            }
            any = true;
            let (symbol, offset) =
                if e.unique { (e.symbol.clone(), 0) } else { ("_stext".to_string(), e.addr.wrapping_sub(ix.stext)) };
            let site = Site { release: release.to_string(), function: f.name.clone(), addr: e.addr, die: e.die, cu: e.cu, tracepoint: false };
            out.push((KprobePoint { symbol, offset, ret, maxactive, optional: wild, site: Some(site) }, pp.clone()));
        }
        if !any {
            refused.push(f);
        }
    }
    if out.is_empty() {
        if let Some(f) = refused.first() {
            let why = if f.entries.iter().any(|e| e.blocked) {
                "the kernel does not allow kprobes there (blocklisted or init code)"
            } else {
                "it is only inlined, and inlined copies are not probed yet"
            };
            return Err(format!("cannot probe {}: {why}", function_pp(f)));
        }
        return Err(format!("no probeable function matches \"{pat}\""));
    }
    Ok(out)
}
