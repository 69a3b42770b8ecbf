//! Source lines of kernel functions, from `.debug_line`: what statement probes
//! (`kernel.statement("func@file:LINE")`, `:*`, `+N`) and `kernel.function("*@file:LINE")`
//! need. Only the line program of the probed function's own compilation unit is run
//! (the index records each entry's unit), so a run reads a few kilobytes of the
//! 630 MB vmlinux, not all of it (milliseconds): nothing is cached on disk; within one
//! run each unit's table is decoded once.
//!
//! A line "has code" in a function when an `is_stmt` row of the line table names it,
//! in the function's own file, at an address inside the function's ranges, and the line
//! lies between the function's declaration and the last line of its own code (rows
//! inside inlined callees do not extend that span: they are the callees' lines). A line
//! is probed at the lowest such address: where its code first starts.

use super::index::{Entry, Function, Inline};
use super::Index;
use anyhow::{Context, Result};
use gimli::{EndianSlice, LittleEndian, UnitOffset};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

type R<'a> = EndianSlice<'a, LittleEndian>;

/// The lines of one out-of-line copy of a function that have code.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryLines {
    /// Line → its first `is_stmt` address (link time).
    pub lines: BTreeMap<u32, u64>,
    /// The copy's address ranges `[begin, end)`.
    pub ranges: Vec<(u64, u64)>,
    /// Every line of the function's file with code inside the copy (any row, is_stmt or
    /// not), inlined callees' lines included: their code is this copy's code too.
    pub all_lines: std::collections::BTreeSet<u32>,
}

impl EntryLines {
    /// Whether `addr` is inside this copy's code.
    pub fn contains(&self, addr: u64) -> bool {
        self.ranges.iter().any(|&(a, b)| a <= addr && addr < b)
    }

    /// The last line with code (the function's body ends there, or near).
    pub fn last_line(&self) -> Option<u32> {
        self.lines.keys().next_back().copied()
    }

    /// The lines with code nearest to `line`, below and above, for a hint.
    pub fn nearest(&self, line: u32) -> (Option<u32>, Option<u32>) {
        (self.lines.range(..line).next_back().map(|(l, _)| *l), self.lines.range(line + 1..).next().map(|(l, _)| *l))
    }
}

/// The lines with code of entry `e` of `f`.
pub fn entry_lines(ix: &Index, f: &Function, e: &Entry) -> Result<EntryLines> {
    copy_lines(ix, f, e.cu, e.die, u32::MAX)
}

/// The lines with code of inlined copy `i` of `f` (the rows of `f`'s file inside the
/// copy's ranges: its own code where it was inlined). GCC's ranges of an inlined copy
/// also hold rows of its caller scheduled among its instructions, and the caller is often
/// in the same file: only lines before the next function declared in the file count
/// (C has no nested functions, so `f`'s body ends before it).
pub fn inline_lines(ix: &Index, f: &Function, i: &Inline) -> Result<EntryLines> {
    copy_lines(ix, f, f.cu, i.die, ix.next_declaration(f).unwrap_or(u32::MAX))
}

/// The lines with code of the copy of `f` whose DIE (a subprogram or an inlined
/// subroutine) is at `die` in the unit at `cu`.
/// Lines from `limit` on are not the function's.
fn copy_lines(ix: &Index, f: &Function, cu: u64, die_off: u64, limit: u32) -> Result<EntryLines> {
    let dw = super::types::Dwarf::load(ix)?;
    let dwarf = &dw.dwarf;
    let header = dwarf
        .debug_info
        .header_from_offset(gimli::DebugInfoOffset(cu as usize))
        .with_context(|| format!("the compilation unit of {}", f.name))?;
    let unit = dwarf.unit(header)?;
    let die = unit.entry(UnitOffset((die_off - cu) as usize))?;
    let mut ranges = Vec::new();
    let mut it = dwarf.die_ranges(&unit, &die)?;
    while let Some(r) = it.next()? {
        if r.begin < r.end {
            ranges.push((r.begin, r.end));
        }
    }
    let inlined = inlined_ranges(dwarf, &unit, UnitOffset((die_off - cu) as usize))?;
    let mut lines = BTreeMap::new();
    let table = unit_rows(ix, dwarf, &unit, cu)?;
    // Which file indexes of the table are the function's file (by path suffix: the
    // index stores paths relative to the source tree, the table spells them in full).
    let same_file: Vec<bool> = table.files.iter().map(|p| p.as_deref().is_some_and(|p| same_path(p, &f.file))).collect();
    // (line, address, inside an inlined callee) of every is_stmt row of ours.
    let mut ours = Vec::new();
    let mut all_lines = std::collections::BTreeSet::new();
    for r in &table.rows {
        if !ranges.iter().any(|&(a, b)| a <= r.addr && r.addr < b) {
            continue;
        }
        if !same_file.get(r.file as usize).copied().unwrap_or(false) || r.line >= limit {
            continue;
        }
        all_lines.insert(r.line);
        if r.is_stmt {
            ours.push((r.line, r.addr, inlined.iter().any(|&(a, b)| a <= r.addr && r.addr < b)));
        }
    }
    // The body's lines run from the declaration to the last line of the function's own
    // code (rows outside inlined callees). Callees from the same file lie outside that
    // span (C has no nested functions), but a call site's own line, which shares its
    // address with the callee's first row, stays.
    let end = ours.iter().filter(|r| !r.2).map(|r| r.0).max().unwrap_or(0);
    for (line, addr, _) in ours {
        if f.line <= line && line <= end {
            let slot = lines.entry(line).or_insert(addr);
            *slot = (*slot).min(addr);
        }
    }
    Ok(EntryLines { lines, ranges, all_lines })
}

/// One row of a unit's line table (end-of-sequence rows left out).
struct Row {
    addr: u64,
    line: u32,
    file: u32,
    is_stmt: bool,
}

/// A unit's decoded line table: its rows and its file paths by file index.
struct UnitRows {
    rows: Vec<Row>,
    files: Vec<Option<String>>,
}

/// The line table of the unit at `cu`, decoded once per process: wildcard patterns
/// over one file (`*@net/ipv4/tcp_input.c:*`) ask it again for each of its functions.
fn unit_rows(ix: &Index, dwarf: &gimli::Dwarf<R>, unit: &gimli::Unit<R>, cu: u64) -> Result<Arc<UnitRows>> {
    static CACHE: OnceLock<Mutex<HashMap<(String, u64), Arc<UnitRows>>>> = OnceLock::new();
    let key = (ix.build_id.clone(), cu);
    if let Some(t) = CACHE.get_or_init(Default::default).lock().unwrap().get(&key) {
        return Ok(t.clone());
    }
    let mut table = UnitRows { rows: Vec::new(), files: Vec::new() };
    if let Some(program) = unit.line_program.clone() {
        let comp_dir = unit.comp_dir.map(|d| d.to_string_lossy().into_owned()).unwrap_or_default();
        let mut rows = program.rows();
        while let Some((header, row)) = rows.next_row()? {
            if row.end_sequence() {
                continue;
            }
            let Some(line) = row.line().map(|l| l.get() as u32) else { continue };
            let fi = row.file_index() as usize;
            if table.files.len() <= fi {
                // Paths for every file index up to this one (the header lists them all).
                for i in table.files.len()..=fi {
                    table.files.push(file_path(dwarf, unit, header, i as u64, &comp_dir));
                }
            }
            table.rows.push(Row { addr: row.address(), line, file: fi as u32, is_stmt: row.is_stmt() });
        }
    }
    let t = Arc::new(table);
    CACHE.get_or_init(Default::default).lock().unwrap().insert(key, t.clone());
    Ok(t)
}

/// The address ranges of the inlined subroutines anywhere inside DIE `at`.
fn inlined_ranges(dwarf: &gimli::Dwarf<R>, unit: &gimli::Unit<R>, at: UnitOffset) -> Result<Vec<(u64, u64)>> {
    let mut out = Vec::new();
    let mut tree = unit.entries_tree(Some(at))?;
    fn walk(
        dwarf: &gimli::Dwarf<R>,
        unit: &gimli::Unit<R>,
        node: gimli::EntriesTreeNode<R>,
        out: &mut Vec<(u64, u64)>,
    ) -> Result<()> {
        let mut children = node.children();
        while let Some(child) = children.next()? {
            if child.entry().tag() == gimli::DW_TAG_inlined_subroutine {
                let mut it = dwarf.die_ranges(unit, child.entry())?;
                while let Some(r) = it.next()? {
                    out.push((r.begin, r.end));
                }
                // Its own inlined callees lie inside its ranges already.
                continue;
            }
            walk(dwarf, unit, child, out)?;
        }
        Ok(())
    }
    walk(dwarf, unit, tree.root()?, &mut out)?;
    Ok(out)
}

fn file_path(
    dwarf: &gimli::Dwarf<R>,
    unit: &gimli::Unit<R>,
    header: &gimli::LineProgramHeader<R>,
    index: u64,
    comp_dir: &str,
) -> Option<String> {
    let file = header.file(index)?;
    let name = dwarf.attr_string(unit, file.path_name()).ok()?.to_string_lossy().into_owned();
    if name.starts_with('/') {
        return Some(name);
    }
    let dir = file
        .directory(header)
        .and_then(|d| dwarf.attr_string(unit, d).ok())
        .map(|d| d.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = if dir.starts_with('/') || dir.is_empty() { dir } else { format!("{comp_dir}/{dir}") };
    Some(if dir.is_empty() { name } else { format!("{dir}/{name}") })
}

/// Whether a line-table path names `rel` (a path relative to the source tree).
fn same_path(full: &str, rel: &str) -> bool {
    let full = full.replace("/./", "/");
    let full = full.strip_prefix("./").unwrap_or(&full);
    full == rel || full.ends_with(&format!("/{rel}"))
}

/// Where a kprobe goes for link-time address `addr` inside entry `e`: its own symbol +
/// offset when the symbol is unique, else `_stext` + offset. The kernel resolves either
/// under KASLR; a raw link-time address would be wrong there.
pub fn kprobe_anchor(ix: &Index, e: &Entry, addr: u64) -> (String, u64) {
    // An address before the entry (an inlined copy in a `.cold` part) takes `_stext`.
    if e.unique && !e.symbol.is_empty() && e.addr <= addr {
        (e.symbol.clone(), addr - e.addr)
    } else {
        ("_stext".to_string(), addr.wrapping_sub(ix.stext))
    }
}

/// The function entry whose code holds link-time address `addr`, through the ELF symbol
/// table (the index knows entries, not their sizes): the entry, its function, and whether
/// the address is inside the symbol's extent.
pub fn function_at(ix: &Index, addr: u64) -> Result<Option<(&Function, &Entry)>> {
    use object::{Object, ObjectSymbol};
    let data = ix.data()?;
    let obj = object::File::parse(data)?;
    let sym = obj
        .symbols()
        .filter(|s| s.kind() == object::SymbolKind::Text && s.address() <= addr && addr < s.address() + s.size().max(1))
        .min_by_key(|s| addr - s.address());
    let Some(sym) = sym else { return Ok(None) };
    let start = sym.address();
    for f in &ix.functions {
        for e in &f.entries {
            if e.addr == start {
                return Ok(Some((f, e)));
            }
        }
    }
    Ok(None)
}
