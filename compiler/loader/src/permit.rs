//! Who may load what (staprun(8), "SAFETY AND SECURITY"): root always. Otherwise rstaprun
//! must be installed setuid root, and the real user must be in a group:
//!
//! - `stapdev`: any module;
//! - `stapusr`: modules installed under /lib/modules/RELEASE/systemtap/ by the
//!   administrator, or modules carrying a signature on a kernel that enforces module
//!   signatures (the kernel then checks the key; rstaprun does not judge keys itself);
//!   and `-A`/`-d` of loaded modules.
//!
//! While setuid, the output file is created with the real user's rights and a `-c`
//! command runs as the real user.

use std::fs::File;
use std::io;
use std::path::Path;

use nix::unistd::{getegid, getgid, getgroups, geteuid, getuid, Gid, Uid};

use crate::LoaderError;

pub enum Action<'a> {
    /// Insert this module file.
    Load(&'a Path),
    /// Attach to, stop or remove a loaded module.
    Control(&'a str),
}

/// What the policy needs to know about a module to be loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModuleFacts {
    pub in_systemtap_dir: bool,
    pub signed: bool,
    pub kernel_enforces_signatures: bool,
}

/// The policy, without any system lookups. `module` is None for -A/-d.
pub fn decide(
    ruid: u32,
    euid: u32,
    groups: &[u32],
    stapdev: Option<u32>,
    stapusr: Option<u32>,
    module: Option<ModuleFacts>,
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
    if member(stapdev) {
        return Ok(());
    }
    if !member(stapusr) {
        return Err("not permitted: be root, or a member of stapdev (any module) or stapusr \
                    (modules in /lib/modules/RELEASE/systemtap/ or signed ones)"
            .into());
    }
    match module {
        None => Ok(()),
        Some(f) if f.in_systemtap_dir => Ok(()),
        Some(f) if f.signed && f.kernel_enforces_signatures => Ok(()),
        Some(f) if f.signed => Err("not permitted: members of stapusr may load a signed module \
                                    only on a kernel that enforces module signatures \
                                    (module.sig_enforce or lockdown); else only modules in \
                                    /lib/modules/RELEASE/systemtap/"
            .into()),
        Some(_) => Err("not permitted: members of stapusr (not stapdev) may load only modules \
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

/// Checks the caller may do `action`.
pub fn check(action: Action) -> Result<(), LoaderError> {
    let (ruid, euid) = (getuid().as_raw(), geteuid().as_raw());
    if ruid == 0 {
        return Ok(());
    }
    let mut groups: Vec<u32> = getgroups().unwrap_or_default().iter().map(|g| g.as_raw()).collect();
    groups.push(getgid().as_raw());
    let facts = match action {
        Action::Control(_) => None,
        Action::Load(path) => {
            let release = nix::sys::utsname::uname()
                .map(|u| u.release().to_string_lossy().into_owned())
                .unwrap_or_default();
            let dir = Path::new("/lib/modules").join(release).join("systemtap");
            let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            let data = std::fs::read(path).unwrap_or_default();
            Some(ModuleFacts {
                in_systemtap_dir: real.starts_with(&dir),
                signed: crate::rename::unsigned_len(&data) != data.len(),
                kernel_enforces_signatures: kernel_enforces_signatures(),
            })
        }
    };
    decide(ruid, euid, &groups, group_gid("stapdev"), group_gid("stapusr"), facts)
        .map_err(LoaderError::NotPermitted)
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

    const F: ModuleFacts =
        ModuleFacts { in_systemtap_dir: false, signed: false, kernel_enforces_signatures: false };

    #[test]
    fn policy() {
        let (dev, usr) = (Some(100), Some(101));
        assert!(decide(0, 0, &[], dev, usr, Some(F)).is_ok());
        assert!(decide(1000, 1000, &[100], dev, usr, Some(F)).unwrap_err().contains("setuid"));
        assert!(decide(1000, 0, &[100], dev, usr, Some(F)).is_ok());
        assert!(decide(1000, 0, &[5], dev, usr, Some(F)).unwrap_err().contains("stapdev"));
        assert!(decide(1000, 0, &[5], None, None, None).is_err());
        assert!(decide(1000, 0, &[101], dev, usr, None).is_ok());
        assert!(decide(1000, 0, &[101], dev, usr, Some(F)).unwrap_err().contains("stapusr"));
        let sys = ModuleFacts { in_systemtap_dir: true, ..F };
        assert!(decide(1000, 0, &[101], dev, usr, Some(sys)).is_ok());
        let signed = ModuleFacts { signed: true, ..F };
        assert!(decide(1000, 0, &[101], dev, usr, Some(signed)).unwrap_err().contains("enforces"));
        let enforced = ModuleFacts { signed: true, kernel_enforces_signatures: true, ..F };
        assert!(decide(1000, 0, &[101], dev, usr, Some(enforced)).is_ok());
    }
}
