//! Where a kernel's BTF is, when its DWARF is not: `/sys/kernel/btf/vmlinux` when the
//! kernel runs here; else the `.BTF` section of a vmlinux on the debuginfo search path
//! (one without DWARF will do); else the `.BTF` of the vmlinux inside
//! `/boot/vmlinuz-RELEASE`, whose bzImage payload is decompressed once (Debian: xz
//! for 6.1, zstd for 6.12, lz4 for 6.1's cloud flavour) and the section cached in rstap's cache directory, keyed by
//! the image's size and mtime.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The raw BTF of kernel `release`.
pub fn btf_bytes(release: &str) -> Result<Vec<u8>> {
    if crate::kernel::running_release() == release {
        if let Ok(b) = std::fs::read("/sys/kernel/btf/vmlinux") {
            return Ok(b);
        }
    }
    for c in super::vmlinux_candidates(release) {
        if let Ok(Some(b)) = elf_section_file(&c, ".BTF") {
            return Ok(b);
        }
    }
    let image = PathBuf::from(format!("/boot/vmlinuz-{release}"));
    if image.exists() {
        return btf_from_image(&image);
    }
    bail!(
        "no BTF for kernel {release}: not running here, no vmlinux on the debuginfo path, no {}",
        image.display()
    )
}

/// The parsed BTF of `release`, once per process.
pub fn kernel_btf(release: &str) -> Result<Arc<super::btf::Btf>> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static OPEN: OnceLock<Mutex<HashMap<String, Arc<super::btf::Btf>>>> = OnceLock::new();
    let map = OPEN.get_or_init(Default::default);
    if let Some(b) = map.lock().unwrap().get(release) {
        return Ok(b.clone());
    }
    let b = Arc::new(super::btf::Btf::parse(&btf_bytes(release)?).with_context(|| format!("reading the BTF of {release}"))?);
    map.lock().unwrap().insert(release.to_string(), b.clone());
    Ok(b)
}

fn elf_section_file(path: &Path, name: &str) -> Result<Option<Vec<u8>>> {
    let f = std::fs::File::open(path)?;
    let map = unsafe { memmap2::Mmap::map(&f) }?;
    elf_section(&map, name)
}

fn elf_section(data: &[u8], name: &str) -> Result<Option<Vec<u8>>> {
    use object::{Object, ObjectSection};
    let file = object::File::parse(data)?;
    Ok(match file.section_by_name(name) {
        Some(s) => Some(s.data()?.to_vec()),
        None => None,
    })
}

/// The cached `.BTF` of a bzImage, extracted on first use.
pub fn btf_from_image(image: &Path) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(image)?;
    let mtime = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_secs());
    let stem = image.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let dir = crate::datadir::cache_dir().join("btf");
    let cached = dir.join(format!("{stem}-{}-{mtime}.btf", meta.len()));
    if let Ok(b) = std::fs::read(&cached) {
        return Ok(b);
    }
    let btf = extract_btf(&std::fs::read(image).with_context(|| format!("reading {}", image.display()))?)
        .with_context(|| format!("extracting the BTF of {}", image.display()))?;
    std::fs::create_dir_all(&dir)?;
    let tmp = dir.join(format!(".{stem}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, &btf)?;
    std::fs::rename(&tmp, &cached)?;
    Ok(btf)
}

/// A bzImage's compressed vmlinux, decompressed, then its `.BTF` section.
pub fn extract_btf(image: &[u8]) -> Result<Vec<u8>> {
    let vmlinux = decompress_payload(image)?;
    elf_section(&vmlinux, ".BTF")?.context("the kernel image's vmlinux has no .BTF section (CONFIG_DEBUG_INFO_BTF off)")
}

fn decompress_payload(image: &[u8]) -> Result<Vec<u8>> {
    use std::io::Read;
    // The boot protocol's header: setup sectors at 0x1f1, the payload's offset and length
    // (from the protected-mode code, after the setup sectors) at 0x248 and 0x24c.
    if image.get(0x202..0x206) != Some(b"HdrS") {
        bail!("not a bzImage (no HdrS header)");
    }
    let setup = match image[0x1f1] {
        0 => 4,
        n => n as usize,
    };
    let word = |o: usize| u32::from_le_bytes(image[o..o + 4].try_into().unwrap()) as usize;
    let (off, len) = (word(0x248), word(0x24c));
    let start = (setup + 1) * 512 + off;
    let Some(payload) = image.get(start..start + len) else { bail!("the bzImage payload is out of bounds") };
    let mut out = Vec::new();
    match payload {
        [0xfd, b'7', b'z', b'X', b'Z', 0, ..] => {
            lzma_rust2::XzReader::new(payload, false).read_to_end(&mut out).context("xz")?;
        }
        [0x28, 0xb5, 0x2f, 0xfd, ..] => {
            ruzstd::StreamingDecoder::new(payload)
                .map_err(|e| anyhow::anyhow!("zstd: {e}"))?
                .read_to_end(&mut out)
                .context("zstd")?;
        }
        [0x1f, 0x8b, ..] => {
            flate2::read::GzDecoder::new(payload).read_to_end(&mut out).context("gzip")?;
        }
        [0x02, 0x21, 0x4c, 0x18, ..] => out = unlz4_legacy(payload).context("lz4")?,
        x => bail!("the bzImage payload's compression is not supported (magic {:02x?})", &x[..x.len().min(6)]),
    }
    Ok(out)
}

/// LZ4's legacy frame (`lz4 -l`, what Kbuild's lz4 images hold): the magic, then blocks
/// of at most 8 MiB, each behind its compressed length (little-endian u32). The kernel
/// appends the uncompressed size, which reads as a length longer than what is left.
fn unlz4_legacy(data: &[u8]) -> Result<Vec<u8>> {
    const MAGIC: u32 = 0x184c_2102;
    let mut out = Vec::with_capacity(data.len() * 3);
    let mut at = 0;
    while let Some(word) = data.get(at..at + 4) {
        let n = u32::from_le_bytes(word.try_into().unwrap());
        at += 4;
        if n == MAGIC {
            continue;
        }
        let Some(block) = data.get(at..at + n as usize) else { break };
        lz4_block(block, &mut out)?;
        at += n as usize;
    }
    Ok(out)
}

/// One LZ4 block appended to `out`: sequences of literals then a back-reference.
fn lz4_block(block: &[u8], out: &mut Vec<u8>) -> Result<()> {
    let mut i = 0;
    let byte = |i: &mut usize| -> Result<usize> {
        let b = *block.get(*i).context("truncated block")?;
        *i += 1;
        Ok(b as usize)
    };
    let length = |i: &mut usize, mut n: usize| -> Result<usize> {
        if n == 15 {
            loop {
                let b = byte(i)?;
                n += b;
                if b != 255 {
                    break;
                }
            }
        }
        Ok(n)
    };
    while i < block.len() {
        let token = byte(&mut i)?;
        let lits = length(&mut i, token >> 4)?;
        out.extend_from_slice(block.get(i..i + lits).context("literals past the block")?);
        i += lits;
        if i == block.len() {
            break;
        }
        let offset = byte(&mut i)? | byte(&mut i)? << 8;
        let len = length(&mut i, token & 15)? + 4;
        if offset == 0 || offset > out.len() {
            bail!("match offset {offset} out of range");
        }
        let from = out.len() - offset;
        for k in 0..len {
            out.push(out[from + k]);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    /// Every installed kernel's bzImage: the payload decompresses (xz, zstd, lz4) and holds
    /// BTF the parser reads, with the same FUNC count as the debuginfo vmlinux's `.BTF`.
    #[test]
    fn extracts_btf_from_installed_images() {
        for rel in crate::kernel::installed_releases() {
            let image = std::path::PathBuf::from(format!("/boot/vmlinuz-{rel}"));
            let Ok(data) = std::fs::read(&image) else { continue };
            let t = std::time::Instant::now();
            let btf = super::extract_btf(&data).unwrap_or_else(|e| panic!("{rel}: {e:#}"));
            let took = t.elapsed();
            let parsed = super::super::btf::Btf::parse(&btf).unwrap();
            eprintln!("{rel}: BTF {} bytes, {} FUNCs, extracted in {took:?}", btf.len(), parsed.func_names().len());
            let dbg = std::path::PathBuf::from(format!("/usr/lib/debug/boot/vmlinux-{rel}"));
            if let Ok(Some(b)) = super::elf_section_file(&dbg, ".BTF") {
                assert_eq!(b, btf, "{rel}: the image's BTF differs from the debuginfo vmlinux's");
            }
        }
    }
}
