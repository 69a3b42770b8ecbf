//! `-o FILE` names may hold strftime(3) conversions (staprun(8): `-o trace-%Y%m%d-%H%M.txt`),
//! expanded once, in local time, when the output is opened; `-S` then numbers the files
//! of that name (`NAME.1`, `NAME.2`, ...).

use std::ffi::{CString, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

/// `path` with its strftime conversions done (unchanged when it has no `%`, or when the
/// C library cannot format it).
pub fn expand(path: &Path) -> PathBuf {
    let bytes = path.as_os_str().as_bytes();
    if !bytes.contains(&b'%') {
        return path.to_path_buf();
    }
    let Ok(fmt) = CString::new(bytes) else { return path.to_path_buf() };
    // SAFETY: tzset/time/localtime_r write only into the locals given; strftime writes at
    // most buf.len() bytes into buf and returns how many (0 if it did not fit).
    unsafe {
        crate::host::tzset();
        let now = nix::libc::time(std::ptr::null_mut());
        let mut tm: nix::libc::tm = std::mem::zeroed();
        if nix::libc::localtime_r(&now, &mut tm).is_null() {
            return path.to_path_buf();
        }
        let mut buf = vec![0u8; 4096];
        let n = nix::libc::strftime(buf.as_mut_ptr().cast(), buf.len(), fmt.as_ptr(), &tm);
        if n == 0 {
            return path.to_path_buf();
        }
        buf.truncate(n);
        PathBuf::from(OsString::from_vec(buf))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strftime_conversions() {
        assert_eq!(expand(Path::new("/tmp/out.txt")), PathBuf::from("/tmp/out.txt"));
        assert_eq!(expand(Path::new("out-%%.txt")), PathBuf::from("out-%.txt"));
        let year = expand(Path::new("%Y")).display().to_string();
        assert!(year.len() == 4 && year.starts_with("20"), "{year}");
    }
}
