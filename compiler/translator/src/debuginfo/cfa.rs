//! The call frame address (CFA) at any instruction of the kernel, from `.debug_frame`:
//! what `DW_OP_call_frame_cfa` (the frame base of every kernel function GCC emits)
//! means at a statement probe, where the stack pointer has moved since the entry.
//! The rule is turned into C over the probe's `struct pt_regs` once, at translate time.

use super::Index;
use gimli::{BaseAddresses, CfaRule, DebugFrame, LittleEndian, UnwindContext, UnwindSection};
use object::{Object, ObjectSection};

/// The CFA at link-time address `addr` as a `u64` C expression over `regs`; None when
/// `.debug_frame` has no rule there or the rule is an expression (not translated).
pub fn cfa_at(ix: &Index, addr: u64, regs: &str) -> Option<String> {
    let data = ix.data().ok()?;
    let obj = object::File::parse(data).ok()?;
    let section = obj.section_by_name(".debug_frame")?.data().ok()?;
    let mut frame = DebugFrame::new(section, LittleEndian);
    frame.set_address_size(8);
    let bases = BaseAddresses::default();
    let mut ctx = Box::new(UnwindContext::new());
    let row = frame.unwind_info_for_address(&bases, &mut ctx, addr, DebugFrame::cie_from_offset).ok()?;
    match row.cfa() {
        CfaRule::RegisterAndOffset { register, offset } => {
            let reg = super::location::x86_64_reg(*register)?;
            Some(format!("((u64){regs}->{reg} + 0x{:x}ULL)", *offset as u64))
        }
        CfaRule::Expression(_) => None,
    }
}
