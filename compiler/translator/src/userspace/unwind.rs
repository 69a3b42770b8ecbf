//! The unwind table of a user-space object for the module's user stacks (runtime-c/ustack.c):
//! its `.eh_frame` (else `.debug_frame`) read with gimli's `UnwindTable` and reduced, for
//! x86-64, to what a frame-by-frame walk needs at each address: where the CFA is (`rsp+N`
//! or `rbp+N`), where the caller's `rbp` was saved (`CFA+M`, or not saved), and whether
//! the frame is the outermost one (return address undefined, as in `_start`). The return
//! address is always at `CFA-8` on x86-64. Rows are sorted, adjacent equal rows merged,
//! and addresses no FDE covers get a `None` row, so the module finds the rule of an
//! address with one binary search.

use gimli::{BaseAddresses, CfaRule, DebugFrame, EhFrame, LittleEndian, RegisterRule, UnwindContext, UnwindSection};
use object::{Object, ObjectSection};

/// What a row says about the frames starting at `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// No usable rule (no FDE, or a CFA expression as in `.plt`): the frame-pointer walk.
    None = 0,
    /// CFA = rsp + cfa.
    Rsp = 1,
    /// CFA = rbp + cfa.
    Rbp = 2,
    /// The outermost frame: the return address is undefined.
    End = 3,
    /// A lazy-binding `.plt` entry (GNU ld's CFA expression): CFA = rsp + cfa, plus 8 once
    /// the entry has pushed its index, at `(pc & 15) >= rbp` (rbp holds that threshold).
    Plt = 4,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// Link-time address where the rule starts.
    pub start: u64,
    pub kind: Kind,
    pub cfa: i32,
    /// The caller's rbp is saved at CFA + rbp; 0: rbp keeps its value.
    pub rbp: i16,
}

const RSP: u16 = 7;
const RBP: u16 = 6;
const RA: u16 = 16;

/// The rows of the object in `data` (an ELF file), sorted by address.
pub fn rows(data: &[u8]) -> Vec<Row> {
    let Ok(obj) = object::File::parse(data) else { return Vec::new() };
    let mut raw = Vec::new();
    let mut ctx = Box::new(UnwindContext::new());
    if let Some(sec) = obj.section_by_name(".eh_frame").filter(|s| s.size() > 0) {
        let Ok(bytes) = sec.data() else { return Vec::new() };
        let frame = EhFrame::new(bytes, LittleEndian);
        // .eh_frame's pointers are often pc-relative: its own address is a base.
        let mut bases = BaseAddresses::default().set_eh_frame(sec.address());
        if let Some(text) = obj.section_by_name(".text") {
            bases = bases.set_text(text.address());
        }
        if let Some(got) = obj.section_by_name(".got") {
            bases = bases.set_got(got.address());
        }
        collect(&frame, &bases, &mut ctx, EhFrame::cie_from_offset, &mut raw);
    } else if let Some(bytes) = obj.section_by_name(".debug_frame").and_then(|s| s.data().ok()) {
        let mut frame = DebugFrame::new(bytes, LittleEndian);
        frame.set_address_size(8);
        collect(&frame, &BaseAddresses::default(), &mut ctx, DebugFrame::cie_from_offset, &mut raw);
    }
    compact(raw)
}

type Ctx = UnwindContext<usize>;

fn collect<'a, S, F>(frame: &S, bases: &BaseAddresses, ctx: &mut Ctx, cie: F, out: &mut Vec<(u64, u64, Kind, i32, i16)>)
where
    S: UnwindSection<gimli::EndianSlice<'a, LittleEndian>>,
    F: Fn(&S, &BaseAddresses, S::Offset) -> gimli::Result<gimli::CommonInformationEntry<gimli::EndianSlice<'a, LittleEndian>>>
        + Copy,
{
    let mut entries = frame.entries(bases);
    loop {
        let entry = match entries.next() {
            Ok(Some(e)) => e,
            Ok(None) => break,
            // A malformed entry ends the walk: what was read stays usable.
            Err(_) => break,
        };
        let gimli::CieOrFde::Fde(partial) = entry else { continue };
        let Ok(fde) = partial.parse(cie) else { continue };
        let Ok(mut table) = fde.rows(frame, bases, ctx) else { continue };
        while let Ok(Some(row)) = table.next_row() {
            let (kind, cfa) = match row.cfa() {
                CfaRule::RegisterAndOffset { register, offset } => match (register.0, i32::try_from(*offset)) {
                    (RSP, Ok(o)) => (Kind::Rsp, o),
                    (RBP, Ok(o)) => (Kind::Rbp, o),
                    _ => (Kind::None, 0),
                },
                CfaRule::Expression(e) => match e.get(frame).map(|x| plt_threshold(x.0.slice())) {
                    Ok(Some(_)) => (Kind::Plt, 8),
                    _ => (Kind::None, 0),
                },
            };
            let kind = if kind != Kind::None && matches!(row.register(gimli::Register(RA)), RegisterRule::Undefined) {
                Kind::End
            } else {
                kind
            };
            let rbp = match (kind, row.register(gimli::Register(RBP))) {
                (Kind::Plt, _) => match row.cfa() {
                    CfaRule::Expression(e) => {
                        e.get(frame).ok().and_then(|x| plt_threshold(x.0.slice())).map_or(0, i16::from)
                    }
                    _ => 0,
                },
                (_, RegisterRule::Offset(o)) => i16::try_from(o).unwrap_or(0),
                _ => 0,
            };
            out.push((row.start_address(), row.end_address(), kind, cfa, rbp));
        }
    }
}

/// The threshold of GNU ld's `.plt` CFA expression: rsp + 8 + (((rip & 15) >= T) << 3), as
/// `DW_OP_breg7 8; DW_OP_breg16 0; DW_OP_lit15; DW_OP_and; DW_OP_litT; DW_OP_ge;
/// DW_OP_lit3; DW_OP_shl; DW_OP_plus` (T = 11 for 16-byte entries, 10 with IBT).
fn plt_threshold(e: &[u8]) -> Option<u8> {
    match e {
        [0x77, 0x08, 0x80, 0x00, 0x3f, 0x1a, lit @ 0x30..=0x4f, 0x2a, 0x33, 0x24, 0x22] => Some(lit - 0x30),
        _ => None,
    }
}

/// Sorted rows with `None` rows in the gaps, adjacent equal rules merged.
fn compact(mut raw: Vec<(u64, u64, Kind, i32, i16)>) -> Vec<Row> {
    raw.sort_by_key(|r| (r.0, r.1));
    let mut out: Vec<Row> = Vec::with_capacity(raw.len());
    let mut covered_to = 0u64;
    for (start, end, kind, cfa, rbp) in raw {
        if end <= start || start < covered_to {
            continue; // empty, or overlapping an earlier FDE: the first wins
        }
        if start > covered_to && !out.is_empty() {
            push(&mut out, Row { start: covered_to, kind: Kind::None, cfa: 0, rbp: 0 });
        }
        push(&mut out, Row { start, kind, cfa, rbp });
        covered_to = end;
    }
    if !out.is_empty() {
        push(&mut out, Row { start: covered_to, kind: Kind::None, cfa: 0, rbp: 0 });
    }
    out
}

fn push(out: &mut Vec<Row>, r: Row) {
    if let Some(last) = out.last_mut() {
        if last.kind == r.kind && last.cfa == r.cfa && last.rbp == r.rbp {
            return;
        }
        if last.start == r.start {
            *last = r;
            return;
        }
    }
    out.push(r);
}

/// The row covering `addr`.
pub fn find(rows: &[Row], addr: u64) -> Option<&Row> {
    let i = rows.partition_point(|r| r.start <= addr);
    (i > 0).then(|| &rows[i - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_executable_rows() {
        let exe = std::env::current_exe().unwrap();
        let data = std::fs::read(&exe).unwrap();
        let rows = rows(&data);
        assert!(rows.len() > 1000, "{} rows", rows.len());
        assert!(rows.windows(2).all(|w| w[0].start < w[1].start));
        // At a function's first instruction the CFA is rsp+8 (the return address only).
        let info = super::super::elf::read(&exe).unwrap();
        let main = info.functions.iter().find(|f| f.name == "main").unwrap();
        let r = find(&rows, main.addr).unwrap();
        assert_eq!((r.kind, r.cfa, r.rbp), (Kind::Rsp, 8, 0));
    }

    #[test]
    fn libc_rows_and_its_outermost_frame() {
        let data = std::fs::read("/lib/x86_64-linux-gnu/libc.so.6").unwrap();
        let rows = rows(&data);
        assert!(rows.len() > 5000, "{} rows", rows.len());
        assert!(rows.iter().any(|r| r.kind == Kind::Rbp && r.cfa == 16 && r.rbp == -16));
        // A thread's first frame: clone3 marks its return address undefined past the syscall.
        let syms = super::super::symbols::symbols(&data);
        let clone3 = syms.iter().find(|s| s.name == "clone3").unwrap();
        let inside = |r: &&Row| r.start >= clone3.addr && r.start < clone3.addr + clone3.size;
        assert!(rows.iter().filter(inside).any(|r| r.kind == Kind::End));
        // Its lazy-binding .plt: GNU ld's CFA expression, recognised.
        assert!(rows.iter().any(|r| r.kind == Kind::Plt && r.cfa == 8 && (r.rbp == 11 || r.rbp == 10)));
    }
}
