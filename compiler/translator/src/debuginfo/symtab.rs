//! The target vmlinux's ELF symbol table, as linked: data symbols for
//! watchpoints and the KASLR anchor (`jiffies_64`, see runtime-c/kaslr.h),
//! and bytes of its initialised data (tracepoint systems). Read once per
//! kernel release from the debuginfo's vmlinux (Debian's /boot/System.map is
//! a stub).

use anyhow::{anyhow, Result};
use object::{Object, ObjectSection, ObjectSymbol};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// One symbol: its link-time address and size (0 when the ELF does not say).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Symbol {
    pub addr: u64,
    pub size: u64,
    /// A data object (STT_OBJECT), not code.
    pub data: bool,
}

pub struct SymbolTable {
    /// By name; a local name defined in several units keeps all its copies.
    by_name: HashMap<String, Vec<Symbol>>,
    index: Arc<super::Index>,
}

/// The symbol table of `release`'s vmlinux (read once per process).
pub fn kernel_symbols(release: &str) -> Result<Arc<SymbolTable>> {
    static OPEN: OnceLock<Mutex<HashMap<String, Arc<SymbolTable>>>> = OnceLock::new();
    let map = OPEN.get_or_init(Default::default);
    if let Some(t) = map.lock().unwrap().get(release) {
        return Ok(t.clone());
    }
    let index = super::kernel_index(release, false)?;
    let data = index.data()?;
    let file = object::File::parse(data).map_err(|e| anyhow!("reading {}: {e}", index.path.display()))?;
    let mut by_name: HashMap<String, Vec<Symbol>> = HashMap::new();
    for s in file.symbols() {
        let Ok(name) = s.name() else { continue };
        if name.is_empty() || s.is_undefined() {
            continue;
        }
        let data = s.kind() == object::SymbolKind::Data;
        by_name.entry(name.to_string()).or_default().push(Symbol { addr: s.address(), size: s.size(), data });
    }
    let t = Arc::new(SymbolTable { by_name, index });
    map.lock().unwrap().insert(release.to_string(), t.clone());
    Ok(t)
}

impl SymbolTable {
    /// The one symbol called `name` (None when absent or ambiguous).
    pub fn unique(&self, name: &str) -> Option<Symbol> {
        match self.by_name.get(name).map(|v| v.as_slice()) {
            Some([s]) => Some(*s),
            _ => None,
        }
    }

    /// Every symbol whose name starts with `prefix`, with its copies.
    pub fn with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a [Symbol])> + 'a {
        self.by_name.iter().filter(move |(n, _)| n.starts_with(prefix)).map(|(n, v)| (n.as_str(), v.as_slice()))
    }

    pub fn copies(&self, name: &str) -> usize {
        self.by_name.get(name).map_or(0, |v| v.len())
    }

    /// `len` bytes of the file's initialised contents at link address `addr`.
    pub fn read(&self, addr: u64, len: u64) -> Option<&[u8]> {
        let data = self.index.data().ok()?;
        let file = object::File::parse(data).ok()?;
        for sec in file.sections() {
            if addr >= sec.address() && addr.checked_add(len)? <= sec.address() + sec.size() {
                let bytes = sec.data().ok()?;
                let off = (addr - sec.address()) as usize;
                return bytes.get(off..off + len as usize);
            }
        }
        None
    }

    pub fn read_u64(&self, addr: u64) -> Option<u64> {
        self.read(addr, 8).map(|b| u64::from_le_bytes(b.try_into().unwrap()))
    }

    /// A NUL-terminated string at `addr` (at most 64 bytes).
    pub fn read_cstr(&self, addr: u64) -> Option<String> {
        let mut out = Vec::new();
        for i in 0..64 {
            let b = *self.read(addr + i, 1)?.first()?;
            if b == 0 {
                return String::from_utf8(out).ok();
            }
            out.push(b);
        }
        None
    }
}

/// `#define RT_LINK_JIFFIES_64 0x...`'s value for `release` (runtime-c/kaslr.h).
pub fn link_jiffies_64(release: &str) -> Result<u64> {
    kernel_symbols(release)?
        .unique("jiffies_64")
        .map(|s| s.addr)
        .ok_or_else(|| anyhow!("the vmlinux symbol table of {release} has no jiffies_64 (needed to relocate data addresses under KASLR)"))
}
