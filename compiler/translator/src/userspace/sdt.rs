//! SDT (USDT) markers: `process("PATH").mark("NAME")` and
//! `process("PATH").provider("P").mark("NAME")`, from the `.note.stapsdt` ELF notes that
//! `<sys/sdt.h>` (`STAP_PROBE*`, `DTRACE_PROBE*`) leaves in a program or library.
//!
//! Each note (owner `stapsdt`, type 3) holds the marker's address, the link-time address
//! of `.stapsdt.base` when it was assembled, its semaphore's address (0: none), then the
//! provider, the name and the argument string, NUL-terminated. A file that was moved
//! after linking (prelink) has its `.stapsdt.base` elsewhere: the difference moves the
//! marker and its semaphore too. A marker becomes a uprobe at its nop; a semaphore is
//! the kernel's uprobe reference counter (its file offset), which the kernel increments
//! in every process mapping the file while the probe is registered.
//!
//! The argument string is GNU as operands, one per argument, each `SIZE@OPERAND` (SIZE
//! 1, 2, 4 or 8, negative for signed): `%eax`, `$5`, `-16(%rbp)`, `8(%rax,%rdx,4)`,
//! `sym(%rip)`, `sym+8(%rip)`. [`parse_args`] turns each into a location over the
//! user's `struct pt_regs` (debuginfo/location.rs's [`Loc`]), which target.rs renders
//! with non-faulting user reads; `$argN` are those, `$$name` / `$$provider` the
//! marker's strings, `$$parms` / `$$vars` all arguments as `argN=0x...`.

use super::elf::ElfInfo;
use super::UprobePoint;
use crate::debuginfo::location::Loc;
use crate::debuginfo::target::{Access, End, Node, Scalar};
use crate::debuginfo::index::glob;
use object::{Object, ObjectSection, ObjectSymbol};
use std::collections::HashMap;
use std::path::Path;

/// One `.note.stapsdt` entry, addresses already adjusted for `.stapsdt.base`.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub provider: String,
    pub name: String,
    /// Link-time address of the marker's nop.
    pub pc: u64,
    /// Link-time address of its semaphore (an unsigned short), 0: none.
    pub semaphore: u64,
    pub args: String,
}

/// One argument: how many bytes, signed or not, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    pub size: u8,
    pub signed: bool,
    pub loc: Loc,
}

/// What a marker's probe body can read.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub provider: String,
    pub name: String,
    pub args: Vec<Arg>,
}

const NT_STAPSDT: u32 = 3;

/// The markers of an ELF file's `.note.stapsdt` section (none without one).
pub fn notes(data: &[u8]) -> Result<Vec<Note>, String> {
    let obj = object::File::parse(data).map_err(|e| format!("not an ELF file: {e}"))?;
    let base_now = obj.section_by_name(".stapsdt.base").map(|s| s.address());
    let Some(sec) = obj.section_by_name(".note.stapsdt") else { return Ok(vec![]) };
    let bytes = sec.data().map_err(|e| format!(".note.stapsdt: {e}"))?;
    let mut out = Vec::new();
    let (mut at, align4) = (0usize, |n: usize| (n + 3) & !3);
    let u32_at = |b: &[u8], i: usize| b.get(i..i + 4).map(|x| u32::from_le_bytes(x.try_into().unwrap()));
    let u64_at = |b: &[u8], i: usize| b.get(i..i + 8).map(|x| u64::from_le_bytes(x.try_into().unwrap()));
    while at + 12 <= bytes.len() {
        let bad = || ".note.stapsdt: a note runs past the section".to_string();
        let namesz = u32_at(bytes, at).ok_or_else(bad)? as usize;
        let descsz = u32_at(bytes, at + 4).ok_or_else(bad)? as usize;
        let ty = u32_at(bytes, at + 8).ok_or_else(bad)?;
        let name_at = at + 12;
        let desc_at = name_at + align4(namesz);
        let desc = bytes.get(desc_at..desc_at + descsz).ok_or_else(bad)?;
        let owner = bytes.get(name_at..name_at + namesz).ok_or_else(bad)?;
        at = desc_at + align4(descsz);
        if owner != b"stapsdt\0" || ty != NT_STAPSDT || desc.len() < 24 {
            continue;
        }
        let (pc, base, sem) = (u64_at(desc, 0).unwrap(), u64_at(desc, 8).unwrap(), u64_at(desc, 16).unwrap());
        let mut strs = desc[24..].split(|&b| b == 0).map(|s| String::from_utf8_lossy(s).into_owned());
        let (provider, name, args) = (strs.next().unwrap_or_default(), strs.next().unwrap_or_default(), strs.next().unwrap_or_default());
        // Where `.stapsdt.base` is now, against where the note says it was.
        let delta = base_now.filter(|_| base != 0).map_or(0, |now| now.wrapping_sub(base));
        out.push(Note {
            provider,
            name,
            pc: pc.wrapping_add(delta),
            semaphore: if sem == 0 { 0 } else { sem.wrapping_add(delta) },
            args,
        });
    }
    Ok(out)
}

/// Every symbol with an address (static and dynamic tables): what `sym(%rip)` names.
fn symbols(data: &[u8]) -> HashMap<String, u64> {
    let mut map = HashMap::new();
    if let Ok(obj) = object::File::parse(data) {
        for s in obj.symbols().chain(obj.dynamic_symbols()) {
            if let (false, Ok(n)) = (s.is_undefined(), s.name()) {
                if !n.is_empty() {
                    map.entry(n.to_string()).or_insert(s.address());
                }
            }
        }
    }
    map
}

/// An x86-64 register name (without `%`): its `struct pt_regs` field, width in bytes,
/// and whether it is a high byte (`%ah`).
fn register(r: &str) -> Option<(&'static str, u8, bool)> {
    const FULL: [(&str, &str); 8] =
        [("ax", "ax"), ("bx", "bx"), ("cx", "cx"), ("dx", "dx"), ("si", "si"), ("di", "di"), ("bp", "bp"), ("sp", "sp")];
    const NUM: [&str; 8] = ["r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];
    if r == "rip" {
        return Some(("ip", 8, false));
    }
    for (name, field) in FULL {
        let low8 = match name {
            "ax" | "bx" | "cx" | "dx" => format!("{}l", &name[..1]),
            _ => format!("{name}l"),
        };
        if r == format!("r{name}") {
            return Some((field, 8, false));
        } else if r == format!("e{name}") {
            return Some((field, 4, false));
        } else if r == name {
            return Some((field, 2, false));
        } else if r == low8 {
            return Some((field, 1, false));
        } else if matches!(name, "ax" | "bx" | "cx" | "dx") && r == format!("{}h", &name[..1]) {
            return Some((field, 1, true));
        }
    }
    for field in NUM {
        let Some(tail) = r.strip_prefix(field) else { continue };
        return match tail {
            "" => Some((field, 8, false)),
            "d" => Some((field, 4, false)),
            "w" => Some((field, 2, false)),
            "b" | "l" => Some((field, 1, false)),
            _ => None,
        };
    }
    None
}

/// A register's value as a `u64` C expression, cut to its width.
fn register_c(r: &str) -> Result<String, String> {
    let (field, width, high) = register(r).ok_or_else(|| format!("unknown register %{r}"))?;
    Ok(match (width, high) {
        (_, true) => format!("((u64)(u8)(c->regs->{field} >> 8))"),
        (8, _) => format!("((u64)c->regs->{field})"),
        (w, _) => format!("((u64)(u{})c->regs->{field})", w as u32 * 8),
    })
}

/// A number as GNU as writes it: decimal or 0x hex, optionally negative.
fn number(s: &str) -> Option<i64> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let v = match digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16).ok()? as i64,
        None => digits.parse::<u64>().ok()? as i64,
    };
    Some(if neg { v.wrapping_neg() } else { v })
}

/// A displacement: a number, or `sym`, `sym+N`, `sym-N` (symbol addresses move with the
/// file's load bias). C of the displacement as `u64`.
fn displacement(d: &str, syms: &HashMap<String, u64>) -> Result<String, String> {
    if d.is_empty() {
        return Ok("0ULL".into());
    }
    if let Some(n) = number(d) {
        return Ok(format!("0x{:x}ULL", n as u64));
    }
    let split = d.char_indices().skip(1).find(|(_, c)| *c == '+' || *c == '-').map(|(i, _)| i);
    let (sym, off) = match split {
        Some(i) => (&d[..i], number(&d[i..]).ok_or_else(|| format!("bad displacement '{d}'"))?),
        None => (d, 0),
    };
    let addr = syms.get(sym).ok_or_else(|| format!("symbol '{sym}' is not in the file's symbol tables"))?;
    Ok(format!("(__this_cpu_read(rt_ubias) + 0x{:x}ULL)", addr.wrapping_add(off as u64)))
}

/// One operand (after `SIZE@`) as a location.
fn operand(op: &str, syms: &HashMap<String, u64>) -> Result<Loc, String> {
    if let Some(r) = op.strip_prefix('%') {
        if r.contains(':') {
            return Err(format!("segment-relative operand '{op}' is not supported"));
        }
        return Ok(Loc::Value(register_c(r)?));
    }
    if let Some(k) = op.strip_prefix('$') {
        let n = number(k).ok_or_else(|| format!("constant '{op}' is not a number"))?;
        return Ok(Loc::Value(format!("0x{:x}ULL", n as u64)));
    }
    let Some(open) = op.find('(') else {
        // A bare address: `sym` or a number (absolute addressing).
        return Ok(Loc::Memory(displacement(op, syms)?));
    };
    let inner = op[open..].strip_prefix('(').and_then(|s| s.strip_suffix(')')).ok_or_else(|| format!("bad operand '{op}'"))?;
    let disp = &op[..open];
    let parts: Vec<&str> = inner.split(',').map(str::trim).collect();
    let base = parts.first().copied().unwrap_or("");
    if base == "%rip" {
        if parts.len() != 1 || number(disp).is_some() {
            return Err(format!("'{op}': only symbolic %rip-relative operands are supported"));
        }
        // `sym(%rip)` is sym's address, whatever the instruction.
        return Ok(Loc::Memory(displacement(disp, syms)?));
    }
    let mut addr = displacement(disp, syms)?;
    if !base.is_empty() {
        let r = base.strip_prefix('%').ok_or_else(|| format!("bad base register in '{op}'"))?;
        addr = format!("({addr} + {})", register_c(r)?);
    }
    if let Some(index) = parts.get(1) {
        let r = index.strip_prefix('%').ok_or_else(|| format!("bad index register in '{op}'"))?;
        let scale = parts.get(2).map_or(Some(1), |s| number(s)).filter(|s| [1, 2, 4, 8].contains(s));
        let scale = scale.ok_or_else(|| format!("bad scale in '{op}'"))?;
        addr = format!("({addr} + {} * {scale}ULL)", register_c(r)?);
    }
    if parts.len() > 3 {
        return Err(format!("bad operand '{op}'"));
    }
    Ok(Loc::Memory(addr))
}

/// A marker's argument string, each `[-]SIZE@OPERAND` (an old-style operand without a
/// size is a signed 8-byte value).
pub fn parse_args(text: &str, syms: &HashMap<String, u64>) -> Result<Vec<Arg>, String> {
    let mut out = Vec::new();
    for word in text.split_whitespace() {
        let (size, op) = match word.split_once('@') {
            Some((n, op)) if number(n).is_some() => (number(n).unwrap(), op),
            _ => (-8, word),
        };
        let signed = size < 0;
        let size = size.unsigned_abs();
        if ![1, 2, 4, 8].contains(&size) {
            return Err(format!("argument '{word}': size {size} is not 1, 2, 4 or 8"));
        }
        let loc = operand(op, syms).map_err(|e| format!("argument '{word}': {e}"))?;
        out.push(Arg { size: size as u8, signed, loc });
    }
    Ok(out)
}

/// SystemTap's name matching for markers: a `-` in the pattern stands for the `__` that
/// dtrace-generated headers write (`function-entry` finds `function__entry`).
fn name_matches(pat: &str, name: &str) -> bool {
    glob(pat, name) || glob(&pat.replace('-', "__"), name)
}

/// `process("PATH")[.provider("P")].mark("NAME")`: the matching markers of `path`, each a
/// uprobe with its semaphore's file offset and its [`Marker`], and its `pp()`.
pub fn marks(
    path: &Path,
    elf: &ElfInfo,
    provider: Option<&str>,
    name: &str,
    pid: Option<i64>,
    head: &str,
) -> Result<Vec<(UprobePoint, String)>, String> {
    let data = std::fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let notes = notes(&data).map_err(|e| format!("{}: {e}", path.display()))?;
    let syms = symbols(&data);
    let wild = name.contains(['*', '?', '[']) || provider.is_some_and(|p| p.contains(['*', '?', '[']));
    let mut out = Vec::new();
    for n in notes {
        if !provider.is_none_or(|p| name_matches(p, &n.provider)) || !name_matches(name, &n.name) {
            continue;
        }
        let args = parse_args(&n.args, &syms).map_err(|e| format!("marker {}:{} in {}: {e}", n.provider, n.name, path.display()))?;
        let offset = elf.offset_of(n.pc).ok_or_else(|| format!("marker {}:{} at {:#x} is outside {}'s loaded segments", n.provider, n.name, n.pc, path.display()))?;
        let ref_ctr = match n.semaphore {
            0 => 0,
            s => elf.offset_of(s).ok_or_else(|| format!("the semaphore of marker {}:{} at {s:#x} is outside {}'s loaded segments", n.provider, n.name, path.display()))?,
        };
        let pp = match provider {
            Some(_) => format!("{head}.provider(\"{}\").mark(\"{}\")", n.provider, n.name),
            None => format!("{head}.mark(\"{}\")", n.name),
        };
        let marker = Marker { provider: n.provider, name: n.name, args };
        let up = UprobePoint {
            path: path.display().to_string(),
            offset,
            vaddr: n.pc,
            ret: false,
            pid,
            optional: wild,
            site: None,
            ref_ctr,
            mark: Some(Box::new(marker)),
            plt: None,
            exe: None,
        };
        out.push((up, pp));
    }
    if out.is_empty() && !wild {
        let what = match provider {
            Some(p) => format!("provider(\"{p}\").mark(\"{name}\")"),
            None => format!("mark(\"{name}\")"),
        };
        return Err(format!("no SDT marker matches {what} in {} (its .note.stapsdt notes)", path.display()));
    }
    Ok(out)
}

/// The access reading argument `a` (`$argN`), or its printed form (`$argN$`).
pub fn arg_access(a: &Arg, pretty: bool) -> Access {
    let sc = Scalar { size: a.size, signed: a.signed, bits: None };
    let end = match (pretty, &a.loc) {
        (false, _) => End::Scalar(sc),
        (true, Loc::Memory(_)) => End::Pretty(vec![Node::Num { off: 0, sc, fmt: crate::debuginfo::target::Fmt::Dec }]),
        (true, _) => End::Pretty(vec![Node::Value { sc, fmt: crate::debuginfo::target::Fmt::Dec }]),
    };
    Access { base: a.loc.clone(), steps: vec![], end }
}

/// A constant string as an access (`$$name`, `$$provider`).
pub fn text_access(s: &str) -> Access {
    Access { base: Loc::Value("0ULL".into()), steps: vec![], end: End::Pretty(vec![Node::Text(s.to_string())]) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Loc {
        let syms = HashMap::from([("counter".to_string(), 0x4010u64)]);
        let v = parse_args(text, &syms).unwrap();
        assert_eq!(v.len(), 1);
        v[0].loc.clone()
    }

    #[test]
    fn operands() {
        assert_eq!(one("-4@%eax"), Loc::Value("((u64)(u32)c->regs->ax)".into()));
        assert_eq!(one("8@%rdx"), Loc::Value("((u64)c->regs->dx)".into()));
        assert_eq!(one("1@%sil"), Loc::Value("((u64)(u8)c->regs->si)".into()));
        assert_eq!(one("1@%ah"), Loc::Value("((u64)(u8)(c->regs->ax >> 8))".into()));
        assert_eq!(one("2@%r9w"), Loc::Value("((u64)(u16)c->regs->r9)".into()));
        assert_eq!(one("4@$5"), Loc::Value("0x5ULL".into()));
        assert_eq!(one("-4@$-3"), Loc::Value("0xfffffffffffffffdULL".into()));
        assert_eq!(one("8@-16(%rbp)"), Loc::Memory("(0xfffffffffffffff0ULL + ((u64)c->regs->bp))".into()));
        assert_eq!(one("8@(%rsp)"), Loc::Memory("(0ULL + ((u64)c->regs->sp))".into()));
        assert_eq!(one("4@8(%rax,%rdx,4)"), Loc::Memory("((0x8ULL + ((u64)c->regs->ax)) + ((u64)c->regs->dx) * 4ULL)".into()));
        assert_eq!(one("8@counter(%rip)"), Loc::Memory("(__this_cpu_read(rt_ubias) + 0x4010ULL)".into()));
        assert_eq!(one("8@counter+8(%rip)"), Loc::Memory("(__this_cpu_read(rt_ubias) + 0x4018ULL)".into()));
        let v = parse_args("-4@%eax 8@%rdx 2@$7", &HashMap::new()).unwrap();
        assert_eq!((v[0].size, v[0].signed, v[1].size, v[1].signed, v[2].size), (4, true, 8, false, 2));
        assert!(parse_args("3@%eax", &HashMap::new()).is_err());
        assert!(parse_args("8@nosuch(%rip)", &HashMap::new()).is_err());
        assert!(parse_args("8@%fs:0x28", &HashMap::new()).is_err());
    }

    #[test]
    fn dtrace_names() {
        assert!(name_matches("function-entry", "function__entry"));
        assert!(name_matches("function__*", "function__entry"));
        assert!(!name_matches("entry", "function__entry"));
    }
}
