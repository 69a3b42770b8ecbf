//! `rstaprun -R`: a copy of a module image, in memory, that the kernel loads under another
//! name, so that two instances of one `.ko` can run at once.
//!
//! A module's name is the `name` field of its `struct module`, which Kbuild emits
//! initialised in the section `.gnu.linkonce.this_module`; `.modinfo` repeats it as
//! `name=`. Both are rewritten. The new `.modinfo` goes in place when it fits, else at the
//! end of the image with its section header pointed there. An appended signature no longer
//! matches a renamed image: it is removed (a kernel that enforces signatures then refuses
//! the module; sign per name instead).

use crate::modinfo::{locate_section, SectionLoc};

/// The kernel's MODULE_NAME_LEN on 64-bit targets (56) less the NUL.
pub const MAX_NAME: usize = 55;
const SIG_MAGIC: &[u8] = b"~Module signature appended~\n";
/// `struct module_signature` (kernel's module_signature.h): 12 bytes, sig_len last (BE).
const SIG_INFO_LEN: usize = 12;

/// The name `-R` gives: `NAME_PID`, cut to fit.
pub fn unique_name(name: &str, pid: u32) -> String {
    let suffix = format!("_{pid}");
    let keep = name.len().min(MAX_NAME - suffix.len());
    format!("{}{suffix}", &name[..keep])
}

/// Length of the image without an appended signature.
pub fn unsigned_len(data: &[u8]) -> usize {
    let n = data.len();
    if n < SIG_MAGIC.len() + SIG_INFO_LEN || !data.ends_with(SIG_MAGIC) {
        return n;
    }
    let info = &data[n - SIG_MAGIC.len() - SIG_INFO_LEN..n - SIG_MAGIC.len()];
    let sig_len = u32::from_be_bytes(info[8..12].try_into().unwrap()) as usize;
    n.checked_sub(SIG_MAGIC.len() + SIG_INFO_LEN + sig_len).unwrap_or(n)
}

/// A copy of `data` (a module named `old`) renamed to `new`.
pub fn renamed_image(data: &[u8], old: &str, new: &str) -> Result<Vec<u8>, String> {
    if new.is_empty() || new.len() > MAX_NAME || new.contains('\0') {
        return Err(format!("invalid module name '{new}'"));
    }
    let mut img = data[..unsigned_len(data)].to_vec();
    let loc = |img: &[u8], sec: &str| -> Result<SectionLoc, String> {
        locate_section(img, sec.as_bytes())
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("no {sec} section"))
    };

    // struct module's name field: the old name, NUL-terminated, preceded by a NUL (or
    // the start of the section) and followed by zeros up to its end.
    let this = loc(&img, ".gnu.linkonce.this_module")?;
    let sec = &img[this.offset..this.offset + this.size];
    let field = MAX_NAME + 1;
    let at = (0..sec.len().saturating_sub(field - 1))
        .find(|&p| {
            sec[p..].starts_with(old.as_bytes())
                && sec[p + old.len()..p + field].iter().all(|&b| b == 0)
                && (p == 0 || sec[p - 1] == 0)
        })
        .ok_or_else(|| format!("the name {old} is not in .gnu.linkonce.this_module"))?;
    let dst = &mut img[this.offset + at..this.offset + at + field];
    dst.fill(0);
    dst[..new.len()].copy_from_slice(new.as_bytes());

    // .modinfo: name=old becomes name=new.
    let mi = loc(&img, ".modinfo")?;
    let mut info = Vec::with_capacity(mi.size + new.len());
    let old_entry = format!("name={old}");
    for entry in img[mi.offset..mi.offset + mi.size].split(|&b| b == 0).filter(|e| !e.is_empty()) {
        if entry == old_entry.as_bytes() {
            info.extend_from_slice(format!("name={new}").as_bytes());
        } else {
            info.extend_from_slice(entry);
        }
        info.push(0);
    }
    if info.len() <= mi.size {
        info.resize(mi.size, 0);
        img[mi.offset..mi.offset + mi.size].copy_from_slice(&info);
    } else {
        while !img.len().is_multiple_of(8) {
            img.push(0);
        }
        let off = img.len();
        img.extend_from_slice(&info);
        set_word(&mut img, &mi, if mi.is64 { 24 } else { 16 }, off as u64);
        set_word(&mut img, &mi, if mi.is64 { 32 } else { 20 }, info.len() as u64);
    }
    Ok(img)
}

/// Writes a word of the section header (`sh_offset`, `sh_size`) at `field` bytes into it.
fn set_word(img: &mut [u8], s: &SectionLoc, field: usize, v: u64) {
    let at = s.shdr + field;
    match (s.is64, s.le) {
        (true, true) => img[at..at + 8].copy_from_slice(&v.to_le_bytes()),
        (true, false) => img[at..at + 8].copy_from_slice(&v.to_be_bytes()),
        (false, true) => img[at..at + 4].copy_from_slice(&(v as u32).to_le_bytes()),
        (false, false) => img[at..at + 4].copy_from_slice(&(v as u32).to_be_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modinfo::modinfo_from_bytes;
    use std::path::Path;

    fn fixture() -> Option<Vec<u8>> {
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixture/rstap_fixture.ko")).ok()
    }

    #[test]
    fn names() {
        assert_eq!(unique_name("stap_x", 42), "stap_x_42");
        let long = "a".repeat(60);
        let n = unique_name(&long, 1234567);
        assert_eq!(n.len(), MAX_NAME);
        assert!(n.ends_with("_1234567"));
    }

    #[test]
    fn renames_both_places() {
        let Some(ko) = fixture() else {
            eprintln!("fixture not built; skipped");
            return;
        };
        for new in ["rstap_fixture_7", "r", &"z".repeat(MAX_NAME)] {
            let img = renamed_image(&ko, "rstap_fixture", new).unwrap();
            let info = modinfo_from_bytes(&img).unwrap();
            assert_eq!(info["name"], new);
            assert_eq!(info["rstap_kernel"], modinfo_from_bytes(&ko).unwrap()["rstap_kernel"]);
            let this = locate_section(&img, b".gnu.linkonce.this_module").unwrap().unwrap();
            let sec = &img[this.offset..this.offset + this.size];
            assert!(sec.windows(new.len() + 1).any(|w| &w[..new.len()] == new.as_bytes() && w[new.len()] == 0));
            assert!(!sec.windows(14).any(|w| w == b"rstap_fixture\0"));
        }
        assert!(renamed_image(&ko, "not_its_name", "x").is_err());
    }

    #[test]
    fn strips_an_appended_signature() {
        let mut m = b"\x7fELF-module-bytes".to_vec();
        let n = m.len();
        m.extend_from_slice(&[0xAA; 5]); // the signature
        m.extend_from_slice(&[0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 5]);
        m.extend_from_slice(SIG_MAGIC);
        assert_eq!(unsigned_len(&m), n);
        assert_eq!(unsigned_len(&m[..n]), n);
    }
}
