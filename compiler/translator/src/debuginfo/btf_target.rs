//! Target variables of a kernel function from its BTF, when the kernel has no DWARF:
//! the parameters only (BTF has no locals, lines or locations), each placed by the
//! x86-64 SysV ABI at the function's entry (rdi, rsi, rdx, rcx, r8, r9, then the stack
//! above the return address). Types, member offsets, bit-fields and strides come from
//! the BTF. The result is the same plan as the DWARF path's ([`Access`], [`AllVars`]),
//! so the C it renders, the runtime helpers it calls (non-faulting reads) and the
//! pretty-printing are shared with target.rs.

use super::btf::{Btf, Kind};
use super::location::Loc;
use super::resolve::Site;
use super::target::{Access, AllVars, End, Error, Fmt, Node, Request, Scalar, Seg, Step, Which};

/// The argument registers of the x86-64 SysV ABI, as `struct pt_regs` fields.
const ARG_REGS: [&str; 6] = ["di", "si", "dx", "cx", "r8", "r9"];

/// What a kernel.function site without DWARF says about locals.
pub const NO_LOCALS: &str = "locals need debuginfo: without the kernel's DWARF, BTF describes only the function's parameters";

/// A member found: its type, byte offset, and bit-field (bit in the first byte, width).
type Found = (u32, u64, Option<(u32, u32)>);

/// One function's BTF, for its target variables.
pub struct BtfFunc<'a> {
    btf: &'a Btf,
    func: u32,
}

/// A parameter: its name, type and where it is at the entry (Err: why it cannot be read).
struct Param {
    name: String,
    ty: u32,
    loc: Result<Loc, String>,
}

/// Opens `site`'s BTF (`site.die` is the FUNC's type id) and calls `f` with the function.
pub fn with_btf_func<T>(site: &Site, f: impl FnOnce(&BtfFunc) -> Result<T, Error>) -> Result<T, Error> {
    let super::Object::Kernel { release, .. } = &site.object else {
        return Err(Error::Other("BTF describes the kernel's functions only".into()));
    };
    let btf = super::btf_source::kernel_btf(release).map_err(|e| Error::Other(format!("{e:#}")))?;
    let func = BtfFunc { btf: &btf, func: site.die as u32 };
    f(&func)
}

impl<'a> BtfFunc<'a> {
    /// The parameters with their places at the entry, by the SysV classification of
    /// INTEGER arguments: a scalar or pointer takes one register; an aggregate of at most
    /// 16 bytes takes as many as it has eightbytes when they are all free, else it goes
    /// on the stack (and so does a larger one).
    fn params(&self) -> Vec<Param> {
        let Some((_, params)) = self.btf.proto(self.func) else { return vec![] };
        let (mut reg, mut slot) = (0usize, 0u64);
        let mut out = Vec::new();
        for (name, ty) in params {
            if *ty == 0 {
                break; // `...`
            }
            let size = self.btf.size_of(*ty).unwrap_or(8);
            let t = self.btf.strip(*ty);
            let aggregate = matches!(self.btf.get(t).kind, Kind::Struct { .. } | Kind::Union { .. });
            let float = matches!(self.btf.get(t).kind, Kind::Float { .. });
            let words = size.div_ceil(8).max(1) as usize;
            let loc = if float {
                Err(format!("${name} is a floating-point argument (passed in SSE registers): not readable"))
            } else if (size <= 16 || !aggregate) && reg + words <= ARG_REGS.len() {
                reg += words;
                if words == 1 {
                    Ok(Loc::Value(format!("((u64)c->regs->{})", ARG_REGS[reg - 1])))
                } else {
                    Err(format!(
                        "${name} is a '{}' passed by value in two registers: not supported without debuginfo",
                        self.btf.type_name(*ty)
                    ))
                }
            } else {
                let at = 8 + slot * 8;
                slot += words as u64;
                if aggregate {
                    Err(format!(
                        "${name} is a '{}' of {size} bytes passed by value on the stack: not supported without debuginfo",
                        self.btf.type_name(*ty)
                    ))
                } else {
                    // At the entry the return address is at sp; the stack arguments follow.
                    Ok(Loc::Memory(format!("(((u64)c->regs->sp) + {at}ULL)")))
                }
            };
            out.push(Param { name: name.clone(), ty: *ty, loc });
        }
        out
    }

    /// The parameters with their C type names, as `-L` prints them.
    pub fn visible(&self) -> Vec<(String, String)> {
        self.params().into_iter().map(|p| (p.name, self.btf.type_name(p.ty))).collect()
    }

    /// The return type's C name; None for `void`.
    pub fn return_type(&self) -> Option<String> {
        let ret = self.btf.proto(self.func)?.0;
        (ret != 0).then(|| self.btf.type_name(ret))
    }

    /// `$name->path...` at the entry.
    pub fn access(&self, req: &Request, max_string: usize) -> Result<Access, Error> {
        let params = self.params();
        let Some(p) = params.iter().find(|p| p.name == req.name) else {
            return Err(Error::NotParameter { params: params.iter().map(|p| p.name.clone()).collect() });
        };
        let base = p.loc.clone().map_err(Error::Other)?;
        self.build(&format!("${}", req.name), base, p.ty, req, max_string)
    }

    /// `$return` in a .return probe: the return register, typed by the prototype.
    pub fn return_value(&self, req: &Request, max_string: usize) -> Result<Access, Error> {
        let ret = self.btf.proto(self.func).map(|p| p.0).unwrap_or(0);
        if ret == 0 {
            return Err(Error::Other("the function returns nothing: there is no $return".into()));
        }
        self.build("$return", Loc::Value("((u64)regs_return_value(c->regs))".into()), ret, req, max_string)
    }

    /// `$$parms` (and `$$vars`, which without DWARF knows the parameters only); `$$locals`
    /// is an error.
    pub fn all(&self, which: Which, pretty: u8, max_string: usize) -> Result<AllVars, Error> {
        if which == Which::Locals {
            return Err(Error::Other(format!("$$locals: {NO_LOCALS}")));
        }
        let mut out = Vec::new();
        for p in self.params() {
            let req = Request { name: p.name.clone(), path: vec![], pretty, addr_of: false };
            let t = self.btf.strip(p.ty);
            let aggregate = matches!(self.btf.get(t).kind, Kind::Struct { .. } | Kind::Union { .. } | Kind::Array { .. });
            let acc = match p.loc {
                Err(_) => None,
                Ok(_) if pretty == 0 && aggregate => Some(Access {
                    base: Loc::Value("0".into()),
                    steps: vec![],
                    end: End::Pretty(vec![Node::Text("{...}".into())]),
                }),
                Ok(loc) => self.build(&format!("${}", p.name), loc, p.ty, &req, max_string / 2).ok(),
            };
            out.push((p.name, acc));
        }
        Ok(AllVars { vars: out, pretty })
    }

    // ---- types ----

    fn kind(&self, t: u32) -> &Kind {
        &self.btf.get(t).kind
    }

    fn name(&self, t: u32) -> String {
        self.btf.type_name(t)
    }

    fn is_char(&self, t: u32) -> bool {
        let t = self.btf.strip(t);
        let ty = self.btf.get(t);
        matches!(ty.kind, Kind::Int { size: 1, char, bool_: false, .. } if char || ty.name.contains("char"))
    }

    fn scalar(&self, t: u32) -> Option<Scalar> {
        match self.kind(self.btf.strip(t)) {
            Kind::Ptr(_) => Some(Scalar { size: 8, signed: false, bits: None }),
            Kind::Int { size, signed, .. } if (1..=8).contains(size) => Some(Scalar { size: *size as u8, signed: *signed, bits: None }),
            Kind::Enum { size, signed } => Some(Scalar { size: (*size).clamp(1, 8) as u8, signed: *signed, bits: None }),
            _ => None,
        }
    }

    /// `name` in a struct or union, through anonymous members: (type, byte offset, bits).
    fn member(&self, t: u32, name: &str) -> Option<Found> {
        let (Kind::Struct { members, .. } | Kind::Union { members, .. }) = self.kind(t) else { return None };
        for m in members {
            if m.name == name {
                let bits = (m.bits > 0).then_some((m.bit_off % 8, m.bits));
                return Some((m.ty, (m.bit_off / 8) as u64, bits));
            }
            if m.name.is_empty() {
                if let Some((ty, off, bits)) = self.member(self.btf.strip(m.ty), name) {
                    return Some((ty, (m.bit_off / 8) as u64 + off, bits));
                }
            }
        }
        None
    }

    fn member_names(&self, t: u32, out: &mut Vec<String>) {
        if let Kind::Struct { members, .. } | Kind::Union { members, .. } = self.kind(t) {
            for m in members {
                if m.name.is_empty() {
                    self.member_names(self.btf.strip(m.ty), out);
                } else {
                    out.push(m.name.clone());
                }
            }
        }
    }

    /// The smallest read holding a bit-field that starts `bit` bits into its first byte.
    fn bits_size(bit: u32, width: u32) -> u8 {
        [1u8, 2, 4, 8].into_iter().find(|s| (*s as u32) * 8 >= bit + width).unwrap_or(8)
    }

    // ---- the access, as target.rs builds it from DWARF ----

    fn build(&self, what: &str, base: Loc, ty: u32, req: &Request, max_string: usize) -> Result<Access, Error> {
        let mut steps = Vec::new();
        let mut in_memory = matches!(base, Loc::Memory(_));
        let mut bits: Option<(u32, u32)> = None;
        let mut shown = what.to_string();
        let mut ty = ty;
        for seg in &req.path {
            let t = self.btf.strip(ty);
            if matches!(self.kind(t), Kind::Void) {
                return Err(Error::Other(format!("{shown} has type void: nothing to follow")));
            }
            match seg {
                Seg::Member(name) => {
                    let mut agg = t;
                    if let Kind::Ptr(to) = self.kind(t) {
                        if in_memory {
                            steps.push(Step::LoadPointer);
                        }
                        steps.push(Step::ToAddr);
                        in_memory = true;
                        agg = self.btf.strip(*to);
                        if matches!(self.kind(agg), Kind::Void) {
                            return Err(Error::Other(format!("{shown} is a void pointer: '->{name}' needs @cast to a type")));
                        }
                    }
                    match self.kind(agg) {
                        Kind::Struct { .. } | Kind::Union { .. } => {}
                        Kind::Fwd { .. } => {
                            return Err(Error::Other(format!("'{}' is only declared in the kernel's BTF", self.name(agg))))
                        }
                        _ => {
                            return Err(Error::Other(format!("{shown} is '{}': it has no members ('->{name}')", self.name(agg))))
                        }
                    }
                    if !in_memory {
                        return Err(Error::Other(format!("{shown} is held in registers: its members cannot be read")));
                    }
                    let Some((mty, off, mbits)) = self.member(agg, name) else {
                        let mut names = Vec::new();
                        self.member_names(agg, &mut names);
                        let near = crate::diag::closest(name, names.iter().map(String::as_str));
                        let hint = near.map(|n| format!(" (did you mean '{n}'?)")).unwrap_or_default();
                        return Err(Error::Other(format!("'{}' has no member '{name}'{hint}", self.name(agg))));
                    };
                    if off != 0 {
                        steps.push(Step::Offset(off));
                    }
                    ty = mty;
                    bits = mbits;
                    shown = format!("{shown}->{name}");
                }
                Seg::Index(hole) => {
                    if bits.is_some() {
                        return Err(Error::Other(format!("{shown} is a bit-field: it cannot be indexed")));
                    }
                    match self.kind(t).clone() {
                        Kind::Ptr(elem) => {
                            let stride = self.btf.size_of(elem).filter(|s| *s > 0).ok_or_else(|| {
                                Error::Other(format!("{shown} points to '{}', which has no size to index by", self.name(elem)))
                            })?;
                            if in_memory {
                                steps.push(Step::LoadPointer);
                            }
                            steps.push(Step::ToAddr);
                            in_memory = true;
                            steps.push(Step::Index { stride, hole: *hole });
                            ty = elem;
                        }
                        Kind::Array { elem, .. } => {
                            if !in_memory {
                                return Err(Error::Other(format!("{shown} is held in registers: it cannot be indexed")));
                            }
                            // A multi-dimensional array is an array of arrays: one index
                            // strides over one row.
                            let stride = self.btf.size_of(elem).unwrap_or(0);
                            if stride == 0 {
                                return Err(Error::Other(format!("{shown}: elements of unknown size")));
                            }
                            steps.push(Step::Index { stride, hole: *hole });
                            ty = elem;
                        }
                        _ => return Err(Error::Other(format!("{shown} is '{}': it cannot be indexed", self.name(t)))),
                    }
                    shown = format!("{shown}[...]");
                }
            }
        }
        if req.addr_of {
            if !in_memory {
                return Err(Error::Other(format!("{shown} is held in a register: it has no address")));
            }
            if bits.is_some() {
                return Err(Error::Other(format!("{shown} is a bit-field: it has no address")));
            }
            return Ok(Access { base, steps, end: End::Address });
        }
        let t = self.btf.strip(ty);
        let with_bits = |mut sc: Scalar| {
            if let Some((bit, width)) = bits {
                sc.bits = bits;
                sc.size = Self::bits_size(bit, width);
            }
            sc
        };
        if req.pretty > 0 {
            let mut nodes = Vec::new();
            let mut budget = max_string as i64;
            match self.kind(t).clone() {
                Kind::Ptr(to) if !self.is_char(to) => {
                    let to = self.btf.strip(to);
                    if matches!(self.kind(to), Kind::Struct { .. } | Kind::Union { .. }) {
                        if in_memory {
                            steps.push(Step::LoadPointer);
                        }
                        steps.push(Step::ToAddr);
                        self.pretty_struct(to, 0, req.pretty, &mut nodes, &mut budget, 0);
                    } else if in_memory {
                        nodes.push(Node::Num { off: 0, sc: Scalar { size: 8, signed: false, bits: None }, fmt: Fmt::Hex });
                    } else {
                        nodes.push(Node::Value { sc: Scalar { size: 8, signed: false, bits: None }, fmt: Fmt::Hex });
                    }
                }
                Kind::Ptr(_) => nodes.push(Node::CharPtr { off: 0, at_value: !in_memory }),
                Kind::Struct { .. } | Kind::Union { .. } | Kind::Array { .. } => {
                    if !in_memory {
                        return Err(Error::Other(format!("{shown} is held in registers: it cannot be printed")));
                    }
                    self.pretty_value(t, 0, req.pretty, &mut nodes, &mut budget, 0);
                }
                _ => {
                    let sc = self.scalar(ty).ok_or_else(|| {
                        Error::Other(format!("{shown} has type '{}', which cannot be printed", self.name(ty)))
                    })?;
                    let sc = with_bits(sc);
                    let fmt = if self.is_char(ty) { Fmt::Char } else { Fmt::Dec };
                    nodes.push(if in_memory { Node::Num { off: 0, sc, fmt } } else { Node::Value { sc, fmt } });
                }
            }
            return Ok(Access { base, steps, end: End::Pretty(nodes) });
        }
        match self.kind(t) {
            Kind::Array { .. } if in_memory => Ok(Access { base, steps, end: End::Address }),
            Kind::Struct { .. } | Kind::Union { .. } => Err(Error::Other(format!(
                "{shown} is a '{}': it has no value as a number (use a member, '&' for its address, or '$' to print it)",
                self.name(ty)
            ))),
            _ => {
                let sc = self.scalar(ty).ok_or_else(|| {
                    Error::Other(format!("{shown} has type '{}', which has no value as a number", self.name(ty)))
                })?;
                Ok(Access { base, steps, end: End::Scalar(with_bits(sc)) })
            }
        }
    }

    fn pretty_value(&self, t: u32, off: u64, depth: u8, out: &mut Vec<Node>, budget: &mut i64, level: u32) {
        let t = self.btf.strip(t);
        match self.kind(t).clone() {
            Kind::Struct { .. } | Kind::Union { .. } => {
                if level > 0 && depth < 2 || level > 8 {
                    out.push(Node::Text("{...}".into()));
                } else {
                    self.pretty_struct(t, off, depth, out, budget, level)
                }
            }
            Kind::Array { elem, n } => {
                if self.is_char(elem) {
                    return out.push(Node::Chars { off, len: n as u64 });
                }
                let nested = matches!(self.kind(self.btf.strip(elem)), Kind::Array { .. });
                if level > 0 && depth < 2 || nested || level > 8 {
                    return out.push(Node::Text("[...]".into()));
                }
                let size = self.btf.size_of(elem).unwrap_or(0);
                out.push(Node::Text("[".into()));
                for i in 0..n as u64 {
                    if *budget <= 0 {
                        break;
                    }
                    if i > 0 {
                        out.push(Node::Text(", ".into()));
                    }
                    *budget -= 3;
                    self.pretty_value(elem, off + i * size, depth, out, budget, level + 1);
                }
                out.push(Node::Text("]".into()));
            }
            Kind::Ptr(to) => {
                if self.is_char(to) {
                    out.push(Node::CharPtr { off, at_value: false })
                } else {
                    out.push(Node::Num { off, sc: Scalar { size: 8, signed: false, bits: None }, fmt: Fmt::Hex })
                }
            }
            _ => match self.scalar(t) {
                Some(sc) => out.push(Node::Num { off, sc, fmt: if self.is_char(t) { Fmt::Char } else { Fmt::Dec } }),
                None => out.push(Node::Text("?".into())),
            },
        }
    }

    fn pretty_struct(&self, t: u32, off: u64, depth: u8, out: &mut Vec<Node>, budget: &mut i64, level: u32) {
        out.push(Node::Text("{".into()));
        let mut first = true;
        self.pretty_members(t, off, depth, out, budget, level, &mut first);
        out.push(Node::Text("}".into()));
    }

    #[allow(clippy::too_many_arguments)]
    fn pretty_members(&self, t: u32, off: u64, depth: u8, out: &mut Vec<Node>, budget: &mut i64, level: u32, first: &mut bool) {
        let (Kind::Struct { members, .. } | Kind::Union { members, .. }) = self.kind(t) else { return };
        for m in members {
            if *budget <= 0 {
                return;
            }
            let moff = (m.bit_off / 8) as u64;
            if m.name.is_empty() {
                // An anonymous struct or union: its members print as the parent's.
                self.pretty_members(self.btf.strip(m.ty), off + moff, depth, out, budget, level, first);
                continue;
            }
            let label = format!("{}.{}=", if *first { "" } else { ", " }, m.name);
            *first = false;
            *budget -= label.len() as i64 + 1;
            out.push(Node::Text(label));
            if m.bits > 0 {
                match self.scalar(m.ty) {
                    Some(mut sc) => {
                        let bit = m.bit_off % 8;
                        sc.bits = Some((bit, m.bits));
                        sc.size = Self::bits_size(bit, m.bits);
                        out.push(Node::Num { off: off + moff, sc, fmt: Fmt::Dec });
                    }
                    None => out.push(Node::Text("?".into())),
                }
            } else {
                self.pretty_value(m.ty, off + moff, depth, out, budget, level + 1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// vfs_read's parameters by the ABI, and `$file->f_pos` through BTF's member offset,
    /// for each installed kernel's BTF (taken from its bzImage when not running here).
    #[test]
    fn vfs_read_parameters() {
        for rel in crate::kernel::installed_releases() {
            let Ok(btf) = super::super::btf_source::kernel_btf(&rel) else { continue };
            let func = btf.func("vfs_read").unwrap();
            let f = BtfFunc { btf: &btf, func };
            let req = |name: &str, path: Vec<Seg>| Request { name: name.into(), path, pretty: 0, addr_of: false };
            let count = f.access(&req("count", vec![]), 512).unwrap();
            assert_eq!(count.base, Loc::Value("((u64)c->regs->dx)".into()), "{rel}");
            assert_eq!(count.end, End::Scalar(Scalar { size: 8, signed: false, bits: None }), "{rel}");
            let pos = f.access(&req("file", vec![Seg::Member("f_pos".into())]), 512).unwrap();
            assert_eq!(pos.base, Loc::Value("((u64)c->regs->di)".into()), "{rel}");
            assert!(matches!(pos.steps.as_slice(), [Step::ToAddr, Step::Offset(o)] if *o > 0), "{rel}: {:?}", pos.steps);
            assert_eq!(pos.end, End::Scalar(Scalar { size: 8, signed: true, bits: None }), "{rel}");
            let Err(Error::NotParameter { params }) = f.access(&req("ret", vec![]), 512) else { panic!("{rel}: $ret resolved") };
            assert_eq!(params, ["file", "buf", "count", "pos"], "{rel}");
            let names: Vec<String> = f.visible().into_iter().map(|(n, t)| format!("${n}:{t}")).collect();
            assert_eq!(names.join(" "), "$file:struct file* $buf:char* $count:size_t $pos:loff_t*", "{rel}");
        }
    }

    /// The BTF plans equal the DWARF ones where both describe the same thing: parameters
    /// at the entry, members through pointers and anonymous unions, bit-fields, array
    /// indexes and addresses, pretty-printing; for each installed kernel with debuginfo.
    #[test]
    fn btf_plans_match_dwarf_plans() {
        use super::super::target::with_func;
        let p = |name: &str, path: &[&str], pretty: u8, addr_of: bool| Request {
            name: name.into(),
            path: path
                .iter()
                .map(|m| if *m == "[]" { Seg::Index(0) } else { Seg::Member(m.to_string()) })
                .collect(),
            pretty,
            addr_of,
        };
        let cases: &[(&str, Vec<Request>)] = &[
            (
                "vfs_read",
                vec![
                    p("count", &[], 0, false),
                    p("buf", &[], 0, false),
                    p("pos", &["[]"], 0, false),
                    p("file", &["f_pos"], 0, false),
                    p("file", &["f_path", "dentry", "d_name", "name"], 0, false),
                    p("file", &["f_path", "dentry", "d_name", "len"], 0, false),
                    p("file", &["f_path", "dentry", "d_name"], 1, false),
                    p("file", &["f_path", "dentry", "d_iname"], 0, false),
                    p("file", &["f_pos"], 0, true),
                    p("count", &[], 1, false),
                ],
            ),
            (
                "consume_skb",
                vec![
                    p("skb", &["pkt_type"], 0, false),
                    p("skb", &["len"], 0, false),
                    p("skb", &["cb", "[]"], 0, false),
                    p("skb", &["cb"], 0, false),
                    p("skb", &["len"], 0, true),
                ],
            ),
        ];
        let mut compared = 0;
        for rel in crate::kernel::installed_releases() {
            let Ok(ix) = super::super::kernel_index(&rel, false) else { continue };
            let btf = super::super::btf_source::kernel_btf(&rel).unwrap();
            for (func, reqs) in cases {
                let f = ix.lookup(func, None)[0];
                let e = f.entries.iter().find(|e| !e.blocked).unwrap();
                let site = Site {
                    object: super::super::Object::kernel(&rel),
                    function: func.to_string(),
                    addr: e.addr,
                    die: e.die,
                    cu: e.cu,
                    tracepoint: false,
                    btf: false,
                };
                let b = BtfFunc { btf: &btf, func: btf.func(func).unwrap() };
                for req in reqs {
                    let dwarf = with_func(&site, |d| d.access(req, 512)).unwrap();
                    let from_btf = b.access(req, 512).unwrap();
                    assert_eq!(from_btf, dwarf, "{rel} {func} {req:?}");
                    compared += 1;
                }
                let from_btf = b.all(Which::Parms, 0, 512).unwrap();
                let dwarf = with_func(&site, |d| d.all(Which::Parms, 0, 512)).unwrap();
                assert_eq!(from_btf, dwarf, "{rel} {func} $$parms");
                let ret = p("return", &[], 0, false);
                let dwarf = with_func(&site, |d| d.return_value(&ret, 512));
                assert_eq!(b.return_value(&ret, 512), dwarf, "{rel} {func} $return");
            }
        }
        eprintln!("{compared} BTF plans equal to DWARF plans");
    }
}
