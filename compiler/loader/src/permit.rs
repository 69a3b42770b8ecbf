//! Who may load what (staprun(8), "SAFETY AND SECURITY"): root always. Otherwise rstaprun
//! must be installed setuid root, and the real user must be in a group:
//!
//! - `stapdev`: any module;
//! - `stapusr`: modules installed under /lib/modules/RELEASE/systemtap/ by the
//!   administrator (that directory owned by root and writable by root alone, as staprun(8)
//!   requires), or modules carrying a signature on a kernel that enforces module
//!   signatures (the kernel then checks the key; rstaprun does not judge keys itself);
//!   and `-A`/`-d` of loaded rstap modules.
//!
//! A user who is not root may `-A`/`-d` only rstap modules (never `rstaprun -d ext4`). A
//! module path is checked once resolved (symbolic links, `..`), and that resolved path is
//! the one opened, so a link swapped after the check changes nothing.
//!
//! While setuid, the output file is created with the real user's rights and a `-c`
//! command runs as the real user.

use std::fs::File;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use nix::unistd::{getegid, getgid, getgroups, geteuid, getuid, Gid, Uid};

use crate::LoaderError;

/// What the policy needs to know about a module to be loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModuleFacts {
    pub in_systemtap_dir: bool,
    /// /lib/modules/RELEASE/systemtap/ is owned by root and writable by root alone.
    pub systemtap_dir_safe: bool,
    pub signed: bool,
    pub kernel_enforces_signatures: bool,
}

/// What is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// Insert a module file.
    Load(ModuleFacts),
    /// Attach to, stop or remove a loaded module; `rstap`: it is an rstap module.
    Control { rstap: bool },
}

/// The policy, without any system lookups.
pub fn decide(
    ruid: u32,
    euid: u32,
    groups: &[u32],
    stapdev: Option<u32>,
    stapusr: Option<u32>,
    request: Request,
) -> Result<(), String> {
    if ruid == 0 {
        return Ok(());
    }
    let member = |g: Option<u32>| g.is_some_and(|g| groups.contains(&g));
    if euid != 0 {
        return Err("only root may load or control modules: rstaprun is not installed setuid \
                    root (then members of stapdev and stapusr may too)"
            .into());
    }
    if !member(stapdev) && !member(stapusr) {
        return Err("not permitted: be root, or a member of stapdev (any module) or stapusr \
                    (modules in /lib/modules/RELEASE/systemtap/ or signed ones)"
            .into());
    }
    let f = match request {
        Request::Control { rstap: false } => {
            return Err("not permitted: not an rstap module (only root may remove other modules)".into())
        }
        Request::Control { rstap: true } => return Ok(()),
        Request::Load(f) => f,
    };
    if member(stapdev) {
        return Ok(());
    }
    match f {
        f if f.in_systemtap_dir && f.systemtap_dir_safe => Ok(()),
        f if f.signed && f.kernel_enforces_signatures => Ok(()),
        f if f.in_systemtap_dir => Err("not permitted: /lib/modules/RELEASE/systemtap/ must be \
                                        owned by root and writable by root alone for members \
                                        of stapusr to load modules from it"
            .into()),
        f if f.signed => Err("not permitted: members of stapusr may load a signed module \
                              only on a kernel that enforces module signatures \
                              (module.sig_enforce or lockdown); else only modules in \
                              /lib/modules/RELEASE/systemtap/"
            .into()),
        _ => Err("not permitted: members of stapusr (not stapdev) may load only modules \
                  in /lib/modules/RELEASE/systemtap/ or signed modules"
            .into()),
    }
}

fn group_gid(name: &str) -> Option<u32> {
    let text = std::fs::read_to_string("/etc/group").ok()?;
    text.lines().find_map(|l| {
        let mut f = l.split(':');
        (f.next()? == name).then_some(())?;
        f.next();
        f.next()?.parse().ok()
    })
}

/// Does the running kernel refuse unsigned modules?
pub fn kernel_enforces_signatures() -> bool {
    let sig = std::fs::read_to_string("/sys/module/module/parameters/sig_enforce")
        .is_ok_and(|s| s.trim() == "Y");
    let lockdown = std::fs::read_to_string("/sys/kernel/security/lockdown")
        .is_ok_and(|s| !s.contains("[none]") && s.contains('['));
    sig || lockdown
}

fn caller() -> (u32, u32, Vec<u32>) {
    let mut groups: Vec<u32> = getgroups().unwrap_or_default().iter().map(|g| g.as_raw()).collect();
    groups.push(getgid().as_raw());
    (getuid().as_raw(), geteuid().as_raw(), groups)
}

fn ask(request: Request) -> Result<(), LoaderError> {
    let (ruid, euid, groups) = caller();
    decide(ruid, euid, &groups, group_gid("stapdev"), group_gid("stapusr"), request)
        .map_err(LoaderError::NotPermitted)
}

/// Checks the caller may load the module file `path`; returns the path to open: for root
/// `path` itself, for anyone else the resolved path that was checked.
pub fn check_load(path: &Path) -> Result<PathBuf, LoaderError> {
    if getuid().is_root() {
        return Ok(path.to_path_buf());
    }
    let real = std::fs::canonicalize(path)
        .map_err(|err| LoaderError::Io { context: format!("cannot open {}", path.display()), err })?;
    let release = nix::sys::utsname::uname()
        .map(|u| u.release().to_string_lossy().into_owned())
        .unwrap_or_default();
    // Resolved too: /lib is a link to usr/lib on merged-/usr systems (Debian 12).
    let dir = Path::new("/lib/modules").join(release).join("systemtap");
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    let safe = std::fs::metadata(&dir).is_ok_and(|m| m.uid() == 0 && m.mode() & 0o022 == 0);
    let data = std::fs::read(&real).unwrap_or_default();
    ask(Request::Load(ModuleFacts {
        in_systemtap_dir: real.starts_with(&dir),
        systemtap_dir_safe: safe,
        signed: crate::rename::unsigned_len(&data) != data.len(),
        kernel_enforces_signatures: kernel_enforces_signatures(),
    }))?;
    Ok(real)
}

/// Checks the caller may attach to, stop or remove the loaded module `name`.
pub fn check_control(name: &str) -> Result<(), LoaderError> {
    if getuid().is_root() {
        return Ok(());
    }
    // Every rstap module has this parameter (runtime-c/transport.c), readable in sysfs.
    let rstap = !name.contains('/')
        && Path::new("/sys/module").join(name).join("parameters/_rstap_bufsize_kb").exists();
    ask(Request::Control { rstap })
}

/// Creates (truncates) a file with the real user's rights when running setuid.
pub fn create_as_user(path: &Path) -> io::Result<File> {
    let (ruid, euid) = (getuid(), geteuid());
    if ruid == euid {
        return File::create(path);
    }
    let old_uid = nix::unistd::setfsuid(ruid);
    let old_gid = nix::unistd::setfsgid(getgid());
    let r = File::create(path);
    nix::unistd::setfsgid(old_gid);
    nix::unistd::setfsuid(old_uid);
    r
}

/// In a forked child before exec: become the real user again (setuid installs).
pub fn drop_privileges() {
    if getuid() != geteuid() || getgid() != getegid() {
        let _ = nix::unistd::setgid(Gid::current());
        let _ = nix::unistd::setuid(Uid::current());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: ModuleFacts = ModuleFacts {
        in_systemtap_dir: false,
        systemtap_dir_safe: true,
        signed: false,
        kernel_enforces_signatures: false,
    };

    #[test]
    fn policy() {
        let (dev, usr) = (Some(100), Some(101));
        let load = Request::Load;
        assert!(decide(0, 0, &[], dev, usr, load(F)).is_ok());
        assert!(decide(1000, 1000, &[100], dev, usr, load(F)).unwrap_err().contains("setuid"));
        assert!(decide(1000, 0, &[100], dev, usr, load(F)).is_ok());
        assert!(decide(1000, 0, &[5], dev, usr, load(F)).unwrap_err().contains("stapdev"));
        assert!(decide(1000, 0, &[5], None, None, Request::Control { rstap: true }).is_err());
        assert!(decide(1000, 0, &[101], dev, usr, Request::Control { rstap: true }).is_ok());
        assert!(decide(1000, 0, &[100], dev, usr, Request::Control { rstap: false })
            .unwrap_err()
            .contains("not an rstap module"));
        assert!(decide(0, 0, &[], dev, usr, Request::Control { rstap: false }).is_ok());
        assert!(decide(1000, 0, &[101], dev, usr, load(F)).unwrap_err().contains("stapusr"));
        let sys = ModuleFacts { in_systemtap_dir: true, ..F };
        assert!(decide(1000, 0, &[101], dev, usr, load(sys)).is_ok());
        let unsafe_dir = ModuleFacts { systemtap_dir_safe: false, ..sys };
        assert!(decide(1000, 0, &[101], dev, usr, load(unsafe_dir)).unwrap_err().contains("owned by root"));
        assert!(decide(1000, 0, &[100], dev, usr, load(unsafe_dir)).is_ok());
        let signed = ModuleFacts { signed: true, ..F };
        assert!(decide(1000, 0, &[101], dev, usr, load(signed)).unwrap_err().contains("enforces"));
        let enforced = ModuleFacts { signed: true, kernel_enforces_signatures: true, ..F };
        assert!(decide(1000, 0, &[101], dev, usr, load(enforced)).is_ok());
    }
}
