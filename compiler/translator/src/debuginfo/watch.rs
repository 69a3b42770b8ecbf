//! `kernel.data("SYMBOL")` and `kernel.data(ADDRESS)` with `.write` or `.rw` and an
//! optional `.length(N)`: hardware watchpoints. A symbol's address comes from the
//! target vmlinux's symbol table as linked and is relocated at run time
//! (runtime-c/kaslr.h); a number is used as given. x86 debug registers watch 1, 2, 4
//! or 8 aligned bytes, for writes or for reads and writes (no reads alone).

use crate::ast::{Component, Literal};

#[derive(Debug, Clone, PartialEq)]
pub struct WatchPoint {
    /// The vmlinux symbol watched (its address is relocated at run time), or None for an
    /// absolute address.
    pub symbol: Option<String>,
    /// The link-time address of the symbol (+0), or the absolute address.
    pub addr: u64,
    /// Bytes watched: 1, 2, 4 or 8.
    pub len: u8,
    /// Reads too (`.rw`), not only writes.
    pub rw: bool,
    /// No free debug register is a warning, not an error (`?`).
    pub optional: bool,
}

/// None: not `kernel.data`. Else the watchpoint, with its `pp()`.
pub fn resolve(comps: &[Component], release: &str) -> Option<Result<(WatchPoint, String), String>> {
    match comps {
        [k, d, rest @ ..] if k.name == "kernel" && k.arg.is_none() && d.name == "data" => Some(point(d, rest, release)),
        _ => None,
    }
}

fn point(d: &Component, rest: &[Component], release: &str) -> Result<(WatchPoint, String), String> {
    let mut len: Option<u64> = None;
    let mut access: Option<bool> = None;
    for c in rest {
        match (c.name.as_str(), &c.arg) {
            ("length", Some(Literal::Num(n))) if len.is_none() => {
                if ![1, 2, 4, 8].contains(n) {
                    return Err(format!(
                        "kernel.data(...).length({n}): a hardware watchpoint covers 1, 2, 4 or 8 bytes"
                    ));
                }
                len = Some(*n as u64);
            }
            ("length", _) => return Err("kernel.data(...).length takes one number: .length(1|2|4|8)".into()),
            ("write", None) if access.is_none() => access = Some(false),
            ("rw", None) if access.is_none() => access = Some(true),
            ("read", None) => {
                return Err("kernel.data(...).read: x86 has no read-only watchpoints; use .rw (reads and writes)".into())
            }
            (n, _) => return Err(format!("kernel.data(...): unknown suffix '.{n}' (expected .write, .rw, .length(N))")),
        }
    }
    let Some(rw) = access else {
        return Err("kernel.data(...) needs the access to watch: .write or .rw".into());
    };
    let (symbol, addr, len) = match &d.arg {
        Some(Literal::Num(n)) => (None, *n as u64, len.unwrap_or(1)),
        Some(Literal::Str(raw)) => {
            let name = crate::ast::decode_string_lossy(raw);
            let syms = super::symtab::kernel_symbols(release).map_err(|e| format!("{e:#}"))?;
            let s = match syms.unique(&name) {
                Some(s) => s,
                None if syms.copies(&name) > 1 => {
                    return Err(format!("kernel.data(\"{name}\"): {} symbols have this name; watch one by its address", syms.copies(&name)))
                }
                None => return Err(format!("kernel.data(\"{name}\"): no such symbol in the kernel's symbol table")),
            };
            if !s.data {
                return Err(format!("kernel.data(\"{name}\"): '{name}' is not a data object"));
            }
            // Without .length: the whole variable when a watchpoint can cover it, else its first byte.
            let len = len.unwrap_or(if [1, 2, 4, 8].contains(&s.size) { s.size } else { 1 });
            (Some(name), s.addr, len)
        }
        None => return Err("kernel.data takes a symbol or an address: kernel.data(\"NAME\") or kernel.data(0xADDR)".into()),
    };
    if addr % len != 0 {
        return Err(format!("kernel.data: address {addr:#x} is not aligned to its length {len} (debug registers need aligned ranges)"));
    }
    let pp = crate::passes::elaborate::pp_string(&std::iter::once(d.clone()).chain(rest.iter().cloned()).collect::<Vec<_>>());
    Ok((WatchPoint { symbol, addr, len: len as u8, rw, optional: false }, format!("kernel.{pp}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comps(addr: i64, suffixes: &[(&str, Option<i64>)]) -> Vec<Component> {
        let c = |name: &str, arg: Option<Literal>| Component { name: name.into(), arg, span: Default::default() };
        let mut v = vec![c("kernel", None), c("data", Some(Literal::Num(addr)))];
        v.extend(suffixes.iter().map(|(n, a)| c(n, a.map(Literal::Num))));
        v
    }

    // Numeric addresses need no kernel: the suffix rules and pp() are checked here.
    #[test]
    fn numeric_watchpoints() {
        let (w, pp) = resolve(&comps(0x1000, &[("length", Some(8)), ("rw", None)]), "none").unwrap().unwrap();
        assert_eq!(w, WatchPoint { symbol: None, addr: 0x1000, len: 8, rw: true, optional: false });
        assert_eq!(pp, "kernel.data(4096).length(8).rw");
        let (w, _) = resolve(&comps(0x1001, &[("write", None)]), "none").unwrap().unwrap();
        assert_eq!((w.len, w.rw), (1, false));
    }

    #[test]
    fn refused_forms() {
        let err = |s: &[(&str, Option<i64>)], addr| resolve(&comps(addr, s), "none").unwrap().unwrap_err();
        assert!(err(&[("length", Some(3)), ("write", None)], 0x1000).contains("1, 2, 4 or 8"));
        assert!(err(&[("read", None)], 0x1000).contains("no read-only watchpoints"));
        assert!(err(&[], 0x1000).contains(".write or .rw"));
        assert!(err(&[("length", Some(4)), ("write", None)], 0x1002).contains("not aligned"));
        assert!(err(&[("write", None), ("rw", None)], 0x1000).contains("unknown suffix '.rw'"));
        assert!(resolve(&comps(1, &[])[..1], "none").is_none());
    }
}
