//! A writer of "newc" (SVR4, no CRC) cpio archives: the format the kernel unpacks as an
//! initramfs. Timestamps and owners are zero, so equal inputs give byte-identical archives.

use std::io::{self, Write};

const MAGIC: &str = "070701";
const TRAILER: &str = "TRAILER!!!";

pub const S_IFDIR: u32 = 0o040000;
pub const S_IFREG: u32 = 0o100000;
pub const S_IFLNK: u32 = 0o120000;
pub const S_IFCHR: u32 = 0o020000;

/// Writes entries one after another; parent directories must be added before their contents.
pub struct CpioWriter<W: Write> {
    out: W,
    next_ino: u32,
    written: u64,
}

impl<W: Write> CpioWriter<W> {
    pub fn new(out: W) -> Self {
        CpioWriter { out, next_ino: 1, written: 0 }
    }

    pub fn dir(&mut self, path: &str, perm: u32) -> io::Result<()> {
        self.entry(path, S_IFDIR | (perm & 0o7777), 2, (0, 0), &[])
    }

    pub fn file(&mut self, path: &str, perm: u32, data: &[u8]) -> io::Result<()> {
        self.entry(path, S_IFREG | (perm & 0o7777), 1, (0, 0), data)
    }

    pub fn symlink(&mut self, path: &str, target: &str) -> io::Result<()> {
        self.entry(path, S_IFLNK | 0o777, 1, (0, 0), target.as_bytes())
    }

    pub fn char_dev(&mut self, path: &str, perm: u32, major: u32, minor: u32) -> io::Result<()> {
        self.entry(path, S_IFCHR | (perm & 0o7777), 1, (major, minor), &[])
    }

    /// Writes the trailer and returns the underlying writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.header(TRAILER, 0, 0, 1, 0, (0, 0))?;
        self.pad()?;
        self.out.flush()?;
        Ok(self.out)
    }

    fn entry(&mut self, path: &str, mode: u32, nlink: u32, rdev: (u32, u32), data: &[u8]) -> io::Result<()> {
        let name = path.trim_start_matches('/');
        if name.is_empty() || name.contains('\0') || name == TRAILER {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("bad cpio path {path:?}")));
        }
        let size = u32::try_from(data.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, format!("{path}: too large for cpio")))?;
        let ino = self.next_ino;
        self.next_ino += 1;
        self.header(name, ino, mode, nlink, size, rdev)?;
        self.write(data)?;
        self.pad()
    }

    fn header(&mut self, name: &str, ino: u32, mode: u32, nlink: u32, size: u32, rdev: (u32, u32)) -> io::Result<()> {
        let fields = [
            ino,
            mode,
            0, // uid
            0, // gid
            nlink,
            0, // mtime
            size,
            0, // devmajor
            0, // devminor
            rdev.0,
            rdev.1,
            name.len() as u32 + 1,
            0, // check
        ];
        let mut h = String::with_capacity(110 + name.len() + 1);
        h.push_str(MAGIC);
        for f in fields {
            h.push_str(&format!("{f:08x}"));
        }
        h.push_str(name);
        h.push('\0');
        self.write(h.as_bytes())?;
        self.pad()
    }

    fn write(&mut self, b: &[u8]) -> io::Result<()> {
        self.out.write_all(b)?;
        self.written += b.len() as u64;
        Ok(())
    }

    fn pad(&mut self) -> io::Result<()> {
        let n = (4 - (self.written % 4) as usize) % 4;
        self.write(&[0u8; 3][..n])
    }
}

/// One entry of a parsed archive (used by tests and to inspect cached initramfs images).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub mode: u32,
    pub rdev: (u32, u32),
    pub data: Vec<u8>,
}

/// Parses a newc archive up to its trailer.
pub fn parse(mut b: &[u8]) -> Result<Vec<Entry>, String> {
    let total = b.len();
    let mut out = Vec::new();
    loop {
        let off = total - b.len();
        if b.len() < 110 || &b[..6] != MAGIC.as_bytes() {
            return Err(format!("bad header at offset {off}"));
        }
        let field = |i: usize| -> Result<u32, String> {
            let s = std::str::from_utf8(&b[6 + 8 * i..14 + 8 * i]).map_err(|e| e.to_string())?;
            u32::from_str_radix(s, 16).map_err(|e| format!("offset {off}: {e}"))
        };
        let (mode, size, rdev, namesize) = (field(1)?, field(6)? as usize, (field(9)?, field(10)?), field(11)? as usize);
        let name_end = 110 + namesize;
        if namesize == 0 || b.len() < name_end || b[name_end - 1] != 0 {
            return Err(format!("bad name at offset {off}"));
        }
        let name = String::from_utf8_lossy(&b[110..name_end - 1]).into_owned();
        let data_start = (off + name_end).div_ceil(4) * 4 - off;
        let data_end = data_start + size;
        if b.len() < data_end {
            return Err(format!("truncated data of {name}"));
        }
        if name == TRAILER {
            return Ok(out);
        }
        out.push(Entry { name, mode, rdev, data: b[data_start..data_end].to_vec() });
        let next = (off + data_end).div_ceil(4) * 4 - off;
        b = &b[next.min(b.len())..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let mut w = CpioWriter::new(Vec::new());
        w.dir("/bin", 0o755).unwrap();
        w.file("/bin/hello", 0o755, b"#!/bin/sh\necho hi\n").unwrap();
        w.file("empty", 0o644, b"").unwrap();
        w.file("odd", 0o600, b"12345").unwrap();
        w.symlink("/bin/sh", "hello").unwrap();
        w.dir("dev", 0o755).unwrap();
        w.char_dev("dev/console", 0o600, 5, 1).unwrap();
        w.finish().unwrap()
    }

    #[test]
    fn roundtrip() {
        let a = sample();
        assert_eq!(a.len() % 4, 0);
        let e = parse(&a).unwrap();
        let names: Vec<_> = e.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["bin", "bin/hello", "empty", "odd", "bin/sh", "dev", "dev/console"]);
        assert_eq!(e[1].data, b"#!/bin/sh\necho hi\n");
        assert_eq!(e[1].mode, S_IFREG | 0o755);
        assert_eq!(e[3].data, b"12345");
        assert_eq!(e[4].mode & S_IFLNK, S_IFLNK);
        assert_eq!(e[4].data, b"hello");
        assert_eq!(e[6].rdev, (5, 1));
        assert_eq!(e[6].mode, S_IFCHR | 0o600);
        // Deterministic.
        assert_eq!(a, sample());
    }

    #[test]
    fn rejects_bad_names() {
        let mut w = CpioWriter::new(Vec::new());
        assert!(w.file("/", 0o644, b"").is_err());
        assert!(w.file("TRAILER!!!", 0o644, b"").is_err());
    }

    /// GNU cpio, when installed, must list the same entries.
    #[test]
    fn gnu_cpio_reads_it() {
        use std::process::{Command, Stdio};
        let child = Command::new("cpio")
            .args(["-t", "--quiet"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        let Ok(mut child) = child else {
            eprintln!("skipped: cpio is not installed");
            return;
        };
        child.stdin.take().unwrap().write_all(&sample()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let list = String::from_utf8(out.stdout).unwrap();
        assert_eq!(list.lines().collect::<Vec<_>>(), ["bin", "bin/hello", "empty", "odd", "bin/sh", "dev", "dev/console"]);
    }
}
