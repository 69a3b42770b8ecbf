//! `process("PATH").plt("NAME")`: the procedure linkage table entries through which a
//! program calls functions of its shared libraries, one uprobe per entry, fired on
//! every call through it; `$$name` is the called symbol. `.plt("NAME").return`: a
//! uretprobe there (the call's return address is on top of the stack at the entry),
//! `$return` the called function's return value.
//!
//! Which entry calls which symbol is read from the code, not assumed from the order:
//! each 16-byte entry of `.plt` (lazy binding) or `.plt.sec` (IBT, `-z ibtplt`) holds
//! an indirect `jmp *disp(%rip)` (opcode `ff 25`, perhaps after `endbr64` and a `bnd`
//! prefix) through its GOT slot, and the `R_X86_64_JUMP_SLOT` relocation of `.rela.plt`
//! at that slot names the symbol. The first entry of `.plt` (the resolver's) and `.plt`'s
//! push-and-jump stubs when `.plt.sec` exists jump through no such slot and are skipped.
//! `.plt.got` holds the entries of functions whose address is also taken (8 bytes, 16
//! with IBT), jumping through a `R_X86_64_GLOB_DAT` slot of `.rela.dyn`.

use super::elf::ElfInfo;
use super::UprobePoint;
use crate::debuginfo::index::glob;
use object::{Object, ObjectSection, ObjectSymbol};
use std::collections::HashMap;
use std::path::Path;

/// One PLT entry: its link-time address and the symbol it calls.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub addr: u64,
    pub name: String,
}

const R_X86_64_GLOB_DAT: u32 = 6;
const R_X86_64_JUMP_SLOT: u32 = 7;
const ENDBR64: [u8; 4] = [0xf3, 0x0f, 0x1e, 0xfa];

/// The PLT entries of an ELF file, in address order.
pub fn entries(data: &[u8]) -> Result<Vec<Entry>, String> {
    let obj = object::File::parse(data).map_err(|e| format!("not an ELF file: {e}"))?;
    let names: HashMap<usize, String> =
        obj.dynamic_symbols().filter_map(|s| Some((s.index().0, s.name().ok()?.to_string()))).collect();
    // GOT slot → symbol, from the relocations that fill the slots.
    let mut slots = HashMap::new();
    for (sec, ty) in [(".rela.plt", R_X86_64_JUMP_SLOT), (".rela.dyn", R_X86_64_GLOB_DAT)] {
        let Some(rela) = obj.section_by_name(sec) else { continue };
        let bytes = rela.data().map_err(|e| format!("{sec}: {e}"))?;
        for r in bytes.chunks_exact(24) {
            let offset = u64::from_le_bytes(r[0..8].try_into().unwrap());
            let info = u64::from_le_bytes(r[8..16].try_into().unwrap());
            if info as u32 == ty {
                if let Some(n) = names.get(&((info >> 32) as usize)) {
                    slots.insert(offset, n.clone());
                }
            }
        }
    }
    let mut out = Vec::new();
    for sec in [".plt", ".plt.sec", ".plt.got"] {
        let Some(s) = obj.section_by_name(sec) else { continue };
        let code = s.data().map_err(|e| format!("{sec}: {e}"))?;
        let size = if sec == ".plt.got" && !code.starts_with(&ENDBR64) { 8 } else { 16 };
        for (i, e) in code.chunks_exact(size).enumerate() {
            let addr = s.address() + (i * size) as u64;
            // The first `jmp *disp32(%rip)` of the entry: its GOT slot.
            let Some(at) = (0..=size - 6).find(|&k| e[k] == 0xff && e[k + 1] == 0x25) else { continue };
            let disp = i32::from_le_bytes(e[at + 2..at + 6].try_into().unwrap());
            let slot = (addr + at as u64 + 6).wrapping_add(disp as i64 as u64);
            if let Some(name) = slots.get(&slot) {
                out.push(Entry { addr, name: name.clone() });
            }
        }
    }
    out.sort_by_key(|e| e.addr);
    Ok(out)
}

/// The symbol name without its version (`puts@GLIBC_2.2.5` → `puts`).
fn bare(name: &str) -> &str {
    name.split('@').next().unwrap_or(name)
}

/// `process("PATH").plt("PATTERN")[.return]`: a uprobe (uretprobe) on each matching
/// entry, with its `pp()`.
pub fn plts(path: &Path, elf: &ElfInfo, pat: &str, ret: bool, pid: Option<i64>, head: &str) -> Result<Vec<(UprobePoint, String)>, String> {
    let data = std::fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let wild = pat.contains(['*', '?', '[']);
    let mut out = Vec::new();
    for e in entries(&data).map_err(|e| format!("{}: {e}", path.display()))? {
        let name = bare(&e.name);
        if !glob(pat, name) {
            continue;
        }
        let Some(offset) = elf.offset_of(e.addr) else { continue };
        let up = UprobePoint {
            path: path.display().to_string(),
            offset,
            vaddr: e.addr,
            ret,
            pid,
            optional: wild,
            site: None,
            ref_ctr: 0,
            mark: None,
            plt: Some(name.to_string()),
            exe: None,
        };
        out.push((up, format!("{head}.plt(\"{name}\"){}", if ret { ".return" } else { "" })));
    }
    if out.is_empty() && !wild {
        return Err(format!("no PLT entry of {} calls \"{pat}\"", path.display()));
    }
    Ok(out)
}
