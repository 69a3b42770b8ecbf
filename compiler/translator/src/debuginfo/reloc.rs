//! Kernel modules' debuginfo files are relocatable objects (ET_REL): their
//! DWARF holds zeros where names, unit offsets and addresses go, and the
//! values are in `.rela.debug_*`. Every allocated section also starts at
//! address 0, so `.text` and `.init.text` would overlap. This file lays the
//! allocated sections out at distinct synthetic addresses (as a linker
//! would, from a non-zero base so no function sits at 0) and applies the
//! relocations of the debug sections against that layout. Addresses of a
//! module's index are therefore synthetic: only differences within one
//! section (symbol + offset) mean anything, which is all a kprobe by
//! `MODULE:symbol` needs.
//!
//! For executables (the vmlinux) nothing is copied: sections are read in place.

use anyhow::{bail, Result};
use object::{Object, ObjectSection, ObjectSymbol, RelocationKind, RelocationTarget, SectionIndex};
use std::borrow::Cow;
use std::collections::HashMap;

/// Where the synthetic layout of a relocatable file starts.
const BASE: u64 = 0x1000_0000;

/// The synthetic address of each code section of an ET_REL file, one after another.
fn layout(obj: &object::File) -> HashMap<SectionIndex, u64> {
    let mut bases = HashMap::new();
    let mut next = BASE;
    for s in obj.sections() {
        if matches!(s.kind(), object::SectionKind::Text) {
            let align = s.align().max(16);
            next = next.div_ceil(align) * align;
            bases.insert(s.index(), next);
            next += s.size().max(1);
        }
    }
    bases
}

/// A function symbol's extent in the DWARF's address space.
#[derive(Debug, Clone)]
pub struct TextSymbol {
    pub name: String,
    pub start: u64,
    pub size: u64,
    /// No other function symbol of the file has this name.
    pub unique: bool,
}

/// The function symbols of an ELF file (a module's in the synthetic layout), sorted by
/// address: which symbol holds an address, when code of one function lies in two
/// sections (`.text` and `.text.unlikely`) that a module's loader places apart.
pub fn text_symbols(data: &[u8]) -> Result<Vec<TextSymbol>> {
    let obj = object::File::parse(data)?;
    let bases = (obj.kind() == object::ObjectKind::Relocatable).then(|| layout(&obj));
    let mut out = Vec::new();
    let mut count: HashMap<String, u32> = HashMap::new();
    for s in obj.symbols() {
        let Ok(name) = s.name() else { continue };
        if s.kind() != object::SymbolKind::Text || name.is_empty() {
            continue;
        }
        let start = match (&bases, s.section_index()) {
            (Some(b), Some(i)) => match b.get(&i) {
                Some(base) => base.wrapping_add(s.address()),
                None => continue,
            },
            _ => s.address(),
        };
        *count.entry(name.to_string()).or_default() += 1;
        out.push(TextSymbol { name: name.to_string(), start, size: s.size(), unique: false });
    }
    for t in &mut out {
        t.unique = count[&t.name] == 1;
    }
    out.sort_by_key(|t| t.start);
    Ok(out)
}

/// The symbol whose extent holds `addr`, from [`text_symbols`]; of aliases, one whose
/// name is unique.
pub fn symbol_holding(syms: &[TextSymbol], addr: u64) -> Option<&TextSymbol> {
    let i = syms.partition_point(|t| t.start <= addr);
    // Aliases share a start, and a zero-size label may sit inside a function: look back a few.
    let holding = || syms[..i].iter().rev().take(16).filter(|t| addr < t.start + t.size.max(1));
    holding().find(|t| t.unique).or_else(|| holding().next())
}

/// An ELF file's sections as the DWARF reader needs them.
pub struct Image<'a> {
    obj: object::File<'a>,
    /// ET_REL: the synthetic address of each allocated section.
    bases: Option<HashMap<SectionIndex, u64>>,
    /// ET_REL: the debug sections with their relocations applied.
    relocated: HashMap<String, Vec<u8>>,
}

impl<'a> Image<'a> {
    pub fn parse(data: &'a [u8]) -> Result<Image<'a>> {
        let obj = object::File::parse(data)?;
        if obj.kind() != object::ObjectKind::Relocatable {
            // In place, except compressed sections (those are inflated once).
            let mut relocated = HashMap::new();
            for s in obj.sections() {
                let Ok(name) = s.name() else { continue };
                if name.starts_with(".debug_") {
                    if let Cow::Owned(v) = s.uncompressed_data()? {
                        relocated.insert(name.to_string(), v);
                    }
                }
            }
            return Ok(Image { obj, bases: None, relocated });
        }
        let bases = layout(&obj);
        let mut img = Image { obj, bases: Some(bases), relocated: HashMap::new() };
        let mut relocated = HashMap::new();
        for s in img.obj.sections() {
            let Ok(name) = s.name() else { continue };
            if !name.starts_with(".debug_") {
                continue;
            }
            let mut bytes = s.uncompressed_data()?.into_owned();
            for (off, r) in s.relocations() {
                let value = match r.target() {
                    RelocationTarget::Symbol(i) => match img.obj.symbol_by_index(i) {
                        Ok(sym) => img.symbol_address(&sym),
                        Err(_) => continue,
                    },
                    RelocationTarget::Section(i) => img.section_base(i),
                    _ => continue,
                };
                let v = value.wrapping_add(r.addend() as u64);
                let at = off as usize;
                match (r.kind(), r.size()) {
                    (RelocationKind::Absolute, 64) if at + 8 <= bytes.len() => {
                        bytes[at..at + 8].copy_from_slice(&v.to_le_bytes())
                    }
                    (RelocationKind::Absolute, 32) if at + 4 <= bytes.len() => {
                        bytes[at..at + 4].copy_from_slice(&(v as u32).to_le_bytes())
                    }
                    (k, n) => bail!("{name}: relocation {k:?}/{n} at {off:#x} is not understood"),
                }
            }
            relocated.insert(name.to_string(), bytes);
        }
        img.relocated = relocated;
        Ok(img)
    }

    /// The file's layout only (no debug section relocated or inflated): for reading its
    /// code and symbols in the DWARF's address space.
    pub fn parse_layout(data: &'a [u8]) -> Result<Image<'a>> {
        let obj = object::File::parse(data)?;
        let bases = (obj.kind() == object::ObjectKind::Relocatable).then(|| layout(&obj));
        Ok(Image { obj, bases, relocated: HashMap::new() })
    }

    /// `n` bytes of code at `addr` (in the DWARF's address space), if a code section holds them.
    pub fn code_bytes(&self, addr: u64, n: usize) -> Option<&'a [u8]> {
        let sec = self.obj.sections().find(|s| {
            let a = self.section_address(s);
            s.kind() == object::SectionKind::Text && a <= addr && addr + n as u64 <= a + s.size()
        })?;
        let at = (addr - self.section_address(&sec)) as usize;
        sec.data().ok()?.get(at..at + n)
    }

    pub fn object(&self) -> &object::File<'a> {
        &self.obj
    }

    pub fn is_relocatable(&self) -> bool {
        self.bases.is_some()
    }

    /// A section's address: its own, or its place in the synthetic layout.
    pub fn section_base(&self, i: SectionIndex) -> u64 {
        match &self.bases {
            None => self.obj.section_by_index(i).map(|s| s.address()).unwrap_or(0),
            Some(b) => b.get(&i).copied().unwrap_or(0),
        }
    }

    pub fn section_address(&self, s: &object::Section<'a, '_>) -> u64 {
        if self.bases.is_some() {
            self.section_base(s.index())
        } else {
            s.address()
        }
    }

    /// A symbol's address in the same space as the DWARF's.
    pub fn symbol_address(&self, s: &object::Symbol<'a, '_>) -> u64 {
        match (&self.bases, s.section_index()) {
            (Some(_), Some(i)) => self.section_base(i).wrapping_add(s.address()),
            _ => s.address(),
        }
    }

    /// A debug section's bytes, relocated when the file is relocatable (empty when absent).
    pub fn section(&self, name: &str) -> &[u8] {
        section_in(&self.obj, &self.relocated, name)
    }

    /// The copies this image made (relocated or inflated sections), to keep with the file.
    pub fn into_owned_sections(self) -> HashMap<String, Vec<u8>> {
        self.relocated
    }
}

/// `name` from `owned` (see [`Image::into_owned_sections`]) or else in place in `obj`.
pub fn section_in<'s>(obj: &object::File<'s>, owned: &'s HashMap<String, Vec<u8>>, name: &str) -> &'s [u8] {
    if let Some(v) = owned.get(name) {
        return v.as_slice();
    }
    obj.section_by_name(name).and_then(|s| s.data().ok()).unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::{symbol_holding, TextSymbol};

    fn sym(name: &str, start: u64, size: u64, unique: bool) -> TextSymbol {
        TextSymbol { name: name.into(), start, size, unique }
    }

    #[test]
    fn the_symbol_holding_an_address() {
        let syms = vec![
            sym("f", 0x100, 0x40, true),
            sym("alias_a", 0x200, 0x10, false),
            sym("g", 0x200, 0x10, true),
            sym("f.cold", 0x1000, 0x20, true),
        ];
        assert_eq!(symbol_holding(&syms, 0x100).map(|t| t.name.as_str()), Some("f"));
        assert_eq!(symbol_holding(&syms, 0x13f).map(|t| t.name.as_str()), Some("f"));
        assert!(symbol_holding(&syms, 0x140).is_none());
        assert_eq!(symbol_holding(&syms, 0x208).map(|t| t.name.as_str()), Some("g"));
        assert_eq!(symbol_holding(&syms, 0x1010).map(|t| t.name.as_str()), Some("f.cold"));
        assert!(symbol_holding(&syms, 0x50).is_none());
    }
}
