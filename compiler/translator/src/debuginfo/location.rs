//! DWARF location expressions to C, at translate time. A location expression is a
//! small stack program over the probed task's registers and memory; here it is run
//! symbolically once, each stack slot holding a C expression (a `u64`) over the
//! registers of the probe's context (`c->regs`, a `struct pt_regs *`), so that the
//! module never interprets DWARF. Memory reads inside an expression (`DW_OP_deref`)
//! become non-faulting reads (`rt_tv_read`), which set the hit's error on a fault.
//!
//! Supported: registers (`DW_OP_reg*`, `DW_OP_regx`), register-relative addresses
//! (`DW_OP_breg*`), `DW_OP_fbreg` over the function's frame base, `DW_OP_call_frame_cfa`
//! (at a function's entry on x86-64, the stack pointer + 8: the return address is the
//! only thing pushed), `DW_OP_entry_value` of a register (at the entry, the register
//! itself), constants and arithmetic, `DW_OP_deref`, `DW_OP_stack_value`,
//! `DW_OP_implicit_value` and `DW_OP_piece`. Branches and implicit pointers are refused
//! (the variable then counts as unavailable at that point).

use gimli::{EndianSlice, Encoding, LittleEndian, Operation, Register};

type R<'a> = EndianSlice<'a, LittleEndian>;

/// Where a variable's value is, as C.
#[derive(Debug, Clone, PartialEq)]
pub enum Loc {
    /// The value itself (a register's contents or a computed value), a `u64` C expression.
    Value(String),
    /// In memory at this address (a `u64` C expression).
    Memory(String),
    /// Constant bytes (`DW_OP_implicit_value`), little endian.
    Bytes(Vec<u8>),
    /// Pieces, lowest first: each a location (None: that piece is optimised away) and
    /// its size in bytes.
    Pieces(Vec<(Option<Loc>, u64)>),
}

/// What a location expression may refer to at the probe point.
#[derive(Debug, Clone)]
pub struct Context {
    /// C expression of the registers (`c->regs`).
    pub regs: String,
    /// The probe is at the function's entry (its first instruction): the CFA and
    /// entry values are known from the registers.
    pub at_entry: bool,
    /// The function's frame base (`DW_AT_frame_base`), already translated; None when the
    /// function has none or it is not known here.
    pub frame_base: Option<Loc>,
    /// Away from the entry (statement probes): the call frame address as C, from the
    /// unwinding rules of the probe address (`.debug_frame`, see cfa.rs); None: unknown.
    pub cfa: Option<String>,
    /// Added to `DW_OP_addr` addresses: a user-space file's load bias (`rt_ubias`, PIE
    /// executables and libraries); None: addresses are used as linked.
    pub addr_bias: Option<String>,
}

impl Context {
    pub fn entry(regs: &str) -> Context {
        Context { regs: regs.to_string(), at_entry: true, frame_base: None, cfa: None, addr_bias: None }
    }
}

/// The `struct pt_regs` field of x86-64 DWARF register `r`.
pub fn x86_64_reg(r: Register) -> Option<&'static str> {
    const NAMES: [&str; 17] =
        ["ax", "dx", "cx", "bx", "si", "di", "bp", "sp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "ip"];
    NAMES.get(r.0 as usize).copied()
}

fn reg_c(ctx: &Context, r: Register) -> Result<String, String> {
    match x86_64_reg(r) {
        Some(f) => Ok(format!("((u64){}->{f})", ctx.regs)),
        None => Err(format!("DWARF register {} has no place in struct pt_regs", r.0)),
    }
}

fn lit(v: u64) -> String {
    format!("0x{v:x}ULL")
}

/// Translates one location expression (its bytes, in the unit's encoding).
pub fn translate(bytes: &[u8], encoding: Encoding, ctx: &Context) -> Result<Loc, String> {
    let mut input: R = EndianSlice::new(bytes, LittleEndian);
    let mut ops = Vec::new();
    while !input.is_empty() {
        let op = Operation::parse(&mut input, encoding).map_err(|e| format!("bad DWARF expression: {e}"))?;
        ops.push(op);
    }
    run(&ops, encoding, ctx)
}

fn run(ops: &[Operation<R>], encoding: Encoding, ctx: &Context) -> Result<Loc, String> {
    let mut stack: Vec<String> = Vec::new();
    // A location named by the current piece's operations, before any stack work.
    let mut named: Option<Loc> = None;
    let mut pieces: Vec<(Option<Loc>, u64)> = Vec::new();
    let mut stack_value = false;
    fn pop(stack: &mut Vec<String>) -> Result<String, String> {
        stack.pop().ok_or_else(|| "DWARF expression pops an empty stack".to_string())
    }
    for op in ops {
        match op {
            Operation::Register { register } => named = Some(Loc::Value(reg_c(ctx, *register)?)),
            Operation::RegisterOffset { register, offset, base_type } => {
                if base_type.0 != 0 {
                    return Err("typed DWARF register offsets are not supported".into());
                }
                stack.push(format!("({} + {})", reg_c(ctx, *register)?, lit(*offset as u64)));
            }
            Operation::FrameOffset { offset } => {
                let fb = match &ctx.frame_base {
                    Some(Loc::Memory(a)) => a.clone(),
                    // A frame base named by a register: the register's contents.
                    Some(Loc::Value(v)) => v.clone(),
                    _ => return Err("the function's frame base is not known here".into()),
                };
                stack.push(format!("({fb} + {})", lit(*offset as u64)));
            }
            Operation::CallFrameCFA => {
                if let Some(cfa) = ctx.cfa.as_ref().filter(|_| !ctx.at_entry) {
                    stack.push(cfa.clone());
                } else if !ctx.at_entry {
                    return Err("the call frame address is not known at this address".into());
                } else {
                    stack.push(format!("({} + 8ULL)", reg_c(ctx, Register(7))?));
                }
            }
            Operation::EntryValue { expression } => {
                if !ctx.at_entry {
                    return Err("an entry value is known at the function's entry only".into());
                }
                let mut inner = *expression;
                let mut iops = Vec::new();
                while !inner.is_empty() {
                    iops.push(Operation::parse(&mut inner, encoding).map_err(|e| format!("bad DWARF expression: {e}"))?);
                }
                match iops.as_slice() {
                    [Operation::Register { register }] => stack.push(reg_c(ctx, *register)?),
                    _ => match run(&iops, encoding, ctx)? {
                        Loc::Value(v) => stack.push(v),
                        Loc::Memory(a) => stack.push(format!("rt_tv_read(c, {a}, 8, 0)")),
                        _ => return Err("unsupported DW_OP_entry_value".into()),
                    },
                }
            }
            Operation::UnsignedConstant { value } => stack.push(lit(*value)),
            Operation::SignedConstant { value } => stack.push(lit(*value as u64)),
            Operation::Address { address } => stack.push(match &ctx.addr_bias {
                Some(b) => format!("({} + (u64){b})", lit(*address)),
                None => lit(*address),
            }),
            Operation::PlusConstant { value } => {
                let a = pop(&mut stack)?;
                stack.push(format!("({a} + {})", lit(*value)));
            }
            Operation::Pick { index } => {
                let i = *index as usize;
                if i >= stack.len() {
                    return Err("DWARF expression picks below its stack".into());
                }
                let v = stack[stack.len() - 1 - i].clone();
                stack.push(v);
            }
            Operation::Drop => {
                pop(&mut stack)?;
            }
            Operation::Swap => {
                let a = pop(&mut stack)?;
                let b = pop(&mut stack)?;
                stack.push(a);
                stack.push(b);
            }
            Operation::Rot => {
                let a = pop(&mut stack)?;
                let b = pop(&mut stack)?;
                let c = pop(&mut stack)?;
                stack.push(a);
                stack.push(c);
                stack.push(b);
            }
            Operation::Deref { base_type, size, space } => {
                if base_type.0 != 0 || *space {
                    return Err("typed or address-space DW_OP_deref is not supported".into());
                }
                let a = pop(&mut stack)?;
                stack.push(format!("rt_tv_read(c, {a}, {size}, 0)"));
            }
            Operation::Neg => {
                let a = pop(&mut stack)?;
                stack.push(format!("(-{a})"));
            }
            Operation::Not => {
                let a = pop(&mut stack)?;
                stack.push(format!("(~{a})"));
            }
            Operation::Abs => {
                let a = pop(&mut stack)?;
                stack.push(format!("((s64){a} < 0 ? -{a} : {a})"));
            }
            Operation::Plus
            | Operation::Minus
            | Operation::Mul
            | Operation::And
            | Operation::Or
            | Operation::Xor
            | Operation::Shl
            | Operation::Shr
            | Operation::Shra
            | Operation::Div
            | Operation::Mod
            | Operation::Eq
            | Operation::Ne
            | Operation::Lt
            | Operation::Le
            | Operation::Gt
            | Operation::Ge => {
                let b = pop(&mut stack)?;
                let a = pop(&mut stack)?;
                stack.push(binary(op, &a, &b));
            }
            Operation::StackValue => stack_value = true,
            Operation::ImplicitValue { data } => named = Some(Loc::Bytes(data.to_vec())),
            Operation::Nop => {}
            Operation::Piece { size_in_bits, bit_offset } => {
                if size_in_bits % 8 != 0 || bit_offset.is_some_and(|b| b != 0) {
                    return Err("DWARF bit pieces are not supported".into());
                }
                let loc = finish(&mut stack, named.take(), stack_value)?;
                stack_value = false;
                pieces.push((loc, size_in_bits / 8));
            }
            other => return Err(format!("DWARF operation {other:?} is not supported")),
        }
    }
    if !pieces.is_empty() {
        if !stack.is_empty() || named.is_some() {
            return Err("DWARF expression has operations after its last piece".into());
        }
        return Ok(Loc::Pieces(pieces));
    }
    finish(&mut stack, named, stack_value)?.ok_or_else(|| "empty location: optimised away".to_string())
}

/// The location one piece (or a whole expression) names.
fn finish(stack: &mut Vec<String>, named: Option<Loc>, stack_value: bool) -> Result<Option<Loc>, String> {
    if let Some(l) = named {
        if !stack.is_empty() {
            return Err("DWARF register location with a non-empty stack".into());
        }
        return Ok(Some(l));
    }
    let top = stack.pop();
    stack.clear();
    Ok(top.map(|t| if stack_value { Loc::Value(t) } else { Loc::Memory(t) }))
}

fn binary(op: &Operation<R>, a: &str, b: &str) -> String {
    let cmp = |o: &str| format!("((u64)((s64){a} {o} (s64){b}))");
    match op {
        Operation::Plus => format!("({a} + {b})"),
        Operation::Minus => format!("({a} - {b})"),
        Operation::Mul => format!("({a} * {b})"),
        Operation::And => format!("({a} & {b})"),
        Operation::Or => format!("({a} | {b})"),
        Operation::Xor => format!("({a} ^ {b})"),
        Operation::Shl => format!("({b} < 64 ? {a} << {b} : 0ULL)"),
        Operation::Shr => format!("({b} < 64 ? {a} >> {b} : 0ULL)"),
        Operation::Shra => format!("((u64)((s64){a} >> ({b} < 64 ? {b} : 63)))"),
        // Division by zero is defined in no language: 0, as no fault may happen here.
        Operation::Div => format!("({b} ? (u64)((s64){a} / (s64){b}) : 0ULL)"),
        Operation::Mod => format!("({b} ? {a} % {b} : 0ULL)"),
        Operation::Eq => cmp("=="),
        Operation::Ne => cmp("!="),
        Operation::Lt => cmp("<"),
        Operation::Le => cmp("<="),
        Operation::Gt => cmp(">"),
        Operation::Ge => cmp(">="),
        _ => unreachable!("binary operators only"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc() -> Encoding {
        Encoding { format: gimli::Format::Dwarf32, version: 5, address_size: 8 }
    }

    fn ctx() -> Context {
        Context::entry("c->regs")
    }

    fn tr(bytes: &[u8]) -> Result<Loc, String> {
        translate(bytes, enc(), &ctx())
    }

    #[test]
    fn registers_are_values() {
        // DW_OP_reg5 (rdi)
        assert_eq!(tr(&[0x55]), Ok(Loc::Value("((u64)c->regs->di)".into())));
        // DW_OP_regx 14 (r14)
        assert_eq!(tr(&[0x90, 14]), Ok(Loc::Value("((u64)c->regs->r14)".into())));
        // xmm0 has no place in pt_regs
        assert!(tr(&[0x90, 17]).is_err());
    }

    #[test]
    fn register_relative_is_memory() {
        // DW_OP_breg7 (rsp) +16
        assert_eq!(tr(&[0x77, 16]), Ok(Loc::Memory("(((u64)c->regs->sp) + 0x10ULL)".into())));
        // DW_OP_breg6 (rbp) -8 (SLEB128 0x78)
        assert_eq!(tr(&[0x76, 0x78]), Ok(Loc::Memory("(((u64)c->regs->bp) + 0xfffffffffffffff8ULL)".into())));
    }

    #[test]
    fn frame_base_and_cfa() {
        // DW_OP_call_frame_cfa as the frame base, then DW_OP_fbreg -160 (SLEB128 0xe0 0x7e)
        let fb = tr(&[0x9c]).unwrap();
        assert_eq!(fb, Loc::Memory("(((u64)c->regs->sp) + 8ULL)".into()));
        let c = Context { frame_base: Some(fb), ..ctx() };
        assert_eq!(
            translate(&[0x91, 0xe0, 0x7e], enc(), &c),
            Ok(Loc::Memory("((((u64)c->regs->sp) + 8ULL) + 0xffffffffffffff60ULL)".into()))
        );
        // Without a frame base, fbreg cannot be placed.
        assert!(tr(&[0x91, 0x10]).is_err());
        // Away from the entry, the CFA needs unwinding information: refused.
        let away = Context { at_entry: false, ..ctx() };
        assert!(translate(&[0x9c], enc(), &away).is_err());
    }

    #[test]
    fn entry_values_and_stack_values() {
        // DW_OP_entry_value(DW_OP_reg5), DW_OP_stack_value
        assert_eq!(tr(&[0xa3, 1, 0x55, 0x9f]), Ok(Loc::Value("((u64)c->regs->di)".into())));
        // DW_OP_breg4 (rsi) +0, DW_OP_lit1, DW_OP_plus, DW_OP_stack_value
        assert_eq!(tr(&[0x74, 0, 0x31, 0x22, 0x9f]), Ok(Loc::Value("((((u64)c->regs->si) + 0x0ULL) + 0x1ULL)".into())));
        // DW_OP_lit0 DW_OP_stack_value: a constant
        assert_eq!(tr(&[0x30, 0x9f]), Ok(Loc::Value("0x0ULL".into())));
        // Not at the entry: no entry values.
        let away = Context { at_entry: false, ..ctx() };
        assert!(translate(&[0xa3, 1, 0x55, 0x9f], enc(), &away).is_err());
    }

    #[test]
    fn deref_reads_without_faulting() {
        // DW_OP_breg7 +8, DW_OP_deref: the value stored at rsp+8 is the address
        assert_eq!(tr(&[0x77, 8, 0x06]), Ok(Loc::Memory("rt_tv_read(c, (((u64)c->regs->sp) + 0x8ULL), 8, 0)".into())));
    }

    #[test]
    fn pieces() {
        // DW_OP_reg0 DW_OP_piece 8, DW_OP_reg1 DW_OP_piece 8: a 16-byte value in rax:rdx
        assert_eq!(
            tr(&[0x50, 0x93, 8, 0x51, 0x93, 8]),
            Ok(Loc::Pieces(vec![
                (Some(Loc::Value("((u64)c->regs->ax)".into())), 8),
                (Some(Loc::Value("((u64)c->regs->dx)".into())), 8)
            ]))
        );
        // An empty piece is optimised away; DW_OP_lit7 DW_OP_stack_value DW_OP_piece 4 a constant
        assert_eq!(
            tr(&[0x93, 4, 0x37, 0x9f, 0x93, 4]),
            Ok(Loc::Pieces(vec![(None, 4), (Some(Loc::Value("0x7ULL".into())), 4)]))
        );
    }

    #[test]
    fn implicit_values_and_refusals() {
        // DW_OP_implicit_value 2 bytes
        assert_eq!(tr(&[0x9e, 2, 0x34, 0x12]), Ok(Loc::Bytes(vec![0x34, 0x12])));
        // DW_OP_skip: branches are refused
        assert!(tr(&[0x2f, 0, 0]).is_err());
        // An empty expression: optimised away.
        assert!(tr(&[]).is_err());
    }
}
