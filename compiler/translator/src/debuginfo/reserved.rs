//! Code addresses where the kernel refuses a kprobe although the function is probeable:
//! jump-label sites (`static_branch_*`, tracepoints, dynamic debug), static-call sites,
//! alternatives being patched, and `BUG()`/`WARN()` traps (`register_kprobe` says -EINVAL
//! or -EBUSY there). A statement or an inlined copy that starts on one is left out with a
//! warning, not registered to fail at run time.
//!
//! In a module's ET_REL debuginfo each entry's code address is the target of the
//! relocation at that field, so no struct layout is assumed (but a jump label's first
//! field). In a linked vmlinux (not every one keeps its relocations) the fields are read:
//! each entry starts with its code address relative to itself (x86-64's relative tables),
//! and the sizes of `struct alt_instr` and `struct bug_entry` come from the vmlinux's DWARF.

use super::reloc::Image;
use super::Index;
use anyhow::Result;
use object::{Object, ObjectSection, ObjectSymbol, RelocationTarget};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Sorted, non-overlapping `[start, end)` ranges in the index's address space.
#[derive(Debug, Default)]
pub struct Reserved {
    ranges: Vec<(u64, u64)>,
}

impl Reserved {
    /// Whether a kprobe at `addr` would be refused.
    pub fn contains(&self, addr: u64) -> bool {
        let i = self.ranges.partition_point(|r| r.0 <= addr);
        i > 0 && addr < self.ranges[i - 1].1
    }

    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }
}

/// The reserved code of `ix`'s file (computed once per process and file).
pub fn reserved(ix: &Index) -> Result<Arc<Reserved>> {
    static OPEN: OnceLock<Mutex<HashMap<std::path::PathBuf, Arc<Reserved>>>> = OnceLock::new();
    let map = OPEN.get_or_init(Default::default);
    if let Some(r) = map.lock().unwrap().get(&ix.path) {
        return Ok(r.clone());
    }
    let data = ix.data()?;
    let r = if object::File::parse(data)?.kind() == object::ObjectKind::Relocatable {
        compute(data)?
    } else {
        compute_linked(ix, data)?
    };
    let r = Arc::new(r);
    map.lock().unwrap().insert(ix.path.clone(), r.clone());
    Ok(r)
}

/// One kind of table: where it is and which of its relocations name code addresses.
struct Table {
    /// The section (modules), or the symbols bounding it inside another section (vmlinux).
    section: &'static str,
    bounds: Option<(&'static str, &'static str)>,
    /// Entry size when the code field is the entry's first (jump labels: `code, target,
    /// key`, whose target is code too; static calls: `addr, key`); None: every relocation
    /// into code outside `.altinstr_replacement` (alternatives, bug entries).
    stride: Option<u64>,
    kind: Kind,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    JumpLabel,
    StaticCall,
    Alternative,
    Bug,
}

const TABLES: &[Table] = &[
    Table { section: "__jump_table", bounds: Some(("__start___jump_table", "__stop___jump_table")), stride: Some(16), kind: Kind::JumpLabel },
    Table { section: ".static_call_sites", bounds: Some(("__start_static_call_sites", "__stop_static_call_sites")), stride: Some(8), kind: Kind::StaticCall },
    Table { section: ".altinstructions", bounds: None, stride: None, kind: Kind::Alternative },
    Table { section: "__bug_table", bounds: None, stride: None, kind: Kind::Bug },
];

/// A module's tables, through their relocations.
fn compute(data: &[u8]) -> Result<Reserved> {
    let img = Image::parse_layout(data)?;
    let obj = img.object();
    let sym_addr = |name: &str| obj.symbols().find(|s| s.name() == Ok(name)).map(|s| s.address());
    let mut ranges = Vec::new();
    for t in TABLES {
        // The table's section and the part of it that is the table.
        let (sec, lo, hi) = match obj.section_by_name(t.section) {
            Some(s) => {
                let base = if img.is_relocatable() { 0 } else { s.address() };
                let size = s.size();
                (s, base, base + size)
            }
            None => {
                let Some((a, b)) = t.bounds else { continue };
                let (Some(lo), Some(hi)) = (sym_addr(a), sym_addr(b)) else { continue };
                let Some(s) = obj.sections().find(|s| s.address() <= lo && lo < s.address() + s.size()) else { continue };
                (s, lo, hi)
            }
        };
        let mut fields = Vec::new();
        for (off, r) in sec.relocations() {
            if off < lo || off >= hi || t.stride.is_some_and(|st| (off - lo) % st != 0) {
                continue;
            }
            let (target, code) = match r.target() {
                RelocationTarget::Symbol(i) => match obj.symbol_by_index(i) {
                    Ok(s) => (img.symbol_address(&s), s.section_index()),
                    Err(_) => continue,
                },
                RelocationTarget::Section(i) => (img.section_base(i), Some(i)),
                _ => continue,
            };
            let in_code = code.and_then(|i| obj.section_by_index(i).ok()).is_some_and(|s| {
                s.kind() == object::SectionKind::Text && !matches!(s.name(), Ok(".altinstr_replacement" | ".altinstr_aux"))
            });
            if in_code {
                fields.push((off, target.wrapping_add(r.addend() as u64)));
            }
        }
        let bytes = sec.data().unwrap_or(&[]);
        // Alternatives: `instrlen` is the entry's last byte but one (6.1 and 6.12 alike);
        // the entry size is the table's size over its entries.
        let entry = if fields.is_empty() { 0 } else { (hi - lo) / fields.len() as u64 };
        for (off, addr) in fields {
            let len = match t.kind {
                Kind::JumpLabel => nop_size(&img, addr),
                Kind::StaticCall => 5,
                Kind::Bug => 2,
                Kind::Alternative => {
                    // `lo` is the section's start here: alternatives always have their own.
                    let at = (off - lo + entry).wrapping_sub(2) as usize;
                    bytes.get(at).map(|&b| b as u64).filter(|&b| b > 0).unwrap_or(1)
                }
            };
            ranges.push((addr, addr + len));
        }
    }
    Ok(merge(ranges))
}

/// A linked vmlinux's tables, read in place.
fn compute_linked(ix: &Index, data: &[u8]) -> Result<Reserved> {
    let img = Image::parse_layout(data)?;
    let obj = img.object();
    let sym_addr = |name: &str| obj.symbols().find(|s| s.name() == Ok(name)).map(|s| s.address());
    let layout = |name: &str, member: &str| type_layout(ix, name, member);
    let mut ranges = Vec::new();
    for t in TABLES {
        let (lo, hi) = match (obj.section_by_name(t.section), t.bounds) {
            (Some(s), _) => (s.address(), s.address() + s.size()),
            (None, Some((a, b))) => match (sym_addr(a), sym_addr(b)) {
                (Some(lo), Some(hi)) => (lo, hi),
                _ => continue,
            },
            _ => continue,
        };
        let Some(sec) = obj.sections().find(|s| s.address() <= lo && hi <= s.address() + s.size() && lo < hi) else { continue };
        let Ok(bytes) = sec.data() else { continue };
        let (size, len_at) = match t.kind {
            Kind::JumpLabel => (16, None),
            Kind::StaticCall => (8, None),
            Kind::Alternative => match layout("struct alt_instr", "instrlen") {
                Some((size, at)) => (size, at),
                None => continue,
            },
            Kind::Bug => match layout("struct bug_entry", "") {
                Some((size, _)) => (size, None),
                None => continue,
            },
        };
        let mut at = lo;
        while at + size <= hi {
            let off = (at - sec.address()) as usize;
            let Some(field) = bytes.get(off..off + 4) else { break };
            let addr = at.wrapping_add(i32::from_le_bytes(field.try_into().unwrap()) as i64 as u64);
            let len = match t.kind {
                Kind::JumpLabel => nop_size(&img, addr),
                Kind::StaticCall => 5,
                Kind::Bug => 2,
                Kind::Alternative => len_at.and_then(|l| bytes.get(off + l as usize)).map(|&b| b as u64).filter(|&b| b > 0).unwrap_or(1),
            };
            ranges.push((addr, addr + len));
            at += size;
        }
    }
    Ok(merge(ranges))
}

/// A struct's size and, when `member` is not empty, that member's offset, from `ix`'s DWARF.
fn type_layout(ix: &Index, name: &str, member: &str) -> Option<(u64, Option<u64>)> {
    let types = super::typeindex::open(ix, false).ok()?;
    let def = types.lookup(name)?;
    let dw = super::types::Dwarf::load(ix).ok()?;
    let header = dw.dwarf.debug_info.header_from_offset(gimli::DebugInfoOffset(def.cu as usize)).ok()?;
    let unit = dw.dwarf.unit(header).ok()?;
    let mut tree = unit.entries_tree(Some(gimli::UnitOffset((def.die - def.cu) as usize))).ok()?;
    let root = tree.root().ok()?;
    let size = root.entry().attr_value(gimli::DW_AT_byte_size).ok()??.udata_value()?;
    if member.is_empty() {
        return Some((size, None));
    }
    let mut children = root.children();
    while let Ok(Some(child)) = children.next() {
        let e = child.entry();
        let named = e.attr_value(gimli::DW_AT_name).ok().flatten().and_then(|v| dw.dwarf.attr_string(&unit, v).ok());
        if named.is_some_and(|n| n.slice() == member.as_bytes()) {
            let at = e.attr_value(gimli::DW_AT_data_member_location).ok().flatten().and_then(|v| v.udata_value());
            return Some((size, at));
        }
    }
    Some((size, None))
}

fn merge(mut ranges: Vec<(u64, u64)>) -> Reserved {
    ranges.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
    for (a, b) in ranges {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    Reserved { ranges: merged }
}

/// The size of a jump label's instruction: a 2-byte nop or short jump, else 5 bytes.
fn nop_size(img: &Image, addr: u64) -> u64 {
    match img.code_bytes(addr, 2) {
        Some(&[0x66, 0x90]) | Some(&[0xeb, _]) => 2,
        _ => 5,
    }
}

#[cfg(test)]
mod tests {
    use super::Reserved;

    #[test]
    fn contains_is_half_open() {
        let r = Reserved { ranges: vec![(0x10, 0x12), (0x20, 0x25)] };
        assert!(!r.contains(0xf));
        assert!(r.contains(0x10) && r.contains(0x11));
        assert!(!r.contains(0x12));
        assert!(r.contains(0x24) && !r.contains(0x25));
    }
}
