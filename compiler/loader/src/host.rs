//! What the module learns about the loader and its host at load time, as SystemTap's
//! staprun tells its modules: the loader's pid (`stp_pid()`), the real uid of the user
//! running it (`is_myproc()`) and the local time zone (`tz_gmtoff()`, `tz_name()`,
//! `tz_ctime()`). Each is passed only when the module declares the parameter, so a module
//! built by an older rstap still loads without "unknown parameter" complaints.

use std::collections::HashMap;

/// `name=value` parameters for the module whose `.modinfo` is `info`.
pub fn params(info: &HashMap<String, String>) -> Vec<String> {
    let declared = |name: &str| {
        info.get("parmtype")
            .is_some_and(|all| all.lines().any(|l| l.split_once(':').is_some_and(|(n, _)| n == name)))
    };
    let mut out = Vec::new();
    if declared("_rstap_pid") {
        out.push(format!("_rstap_pid={}", std::process::id()));
    }
    if declared("_rstap_uid") {
        out.push(format!("_rstap_uid={}", nix::unistd::getuid().as_raw()));
    }
    let (west, name) = local_zone();
    if declared("_rstap_tz_gmtoff") {
        out.push(format!("_rstap_tz_gmtoff={west}"));
    }
    if declared("_rstap_tz_name") && !name.is_empty() {
        out.push(format!("_rstap_tz_name={name}"));
    }
    out
}

extern "C" {
    /// POSIX tzset(3): reads TZ (the libc crate does not declare it).
    pub(crate) fn tzset();
}

/// The local time zone now (from `TZ` or /etc/localtime, as the C library reads them):
/// seconds west of UTC and its abbreviation, kept to what a module parameter can carry
/// (31 bytes of letters, digits, `+` and `-`).
fn local_zone() -> (i64, String) {
    // SAFETY: tzset reads TZ; time/localtime_r write only into the locals given; tm_zone then points at
    // the C library's static zone names, valid for the life of the process.
    unsafe {
        tzset();
        let now = nix::libc::time(std::ptr::null_mut());
        let mut tm: nix::libc::tm = std::mem::zeroed();
        if nix::libc::localtime_r(&now, &mut tm).is_null() {
            return (0, "UTC".into());
        }
        let name = if tm.tm_zone.is_null() {
            String::new()
        } else {
            std::ffi::CStr::from_ptr(tm.tm_zone).to_string_lossy().into_owned()
        };
        let name: String =
            name.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '+' || *c == '-').take(31).collect();
        (-tm.tm_gmtoff, name)
    }
}
