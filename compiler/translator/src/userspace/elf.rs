//! ELF symbol tables of user-space executables and shared libraries: which
//! functions a file defines and at which file offset each one starts (the
//! kernel's uprobes are placed by inode and file offset, so the same
//! numbers serve PIE and non-PIE executables and shared libraries alike).

use anyhow::{bail, Context, Result};
use object::{Object, ObjectSegment, ObjectSymbol};
use std::path::Path;

/// One function symbol: its name and the file offset of its first instruction.
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    pub name: String,
    pub offset: u64,
    /// Its link-time address.
    pub addr: u64,
}

/// What one ELF file offers for user-space probes.
pub struct ElfInfo {
    pub functions: Vec<Function>,
    /// DT_NEEDED entries, in order.
    pub needed: Vec<String>,
    /// DT_RUNPATH / DT_RPATH directories ($ORIGIN expanded).
    pub runpath: Vec<String>,
    /// Loadable segments: (link-time address, size in memory, file offset).
    pub segments: Vec<(u64, u64, u64)>,
}

impl ElfInfo {
    /// The file offset of link-time address `addr` (where a uprobe goes), if mapped.
    pub fn offset_of(&self, addr: u64) -> Option<u64> {
        self.segments.iter().find(|(a, sz, _)| *a <= addr && addr < a + sz).map(|(a, _, off)| addr - a + off)
    }
}

/// The defined function symbols of `path` (the static table, else the dynamic one),
/// one per name and address, in address order.
pub fn read(path: &Path) -> Result<ElfInfo> {
    let data = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let obj = object::File::parse(&*data).with_context(|| format!("{} is not an ELF file", path.display()))?;
    if obj.format() != object::BinaryFormat::Elf {
        bail!("{} is not an ELF file", path.display());
    }
    let segs: Vec<(u64, u64, u64)> = obj
        .segments()
        .map(|s| (s.address(), s.size(), s.file_range().0))
        .collect();
    let to_offset = |addr: u64| -> Option<u64> {
        segs.iter().find(|(a, sz, _)| *a <= addr && addr < a + sz).map(|(a, _, off)| addr - a + off)
    };
    let mut functions = Vec::new();
    let add = |functions: &mut Vec<Function>, syms: &mut dyn Iterator<Item = object::Symbol<'_, '_>>| {
        for s in syms {
            if s.kind() != object::SymbolKind::Text || s.is_undefined() || s.address() == 0 {
                continue;
            }
            let Ok(name) = s.name() else { continue };
            if name.is_empty() {
                continue;
            }
            if let Some(offset) = to_offset(s.address()) {
                functions.push(Function { name: name.to_string(), offset, addr: s.address() });
            }
        }
    };
    add(&mut functions, &mut obj.symbols());
    if functions.is_empty() {
        add(&mut functions, &mut obj.dynamic_symbols());
    }
    functions.sort_by(|a, b| a.offset.cmp(&b.offset).then(a.name.cmp(&b.name)));
    functions.dedup();
    let (needed, runpath) = dynamic(&data, path);
    Ok(ElfInfo { functions, needed, runpath, segments: segs })
}

/// DT_NEEDED and DT_RUNPATH/DT_RPATH of a 64-bit little-endian ELF file.
fn dynamic(data: &[u8], path: &Path) -> (Vec<String>, Vec<String>) {
    use object::read::elf::{Dyn, FileHeader, ProgramHeader};
    let mut needed = Vec::new();
    let mut runpath = Vec::new();
    let Ok(hdr) = object::elf::FileHeader64::<object::Endianness>::parse(data) else { return (needed, runpath) };
    let Ok(endian) = hdr.endian() else { return (needed, runpath) };
    let Ok(phdrs) = hdr.program_headers(endian, data) else { return (needed, runpath) };
    let origin = path.parent().map(|p| p.display().to_string()).unwrap_or_default();
    for ph in phdrs {
        let Ok(Some(dyns)) = ph.dynamic(endian, data) else { continue };
        // The string table: DT_STRTAB is an address; map it through the segments.
        let strtab_addr = dyns.iter().find(|d| d.d_tag(endian) == object::elf::DT_STRTAB as u64).map(|d| d.d_val(endian));
        let Some(strtab_addr) = strtab_addr else { continue };
        let Some(strtab_off) = phdrs.iter().find_map(|p| {
            let (va, sz, off) = (p.p_vaddr(endian), p.p_filesz(endian), p.p_offset(endian));
            (p.p_type(endian) == object::elf::PT_LOAD && va <= strtab_addr && strtab_addr < va + sz)
                .then(|| strtab_addr - va + off)
        }) else {
            continue;
        };
        let cstr = |off: u64| -> Option<String> {
            let start = (strtab_off + off) as usize;
            let bytes = data.get(start..)?;
            let end = bytes.iter().position(|&b| b == 0)?;
            Some(String::from_utf8_lossy(&bytes[..end]).into_owned())
        };
        for d in dyns {
            let tag = d.d_tag(endian);
            if tag == object::elf::DT_NEEDED as u64 {
                needed.extend(cstr(d.d_val(endian)));
            } else if tag == object::elf::DT_RUNPATH as u64 || tag == object::elf::DT_RPATH as u64 {
                if let Some(s) = cstr(d.d_val(endian)) {
                    runpath.extend(s.split(':').filter(|s| !s.is_empty()).map(|s| s.replace("$ORIGIN", &origin)));
                }
            }
        }
    }
    (needed, runpath)
}
