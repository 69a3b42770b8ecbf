//! Where a DWARF function probe goes in a user-space function: its entry, or the end of
//! its prologue.
//!
//! Decision (as SystemTap's default "auto" prologue searching): code compiled with
//! optimisation (`-O1` and up in the unit's `DW_AT_producer`) has location lists that
//! describe the parameters correctly from the first instruction, so the probe goes at the
//! entry. Unoptimised code (`-O0`, or a producer without `-O`) keeps parameters at frame
//! offsets that hold them only once the prologue has stored them: the probe goes to the
//! first line-table row after the entry whose address is past it (the function body's
//! first line), as debuggers do. `.return` probes stay at the entry (a uretprobe must be
//! placed where the function is entered).

use super::index::Entry;
use super::{Function, Index};
use anyhow::Result;
use gimli::AttributeValue;

/// Whether the compilation unit at `cu` was compiled with optimisation.
pub fn unit_optimized(ix: &Index, cu: u64) -> Result<bool> {
    let dw = super::types::Dwarf::load(ix)?;
    let header = dw.dwarf.debug_info.header_from_offset(gimli::DebugInfoOffset(cu as usize))?;
    let unit = dw.dwarf.unit(header)?;
    let mut entries = unit.entries();
    let Some((_, root)) = entries.next_dfs()? else { return Ok(false) };
    let producer = match root.attr_value(gimli::DW_AT_producer)? {
        Some(v @ (AttributeValue::DebugStrRef(_) | AttributeValue::String(_) | AttributeValue::DebugLineStrRef(_) | AttributeValue::DebugStrOffsetsIndex(_))) => {
            dw.dwarf.attr_string(&unit, v)?.to_string_lossy().into_owned()
        }
        _ => String::new(),
    };
    Ok(producer_optimized(&producer))
}

/// `-O`, `-O1`.. `-O3`, `-Os`, `-Og`, `-Ofast` (the last one given wins); `-O0` or none: not.
fn producer_optimized(producer: &str) -> bool {
    let mut on = false;
    for w in producer.split_whitespace() {
        if let Some(level) = w.strip_prefix("-O") {
            on = level != "0";
        }
    }
    on
}

/// The address to probe for entry `e` of `f` (link time): see the module comment.
pub fn probe_address(ix: &Index, f: &Function, e: &Entry) -> Result<u64> {
    if unit_optimized(ix, e.cu)? {
        return Ok(e.addr);
    }
    let lines = super::lines::entry_lines(ix, f, e)?;
    // The first range (where the entry is) only: a cold part elsewhere is no prologue end.
    let end = lines.ranges.iter().find(|&&(a, b)| a <= e.addr && e.addr < b).map(|r| r.1).unwrap_or(u64::MAX);
    Ok(lines.lines.values().copied().filter(|&a| a > e.addr && a < end).min().unwrap_or(e.addr))
}

#[cfg(test)]
mod tests {
    use super::producer_optimized;

    #[test]
    fn producers() {
        assert!(producer_optimized("GNU C17 12.2.0 -mtune=generic -march=x86-64 -g -O2"));
        assert!(!producer_optimized("GNU C17 12.2.0 -mtune=generic -march=x86-64 -g -O0"));
        assert!(!producer_optimized("GNU C17 12.2.0 -mtune=generic -march=x86-64 -g"));
        assert!(!producer_optimized("GNU C17 -O2 -O0"));
        assert!(producer_optimized("clang -Os"));
    }
}
