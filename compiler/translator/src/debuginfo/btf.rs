//! BTF (the kernel's compact type format, `/sys/kernel/btf/vmlinux` or a vmlinux's
//! `.BTF` section): header, type section and string section, parsed into one table
//! indexed by type id (0 is `void`), and the `FUNC` names indexed once. Used when a
//! kernel has no DWARF: `kernel.function` then gets its parameters and their types
//! from here (btf_target.rs). Where the BTF comes from is btf_source.rs.

use anyhow::{bail, Result};
use std::collections::HashMap;

/// One struct or union member: name (empty: anonymous), type, offset in bits, and the
/// bit-field width (0: not a bit-field).
#[derive(Debug, Clone)]
pub struct Member {
    pub name: String,
    pub ty: u32,
    pub bit_off: u32,
    pub bits: u32,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Void,
    Int { size: u32, signed: bool, char: bool, bool_: bool },
    Ptr(u32),
    Array { elem: u32, n: u32 },
    Struct { size: u32, members: Vec<Member> },
    Union { size: u32, members: Vec<Member> },
    Enum { size: u32, signed: bool },
    Fwd { union: bool },
    Typedef(u32),
    Volatile(u32),
    Const(u32),
    Restrict(u32),
    /// A function: its FUNC_PROTO.
    Func(u32),
    /// Return type and parameters (name, type); a last type 0 is `...`.
    Proto { ret: u32, params: Vec<(String, u32)> },
    Var(u32),
    Datasec,
    Float { size: u32 },
    DeclTag(u32),
    TypeTag(u32),
}

#[derive(Debug, Clone)]
pub struct Type {
    pub name: String,
    pub kind: Kind,
}

pub struct Btf {
    pub types: Vec<Type>,
    funcs: HashMap<String, u32>,
}

fn u32_at(b: &[u8], off: usize) -> Result<u32> {
    match b.get(off..off + 4) {
        Some(x) => Ok(u32::from_le_bytes(x.try_into().unwrap())),
        None => bail!("BTF truncated at byte {off}"),
    }
}

impl Btf {
    /// Parses raw BTF (little endian, as x86-64 kernels write it).
    pub fn parse(data: &[u8]) -> Result<Btf> {
        if data.len() < 24 || u16::from_le_bytes([data[0], data[1]]) != 0xeb9f {
            bail!("not BTF (no 0xeB9F magic)");
        }
        let hdr_len = u32_at(data, 4)? as usize;
        let (type_off, type_len) = (u32_at(data, 8)? as usize, u32_at(data, 12)? as usize);
        let (str_off, str_len) = (u32_at(data, 16)? as usize, u32_at(data, 20)? as usize);
        let body = data.get(hdr_len..).unwrap_or_default();
        let Some(tsec) = body.get(type_off..type_off + type_len) else { bail!("BTF type section out of bounds") };
        let Some(strs) = body.get(str_off..str_off + str_len) else { bail!("BTF string section out of bounds") };
        let name = |off: u32| -> String {
            let s = strs.get(off as usize..).unwrap_or_default();
            let end = s.iter().position(|&c| c == 0).unwrap_or(s.len());
            String::from_utf8_lossy(&s[..end]).into_owned()
        };
        let mut types = vec![Type { name: String::new(), kind: Kind::Void }];
        let mut funcs = HashMap::new();
        let mut p = 0usize;
        while p < tsec.len() {
            let (name_off, info, sz) = (u32_at(tsec, p)?, u32_at(tsec, p + 4)?, u32_at(tsec, p + 8)?);
            p += 12;
            let vlen = (info & 0xffff) as usize;
            let kflag = info >> 31 != 0;
            let members = |p: &mut usize| -> Result<Vec<Member>> {
                let mut m = Vec::with_capacity(vlen);
                for _ in 0..vlen {
                    let (n, t, off) = (u32_at(tsec, *p)?, u32_at(tsec, *p + 4)?, u32_at(tsec, *p + 8)?);
                    *p += 12;
                    let (bit_off, bits) = if kflag { (off & 0xff_ffff, off >> 24) } else { (off, 0) };
                    m.push(Member { name: name(n), ty: t, bit_off, bits });
                }
                Ok(m)
            };
            let kind = match (info >> 24) & 0x1f {
                1 => {
                    let enc = u32_at(tsec, p)?;
                    p += 4;
                    let e = (enc >> 24) & 0xf;
                    Kind::Int { size: sz, signed: e & 1 != 0, char: e & 2 != 0, bool_: e & 4 != 0 }
                }
                2 => Kind::Ptr(sz),
                3 => {
                    let (elem, n) = (u32_at(tsec, p)?, u32_at(tsec, p + 8)?);
                    p += 12;
                    Kind::Array { elem, n }
                }
                4 => Kind::Struct { size: sz, members: members(&mut p)? },
                5 => Kind::Union { size: sz, members: members(&mut p)? },
                6 => {
                    p += 8 * vlen;
                    Kind::Enum { size: sz, signed: kflag }
                }
                7 => Kind::Fwd { union: kflag },
                8 => Kind::Typedef(sz),
                9 => Kind::Volatile(sz),
                10 => Kind::Const(sz),
                11 => Kind::Restrict(sz),
                12 => {
                    funcs.insert(name(name_off), types.len() as u32);
                    Kind::Func(sz)
                }
                13 => {
                    let mut params = Vec::with_capacity(vlen);
                    for _ in 0..vlen {
                        params.push((name(u32_at(tsec, p)?), u32_at(tsec, p + 4)?));
                        p += 8;
                    }
                    Kind::Proto { ret: sz, params }
                }
                14 => {
                    p += 4;
                    Kind::Var(sz)
                }
                15 => {
                    p += 12 * vlen;
                    Kind::Datasec
                }
                16 => Kind::Float { size: sz },
                17 => {
                    p += 4;
                    Kind::DeclTag(sz)
                }
                18 => Kind::TypeTag(sz),
                19 => {
                    p += 12 * vlen;
                    Kind::Enum { size: sz, signed: kflag }
                }
                k => bail!("BTF type {}: unknown kind {k}", types.len()),
            };
            if p > tsec.len() {
                bail!("BTF type section truncated");
            }
            types.push(Type { name: name(name_off), kind });
        }
        Ok(Btf { types, funcs })
    }

    pub fn get(&self, id: u32) -> &Type {
        static VOID: Type = Type { name: String::new(), kind: Kind::Void };
        self.types.get(id as usize).unwrap_or(&VOID)
    }

    /// The FUNC named `name`: its type id.
    pub fn func(&self, name: &str) -> Option<u32> {
        self.funcs.get(name).copied()
    }

    /// Every FUNC's name, sorted.
    pub fn func_names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.funcs.keys().map(String::as_str).collect();
        v.sort_unstable();
        v
    }

    /// A FUNC's return type and parameters.
    pub fn proto(&self, func: u32) -> Option<(u32, &[(String, u32)])> {
        let Kind::Func(p) = self.get(func).kind else { return None };
        match &self.get(p).kind {
            Kind::Proto { ret, params } => Some((*ret, params)),
            _ => None,
        }
    }

    /// Through typedefs, const, volatile, restrict and type tags.
    pub fn strip(&self, mut id: u32) -> u32 {
        for _ in 0..64 {
            match self.get(id).kind {
                Kind::Typedef(t) | Kind::Volatile(t) | Kind::Const(t) | Kind::Restrict(t) | Kind::TypeTag(t) => id = t,
                _ => return id,
            }
        }
        0
    }

    /// `sizeof`; None for void, functions and declarations.
    pub fn size_of(&self, id: u32) -> Option<u64> {
        match &self.get(self.strip(id)).kind {
            Kind::Int { size, .. } | Kind::Struct { size, .. } | Kind::Union { size, .. } => Some(*size as u64),
            Kind::Enum { size, .. } | Kind::Float { size } => Some(*size as u64),
            Kind::Ptr(_) => Some(8),
            Kind::Array { elem, n } => Some(*n as u64 * self.size_of(*elem)?),
            _ => None,
        }
    }

    /// The C name of a type as `-L` prints it, the same spelling as the DWARF listing
    /// (types.rs): `struct file*`, `char const*`, typedefs by name, `char[16]`.
    pub fn type_name(&self, id: u32) -> String {
        self.type_name_depth(id, 0)
    }

    fn type_name_depth(&self, id: u32, depth: u32) -> String {
        if depth > 32 {
            return "?".into();
        }
        let t = self.get(id);
        let inner = |x: u32| self.type_name_depth(x, depth + 1);
        let tagged = |kw: &str| format!("{kw} {}", if t.name.is_empty() { "{...}" } else { &t.name });
        match &t.kind {
            Kind::Void => "void".into(),
            Kind::Int { .. } | Kind::Float { .. } | Kind::Typedef(_) => t.name.clone(),
            Kind::Ptr(to) => match &self.get(*to).kind {
                // A pointer to a function: its return type, then "(*)(...)".
                Kind::Proto { .. } => inner(*to).replacen('(', "(*)(", 1),
                _ => format!("{}*", inner(*to)),
            },
            Kind::Array { elem, n } => {
                // The dimensions in source order: the outer array's first.
                let mut dims = format!("[{n}]");
                let mut e = *elem;
                while let Kind::Array { elem, n } = &self.get(e).kind {
                    dims.push_str(&format!("[{n}]"));
                    e = *elem;
                }
                format!("{}{dims}", inner(e))
            }
            Kind::Struct { .. } => tagged("struct"),
            Kind::Union { .. } => tagged("union"),
            Kind::Enum { .. } => tagged("enum"),
            Kind::Fwd { union } => tagged(if *union { "union" } else { "struct" }),
            Kind::Const(x) => format!("{} const", inner(*x)),
            Kind::Volatile(x) => format!("{} volatile", inner(*x)),
            Kind::Restrict(x) | Kind::TypeTag(x) => inner(*x),
            Kind::Proto { ret, params } => {
                let args: Vec<String> =
                    params.iter().map(|(_, t)| if *t == 0 { "...".into() } else { inner(*t) }).collect();
                format!("{} ({})", inner(*ret), args.join(", "))
            }
            _ => if t.name.is_empty() { "?".into() } else { t.name.clone() },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The BTF of the kernels installed here (the running one's, and the vmlinux debuginfo's
    /// `.BTF` of each Debian kernel): parsed whole, with `vfs_read`'s real prototype.
    #[test]
    fn parses_installed_kernels_btf() {
        let mut blobs: Vec<(String, Vec<u8>)> = Vec::new();
        if let Ok(b) = std::fs::read("/sys/kernel/btf/vmlinux") {
            blobs.push(("/sys/kernel/btf/vmlinux".into(), b));
        }
        for rel in crate::kernel::installed_releases() {
            if let Ok(b) = super::super::btf_source::btf_bytes(&rel) {
                blobs.push((rel, b));
            }
        }
        assert!(!blobs.is_empty(), "no BTF on this machine");
        for (what, b) in blobs {
            let btf = Btf::parse(&b).unwrap_or_else(|e| panic!("{what}: {e:#}"));
            assert!(btf.func_names().len() > 20000, "{what}: {} FUNCs", btf.func_names().len());
            let f = btf.func("vfs_read").unwrap_or_else(|| panic!("{what}: no vfs_read"));
            let (ret, params) = btf.proto(f).unwrap();
            let shown: Vec<String> = params.iter().map(|(n, t)| format!("{n}:{}", btf.type_name(*t))).collect();
            assert_eq!(shown, ["file:struct file*", "buf:char*", "count:size_t", "pos:loff_t*"], "{what}");
            assert_eq!(btf.type_name(ret), "ssize_t", "{what}");
            // struct file's f_path.dentry, through the BTF's member offsets.
            let file = btf.strip(match btf.get(params[0].1).kind {
                Kind::Ptr(t) => t,
                _ => panic!("{what}: file is no pointer"),
            });
            let Kind::Struct { members, .. } = &btf.get(file).kind else { panic!("{what}: struct file") };
            // (6.18 puts it in an anonymous union with __f_path.)
            let named = |ms: &[Member]| ms.iter().any(|m| m.name == "f_path");
            let in_anon = members.iter().filter(|m| m.name.is_empty()).any(|m| match &btf.get(m.ty).kind {
                Kind::Union { members, .. } | Kind::Struct { members, .. } => named(members),
                _ => false,
            });
            assert!(named(members) || in_anon, "{what}: no f_path in struct file");
        }
    }
}
