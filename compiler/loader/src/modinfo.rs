//! Reads a kernel module's `.modinfo` section (NUL-separated `key=value` strings) with a
//! small ELF section-table walk: 32/64-bit, either endianness. Compressed modules
//! (.ko.xz, .ko.zst) are not read.

use std::collections::HashMap;
use std::path::Path;

#[derive(Debug)]
pub enum ModinfoError {
    Io(std::io::Error),
    NotElf,
    Malformed(&'static str),
    NoModinfo,
}

impl std::fmt::Display for ModinfoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ModinfoError::Io(e) => write!(f, "{e}"),
            ModinfoError::NotElf => write!(f, "not an ELF file (a compressed module?)"),
            ModinfoError::Malformed(what) => write!(f, "malformed ELF file: {what}"),
            ModinfoError::NoModinfo => write!(f, "no .modinfo section: not a kernel module"),
        }
    }
}

impl std::error::Error for ModinfoError {}

/// The `.modinfo` entries of the module at `path`. When a key repeats (`parm`, `alias`),
/// the values are joined with a newline.
pub fn modinfo(path: &Path) -> Result<HashMap<String, String>, ModinfoError> {
    let data = std::fs::read(path).map_err(ModinfoError::Io)?;
    modinfo_from_bytes(&data)
}

/// [`modinfo`] on the bytes of an ELF file.
pub fn modinfo_from_bytes(data: &[u8]) -> Result<HashMap<String, String>, ModinfoError> {
    let section = find_section(data, b".modinfo")?.ok_or(ModinfoError::NoModinfo)?;
    let mut map: HashMap<String, String> = HashMap::new();
    for entry in section.split(|&b| b == 0) {
        if entry.is_empty() {
            continue;
        }
        let entry = String::from_utf8_lossy(entry);
        let (k, v) = match entry.split_once('=') {
            Some((k, v)) => (k, v),
            None => (&*entry, ""),
        };
        map.entry(k.to_string())
            .and_modify(|old| {
                old.push('\n');
                old.push_str(v)
            })
            .or_insert_with(|| v.to_string());
    }
    Ok(map)
}

struct Elf<'a> {
    data: &'a [u8],
    is64: bool,
    le: bool,
}

impl<'a> Elf<'a> {
    fn bytes(&self, off: usize, n: usize) -> Result<&'a [u8], ModinfoError> {
        off.checked_add(n)
            .and_then(|end| self.data.get(off..end))
            .ok_or(ModinfoError::Malformed("offset out of range"))
    }
    fn u16(&self, off: usize) -> Result<u64, ModinfoError> {
        let b: [u8; 2] = self.bytes(off, 2)?.try_into().unwrap();
        Ok(if self.le { u16::from_le_bytes(b) } else { u16::from_be_bytes(b) } as u64)
    }
    fn u32(&self, off: usize) -> Result<u64, ModinfoError> {
        let b: [u8; 4] = self.bytes(off, 4)?.try_into().unwrap();
        Ok(if self.le { u32::from_le_bytes(b) } else { u32::from_be_bytes(b) } as u64)
    }
    fn u64(&self, off: usize) -> Result<u64, ModinfoError> {
        let b: [u8; 8] = self.bytes(off, 8)?.try_into().unwrap();
        Ok(if self.le { u64::from_le_bytes(b) } else { u64::from_be_bytes(b) })
    }
    fn word(&self, off: usize) -> Result<u64, ModinfoError> {
        if self.is64 {
            self.u64(off)
        } else {
            self.u32(off)
        }
    }
}

struct Shdr {
    name: u64,
    offset: u64,
    size: u64,
    link: u64,
    typ: u64,
}

const SHT_NOBITS: u64 = 8;

/// Where a section is in the file: its bytes, and its header (for rewriting, `rename.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SectionLoc {
    pub offset: usize,
    pub size: usize,
    /// File offset of the section's header.
    pub shdr: usize,
    pub is64: bool,
    pub le: bool,
}

fn find_section<'a>(data: &'a [u8], wanted: &[u8]) -> Result<Option<&'a [u8]>, ModinfoError> {
    match locate_section(data, wanted)? {
        Some(loc) => Ok(Some(&data[loc.offset..loc.offset + loc.size])),
        None => Ok(None),
    }
}

pub(crate) fn locate_section(data: &[u8], wanted: &[u8]) -> Result<Option<SectionLoc>, ModinfoError> {
    if data.len() < 16 || &data[0..4] != b"\x7fELF" {
        return Err(ModinfoError::NotElf);
    }
    let is64 = match data[4] {
        1 => false,
        2 => true,
        _ => return Err(ModinfoError::Malformed("bad ELF class")),
    };
    let le = match data[5] {
        1 => true,
        2 => false,
        _ => return Err(ModinfoError::Malformed("bad ELF data encoding")),
    };
    let elf = Elf { data, is64, le };
    let (shoff, shentsize, mut shnum, mut shstrndx) = if is64 {
        (elf.u64(0x28)?, elf.u16(0x3a)?, elf.u16(0x3c)?, elf.u16(0x3e)?)
    } else {
        (elf.u32(0x20)?, elf.u16(0x2e)?, elf.u16(0x30)?, elf.u16(0x32)?)
    };
    if shoff == 0 {
        return Err(ModinfoError::Malformed("no section table"));
    }
    let min_ent = if is64 { 64 } else { 40 };
    if shentsize < min_ent {
        return Err(ModinfoError::Malformed("section header too small"));
    }
    let shdr_base = |i: u64| -> Result<usize, ModinfoError> {
        usize::try_from(shoff + i * shentsize)
            .map_err(|_| ModinfoError::Malformed("section table out of range"))
    };
    let shdr = |i: u64| -> Result<Shdr, ModinfoError> {
        let base = shdr_base(i)?;
        if is64 {
            Ok(Shdr {
                name: elf.u32(base)?,
                typ: elf.u32(base + 4)?,
                offset: elf.word(base + 24)?,
                size: elf.word(base + 32)?,
                link: elf.u32(base + 40)?,
            })
        } else {
            Ok(Shdr {
                name: elf.u32(base)?,
                typ: elf.u32(base + 4)?,
                offset: elf.word(base + 16)?,
                size: elf.word(base + 20)?,
                link: elf.u32(base + 24)?,
            })
        }
    };
    // Extended numbering: the real counts live in section 0.
    if shnum == 0 {
        shnum = shdr(0)?.size;
    }
    if shstrndx == 0xffff {
        shstrndx = shdr(0)?.link;
    }
    if shstrndx >= shnum {
        return Err(ModinfoError::Malformed("bad section name table index"));
    }
    let section_range = |s: &Shdr| -> Result<(usize, usize), ModinfoError> {
        if s.typ == SHT_NOBITS {
            return Ok((0, 0));
        }
        let off = usize::try_from(s.offset).map_err(|_| ModinfoError::Malformed("section offset"))?;
        let len = usize::try_from(s.size).map_err(|_| ModinfoError::Malformed("section size"))?;
        elf.bytes(off, len)?;
        Ok((off, len))
    };
    let (so, sl) = section_range(&shdr(shstrndx)?)?;
    let strtab = &data[so..so + sl];
    for i in 1..shnum {
        let s = shdr(i)?;
        let start = s.name as usize;
        let name = strtab.get(start..).ok_or(ModinfoError::Malformed("section name"))?;
        let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
        if name == wanted {
            let (offset, size) = section_range(&s)?;
            return Ok(Some(SectionLoc { offset, size, shdr: shdr_base(i)?, is64, le }));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// A real module: the transport fixture if it was built, else any module of an
    /// installed kernel.
    fn some_real_module() -> Option<PathBuf> {
        let fixture =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixture/rstap_fixture.ko");
        if fixture.exists() {
            return Some(fixture);
        }
        for kver in std::fs::read_dir("/lib/modules").ok()?.flatten() {
            let mut stack = vec![kver.path().join("kernel")];
            while let Some(dir) = stack.pop() {
                for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                    let p = e.path();
                    if p.is_dir() {
                        stack.push(p);
                    } else if p.extension().is_some_and(|x| x == "ko") {
                        return Some(p);
                    }
                }
            }
        }
        None
    }

    #[test]
    fn reads_a_real_module() {
        let Some(path) = some_real_module() else {
            eprintln!("no .ko on this machine; skipped");
            return;
        };
        let info = modinfo(&path).unwrap();
        let stem = path.file_stem().unwrap().to_str().unwrap().replace('-', "_");
        assert_eq!(info.get("name").map(String::as_str), Some(stem.as_str()), "{path:?}");
        assert!(info.get("vermagic").is_some_and(|v| !v.is_empty()), "{info:?}");
        if stem == "rstap_fixture" {
            assert!(info.contains_key("rstap_kernel"));
            assert!(info["parm"].contains("_rstap_bufsize_kb"));
        }
    }

    #[test]
    fn rejects_non_elf_and_truncated() {
        assert!(matches!(modinfo_from_bytes(b"hello"), Err(ModinfoError::NotElf)));
        let Some(path) = some_real_module() else { return };
        let data = std::fs::read(path).unwrap();
        // Cut the file before its section table.
        assert!(modinfo_from_bytes(&data[..data.len() / 2]).is_err());
    }
}

/// The running kernel's GNU build-id, from /sys/kernel/notes (None if unreadable).
pub fn running_build_id() -> Option<String> {
    build_id_from_notes(&std::fs::read("/sys/kernel/notes").ok()?)
}

/// The GNU build-id (note type 3, owner "GNU") in a raw ELF note blob.
pub fn build_id_from_notes(mut notes: &[u8]) -> Option<String> {
    let word = |b: &[u8], i: usize| -> Option<usize> { Some(u32::from_ne_bytes(b.get(i..i + 4)?.try_into().ok()?) as usize) };
    let align = |n: usize| (n + 3) & !3;
    while notes.len() >= 12 {
        let (namesz, descsz, ntype) = (word(notes, 0)?, word(notes, 4)?, word(notes, 8)?);
        let name = notes.get(12..12 + namesz)?;
        let desc_at = 12 + align(namesz);
        let desc = notes.get(desc_at..desc_at + descsz)?;
        if ntype == 3 && name.starts_with(b"GNU") {
            return Some(desc.iter().map(|b| format!("{b:02x}")).collect());
        }
        notes = notes.get(desc_at + align(descsz)..)?;
    }
    None
}

#[cfg(test)]
mod build_id_tests {
    #[test]
    fn finds_the_gnu_note_among_others() {
        let mut blob = Vec::new();
        // A "Xen" note of type 1, then GNU build-id (type 3) with 4 bytes.
        for (name, ntype, desc) in [(&b"Xen\0"[..], 1u32, &[1u8, 2, 3][..]), (&b"GNU\0"[..], 3, &[0xde, 0xad, 0xbe, 0xef][..])] {
            blob.extend((name.len() as u32).to_ne_bytes());
            blob.extend((desc.len() as u32).to_ne_bytes());
            blob.extend(ntype.to_ne_bytes());
            blob.extend(name);
            blob.resize((blob.len() + 3) & !3, 0);
            blob.extend(desc);
            blob.resize((blob.len() + 3) & !3, 0);
        }
        assert_eq!(super::build_id_from_notes(&blob).as_deref(), Some("deadbeef"));
        assert_eq!(super::build_id_from_notes(&blob[..20]), None);
    }
}
