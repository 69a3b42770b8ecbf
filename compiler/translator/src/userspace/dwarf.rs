//! `process("PATH").function("PATTERN")` through the program's DWARF (its own
//! `.debug_*` sections, or its separate debug file by build-id): names, wildcards,
//! `name@file` and `name@file:LINE`, the same matching as `kernel.function`
//! (listing.rs `FunctionPattern`, debuginfo/index.rs). Each function becomes a uprobe
//! at its entry or after its prologue (debuginfo/prologue.rs says which), placed by
//! file offset, with a [`Site`] for target variables.

use super::elf::ElfInfo;
use super::UprobePoint;
use crate::debuginfo::resolve::Site;
use crate::debuginfo::{self, Function, Object};
use crate::listing::{FunctionPattern, Instances};
use std::path::Path;

/// `process("/abs/path").function("name@file:LINE")`: a function's point as `pp()` and
/// `-l` print it.
pub fn function_pp(head: &str, f: &Function) -> String {
    format!("{head}.function(\"{}@{}:{}\")", f.name, f.file, f.line)
}

/// The functions of `path`'s DWARF matching `pat`, each with its `pp()` (`head` is the
/// `process(...)` part, `suffix` the `.call`/`.return`/`.inline` after the function).
/// As for `kernel.function`, a plain point takes out-of-line and inlined copies, `.call`
/// and `.return` the out-of-line ones, `.inline` the inlined ones (each probed at its
/// first instruction, its variables read through its DW_TAG_inlined_subroutine).
pub fn functions(
    path: &Path,
    elf: &ElfInfo,
    pat: &str,
    inst: Instances,
    pid: Option<i64>,
    head: &str,
    suffix: &str,
) -> Result<Vec<(UprobePoint, String)>, String> {
    let fp = FunctionPattern::parse(pat).map_err(|e| e.to_string())?;
    let ix = debuginfo::user_index(path).map_err(|e| format!("{e:#}"))?;
    let wild = pat.contains(['*', '?', '[']);
    let matched = fp.matches(&ix);
    if matched.is_empty() {
        return Err(format!("no function in {}'s debuginfo matches \"{pat}\"", path.display()));
    }
    let ret = inst == Instances::Return;
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut refused = None;
    for f in matched {
        let mut any = false;
        for e in f.entries.iter().filter(|_| inst != Instances::Inline) {
            // The same copy through two names is one point; another function's copy at
            // the same address (an inlined copy at its container's entry) is not.
            if !seen.insert((e.addr, e.die)) {
                continue;
            }
            // A .return sits at the entry (where the return address is on top of the
            // stack); its site, where @entry values are read, where a call probe would.
            let body = debuginfo::prologue::probe_address(&ix, f, e).map_err(|err| format!("{err:#}"))?;
            let addr = if ret { e.addr } else { body };
            let Some(offset) = elf.offset_of(addr) else { continue };
            any = true;
            let site = Site {
                object: Object::User { path: path.display().to_string() },
                function: f.name.clone(),
                addr: body,
                die: e.die,
                cu: e.cu,
                tracepoint: false,
                btf: false,
            };
            let up = UprobePoint {
                path: path.display().to_string(),
                offset,
                vaddr: addr,
                ret,
                pid,
                optional: wild,
                site: Some(site),
                ref_ctr: 0,
                mark: None,
                plt: None,
                exe: None,
            };
            out.push((up, format!("{}{suffix}", function_pp(head, f))));
        }
        for i in f.inlines.iter().filter(|_| matches!(inst, Instances::All | Instances::Inline)) {
            if !seen.insert((i.addr, i.die)) {
                continue;
            }
            let Some(offset) = elf.offset_of(i.addr) else { continue };
            any = true;
            // Its own DIE, in the function's unit; target.rs finds the container's frame.
            let site = Site {
                object: Object::User { path: path.display().to_string() },
                function: f.name.clone(),
                addr: i.addr,
                die: i.die,
                cu: f.cu,
                tracepoint: false,
                btf: false,
            };
            let up = UprobePoint {
                path: path.display().to_string(),
                offset,
                vaddr: i.addr,
                ret: false,
                pid,
                optional: wild,
                site: Some(site),
                ref_ctr: 0,
                mark: None,
                plt: None,
                exe: None,
            };
            out.push((up, format!("{}{suffix}", function_pp(head, f))));
        }
        if !any {
            refused.get_or_insert(f);
        }
    }
    if out.is_empty() {
        if let Some(f) = refused {
            let why = match inst {
                Instances::Inline => "it has no inlined copies (.inline probes inlined copies only)",
                Instances::Call if f.inlined => "it is only inlined (.call probes out-of-line copies only, .inline the inlined ones)",
                Instances::Return if f.inlined => {
                    "it is only inlined, and inlined copies have no return to probe (.return probes out-of-line copies only)"
                }
                _ => "none of its copies lies in a loaded segment",
            };
            return Err(format!("cannot probe {}: {why}", function_pp(head, f)));
        }
        return Err(format!("no probeable function matches \"{pat}\" in {}", path.display()));
    }
    Ok(out)
}

/// `process("PATH").statement("func@file:LINE")` (and `:*`, `:N-M`, `+N`, wildcards, as
/// `kernel.statement`: debuginfo/statement.rs): one uprobe per line's first address, with
/// the DWARF of the function holding it for target variables there.
pub fn statements(
    path: &Path,
    elf: &ElfInfo,
    pat: &str,
    pid: Option<i64>,
    head: &str,
) -> Result<Vec<(UprobePoint, String)>, String> {
    let sp = debuginfo::statement::StatementPattern::parse(pat)?;
    let ix = debuginfo::user_index(path).map_err(|e| format!("{e:#}"))?;
    let wild = sp.wild();
    let mut out = Vec::new();
    for st in debuginfo::statement::statements(&ix, &sp)? {
        let Some(offset) = elf.offset_of(st.addr) else { continue };
        let site = Site {
            object: Object::User { path: path.display().to_string() },
            function: st.function.name.clone(),
            addr: st.addr,
            die: st.entry.die,
            cu: st.entry.cu,
            tracepoint: false,
            btf: false,
        };
        let up = UprobePoint { path: path.display().to_string(), offset, vaddr: st.addr, ret: false, pid, optional: wild, site: Some(site), ref_ctr: 0, mark: None, plt: None, exe: None };
        let pp = format!("{head}.statement(\"{}@{}:{}\")", st.function.name, st.function.file, st.line);
        out.push((up, pp));
    }
    if out.is_empty() {
        return Err(format!("no statement of {} matching \"{pat}\" lies in a loaded segment", path.display()));
    }
    Ok(out)
}
