//! The call frame address (CFA) at any instruction of the kernel, from `.debug_frame`:
//! what `DW_OP_call_frame_cfa` (the frame base of every kernel function GCC emits)
//! means at a statement probe, where the stack pointer has moved since the entry.
//! The rule is turned into C over the probe's `struct pt_regs` once, at translate time.
//! User-space programs usually carry `.eh_frame` only: it is read when `.debug_frame` is
//! absent.

use super::Index;
use gimli::{BaseAddresses, CfaRule, DebugFrame, EhFrame, LittleEndian, UnwindContext, UnwindSection};
use object::{Object, ObjectSection};

/// The CFA at link-time address `addr` as a `u64` C expression over `regs`; None when
/// `.debug_frame` has no rule there or the rule is an expression (not translated).
pub fn cfa_at(ix: &Index, addr: u64, regs: &str) -> Option<String> {
    let data = ix.data().ok()?;
    let obj = object::File::parse(data).ok()?;
    let mut ctx = Box::new(UnwindContext::new());
    let row = match obj.section_by_name(".debug_frame").and_then(|s| s.data().ok()) {
        Some(section) => {
            let mut frame = DebugFrame::new(section, LittleEndian);
            frame.set_address_size(8);
            let bases = BaseAddresses::default();
            frame.unwind_info_for_address(&bases, &mut ctx, addr, DebugFrame::cie_from_offset).ok()?.clone()
        }
        None => {
            // .eh_frame's pointers may be pc-relative: its own address is the base.
            let sec = obj.section_by_name(".eh_frame")?;
            let frame = EhFrame::new(sec.data().ok()?, LittleEndian);
            let mut bases = BaseAddresses::default().set_eh_frame(sec.address());
            if let Some(text) = obj.section_by_name(".text") {
                bases = bases.set_text(text.address());
            }
            frame.unwind_info_for_address(&bases, &mut ctx, addr, EhFrame::cie_from_offset).ok()?.clone()
        }
    };
    match row.cfa() {
        CfaRule::RegisterAndOffset { register, offset } => {
            let reg = super::location::x86_64_reg(*register)?;
            Some(format!("((u64){regs}->{reg} + 0x{:x}ULL)", *offset as u64))
        }
        CfaRule::Expression(_) => None,
    }
}
