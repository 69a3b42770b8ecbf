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
use crate::listing::FunctionPattern;
use std::path::Path;

/// `process("/abs/path").function("name@file:LINE")`: a function's point as `pp()` and
/// `-l` print it.
pub fn function_pp(head: &str, f: &Function) -> String {
    format!("{head}.function(\"{}@{}:{}\")", f.name, f.file, f.line)
}

/// The functions of `path`'s DWARF matching `pat`, each with its `pp()` (`head` is the
/// `process(...)` part, `suffix` the `.call`/`.return` after the function).
pub fn functions(
    path: &Path,
    elf: &ElfInfo,
    pat: &str,
    ret: bool,
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
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut inlined_only = None;
    for f in matched {
        let mut any = false;
        for e in &f.entries {
            if !seen.insert(e.addr) {
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
            };
            out.push((up, format!("{}{suffix}", function_pp(head, f))));
        }
        if !any && f.inlined {
            inlined_only.get_or_insert(f);
        }
    }
    if out.is_empty() {
        if let Some(f) = inlined_only {
            return Err(format!(
                "cannot probe {}: it is only inlined, and inlined copies are not probed yet",
                function_pp(head, f)
            ));
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
        let up = UprobePoint { path: path.display().to_string(), offset, vaddr: st.addr, ret: false, pid, optional: wild, site: Some(site), ref_ctr: 0, mark: None, plt: None };
        let pp = format!("{head}.statement(\"{}@{}:{}\")", st.function.name, st.function.file, st.line);
        out.push((up, pp));
    }
    if out.is_empty() {
        return Err(format!("no statement of {} matching \"{pat}\" lies in a loaded segment", path.display()));
    }
    Ok(out)
}
