//! The `syscall.*` / `nd_syscall.*` probe alias families, generated for the target
//! kernel from its own system call metadata (meta.rs) as tapset text (tapset.rs).
//! Their points, `__syscall(NR)[.return]`, are run by one callback on each of the
//! raw_syscalls tracepoints (runtime-c/syscalls.c), which dispatches on the number.

pub mod meta;
pub mod tapset;
pub mod targets;

pub use meta::{table, Syscall};

/// Whether a probe point's first component may name these families (then the
/// driver adds the generated aliases to the library).
pub fn wanted(first: &str) -> bool {
    ["syscall", "nd_syscall", "syscall_any"].iter().any(|f| crate::passes::elaborate::wildcard_match(first, f))
}

/// `-l` / `-L` of `syscall.NAME[.return]` and `nd_syscall...` (wildcards allowed): one
/// line per alias, with `-L` its variables as `name:type`. None: not these families.
pub fn listing(comps: &[crate::ast::Component], with_vars: bool, release: &str) -> anyhow::Result<Option<Vec<String>>> {
    use crate::passes::elaborate::wildcard_match;
    if let Some(first) = comps.first().filter(|c| c.arg.is_none() && wildcard_match(&c.name, "syscall_any")) {
        if !wildcard_match(&first.name, "syscall") && !wildcard_match(&first.name, "nd_syscall") {
            let ret = match comps.get(1) {
                None => false,
                Some(c) if comps.len() == 2 && c.arg.is_none() && wildcard_match(&c.name, "return") => true,
                Some(_) => return Ok(Some(vec![])),
            };
            let mut line = format!("syscall_any{}", if ret { ".return" } else { "" });
            if with_vars {
                line.push_str(if ret { " syscall_nr:long name:string retval:long" } else { " syscall_nr:long name:string" });
            }
            return Ok(Some(vec![line]));
        }
    }
    let (Some(first), Some(call)) = (comps.first(), comps.get(1)) else { return Ok(None) };
    if !wanted(&first.name) || first.arg.is_some() || call.arg.is_some() {
        return Ok(None);
    }
    let ret = match comps.get(2) {
        None => false,
        Some(c) if comps.len() == 3 && c.arg.is_none() && wildcard_match(&c.name, "return") => true,
        Some(_) => return Ok(None),
    };
    let table = table(release)?;
    let mut out = Vec::new();
    for family in ["syscall", "nd_syscall"].into_iter().filter(|f| wildcard_match(&first.name, f)) {
        for c in table.iter().filter(|c| wildcard_match(&call.name, &c.name)) {
            let mut line = format!("{family}.{}{}", c.name, if ret { ".return" } else { "" });
            if with_vars {
                for (n, t) in tapset::listing_vars(c, ret) {
                    line.push_str(&format!(" {n}:{t}"));
                }
            }
            out.push(line);
        }
    }
    Ok(Some(out))
}
