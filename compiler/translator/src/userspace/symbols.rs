//! The symbol table of a user-space object for the module's user symbols
//! (runtime-c/usyms.c: usymname, usymdata, print_usyms, ...): its function and data
//! symbols from `.symtab`, else `.dynsym`, and the `.symtab` of its separate debuginfo
//! (`/usr/lib/debug/.build-id/xx/yyyy.debug`) when there is one (Debian's libc has only
//! `.dynsym`), one name per address, sorted, each with a size (the symbol's own, else
//! the distance to the next symbol).

use object::{Object, ObjectSection, ObjectSymbol, SymbolKind, SymbolScope};
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sym {
    pub addr: u64,
    pub size: u64,
    pub name: String,
}

/// The separate debuginfo of an object by its GNU build-id, if installed.
pub fn debuginfo_path(obj: &object::File) -> Option<PathBuf> {
    let id = obj.build_id().ok()??;
    if id.len() < 2 {
        return None;
    }
    let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
    let p = PathBuf::from(format!("/usr/lib/debug/.build-id/{}/{}.debug", &hex[..2], &hex[2..]));
    p.is_file().then_some(p)
}

/// The symbols of the ELF file in `data`.
pub fn symbols(data: &[u8]) -> Vec<Sym> {
    let Ok(obj) = object::File::parse(data) else { return Vec::new() };
    // (addr, size, rank, name): a lower rank wins at an address.
    let mut all = Vec::new();
    gather(&mut all, obj.symbols());
    if all.is_empty() {
        gather(&mut all, obj.dynamic_symbols());
    }
    if let Some(dbg) = debuginfo_path(&obj).and_then(|p| std::fs::read(p).ok()) {
        if let Ok(d) = object::File::parse(&*dbg) {
            gather(&mut all, d.symbols());
        }
    }
    all.sort_by(|a, b| a.0.cmp(&b.0).then(a.2.cmp(&b.2)).then(a.3.cmp(&b.3)));
    all.dedup_by_key(|s| s.0);
    // A symbol without a size (crt's _init, _start) reaches the next symbol or the end
    // of its section, whichever comes first: never into .plt or another section.
    let sections: Vec<(u64, u64)> = obj.sections().map(|s| (s.address(), s.address() + s.size())).collect();
    let section_end = |addr: u64| sections.iter().find(|(a, e)| *a <= addr && addr < *e).map(|x| x.1);
    let mut out: Vec<Sym> = Vec::with_capacity(all.len());
    for i in 0..all.len() {
        let (addr, size, _, ref name) = all[i];
        let size = if size > 0 {
            size
        } else {
            let next = all.get(i + 1).map_or(u64::MAX, |n| n.0);
            next.min(section_end(addr).unwrap_or(next)).saturating_sub(addr)
        };
        out.push(Sym { addr, size, name: name.clone() });
    }
    out
}

fn gather<'d, S: ObjectSymbol<'d>>(out: &mut Vec<(u64, u64, u8, String)>, syms: impl Iterator<Item = S>) {
    for s in syms {
        let func = match s.kind() {
            SymbolKind::Text => true,
            SymbolKind::Data => false,
            _ => continue,
        };
        if s.is_undefined() || s.address() == 0 {
            continue;
        }
        let Ok(name) = s.name() else { continue };
        // .symtab spells versioned names "name@@VERSION"; .dynsym has them plain.
        let name = name.split('@').next().unwrap_or(name);
        if name.is_empty() || name.starts_with(".L") {
            continue;
        }
        // Functions before data, global names before local ones (an alias pair's
        // exported name), then the name without a leading underscore.
        let rank = u8::from(!func) * 4
            + match s.scope() {
                SymbolScope::Dynamic | SymbolScope::Linkage => 0,
                _ => 2,
            }
            + u8::from(name.starts_with('_'));
        out.push((s.address(), s.size(), rank, name.to_string()));
    }
}

/// The symbol covering `addr` (as the module's lookup: the last one starting at or
/// before it, if `addr` is within its size).
pub fn find(syms: &[Sym], addr: u64) -> Option<&Sym> {
    let i = syms.partition_point(|s| s.addr <= addr);
    (i > 0).then(|| &syms[i - 1]).filter(|s| s.size == 0 || addr - s.addr < s.size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libc_from_its_debuginfo() {
        let data = std::fs::read("/lib/x86_64-linux-gnu/libc.so.6").unwrap();
        let obj = object::File::parse(&*data).unwrap();
        let syms = symbols(&data);
        assert!(syms.windows(2).all(|w| w[0].addr < w[1].addr));
        let usleep = syms.iter().find(|s| s.name == "usleep").unwrap();
        assert!(usleep.size > 0);
        assert_eq!(find(&syms, usleep.addr + 1).map(|s| s.name.as_str()), Some("usleep"));
        if debuginfo_path(&obj).is_some() {
            // Only .symtab names this one: it is not exported.
            assert!(syms.iter().any(|s| s.name == "__libc_start_call_main"));
        }
    }

    #[test]
    fn sizeless_symbols_stop_at_their_section() {
        // _init (crti.o) has no size; .plt follows .init: no symbol covers a PLT entry.
        let exe = std::env::current_exe().unwrap();
        let data = std::fs::read(&exe).unwrap();
        let obj = object::File::parse(&*data).unwrap();
        let syms = symbols(&data);
        if let (Some(plt), Some(init)) = (obj.section_by_name(".plt"), syms.iter().find(|s| s.name == "_init")) {
            assert!(init.addr + init.size <= plt.address(), "{init:?}");
            assert!(find(&syms, plt.address()).is_none());
        }
    }
}
