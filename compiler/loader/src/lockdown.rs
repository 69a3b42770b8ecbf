//! Why the kernel refused to load a module, on hosts that check module signatures
//! (lockdown, Secure Boot, `module.sig_enforce`): one line naming the cause and the fix
//! (docs/transport.md, "Permissions, signing, lockdown").
//!
//! `finit_module` answers at once: an unsigned module, or one signed by a key the kernel
//! does not trust, gets `EPERM` under lockdown (the kernel logs "Lockdown: ...: unsigned
//! module loading is restricted") and `EKEYREJECTED` under `module.sig_enforce`; a
//! malformed signature gets `EBADMSG`. The errno alone does not tell an unsigned module
//! from an untrusted key, so the loader looks at the file: a signed module ends with the
//! signature marker.

use nix::errno::Errno;

/// The kernel's lockdown level (`/sys/kernel/security/lockdown`, the word in brackets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lockdown {
    None,
    Integrity,
    Confidentiality,
}

impl Lockdown {
    fn name(self) -> &'static str {
        match self {
            Lockdown::None => "none",
            Lockdown::Integrity => "integrity",
            Lockdown::Confidentiality => "confidentiality",
        }
    }
}

/// What the kernel does with module signatures, as far as this host lets us read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Policy {
    /// None: securityfs not mounted, or no lockdown LSM.
    pub lockdown: Option<Lockdown>,
    /// `module.sig_enforce=1` (or a kernel built with CONFIG_MODULE_SIG_FORCE).
    pub sig_enforce: bool,
    /// `kernel.modules_disabled=1`: no module loads until reboot.
    pub modules_disabled: bool,
}

/// The bracketed word of `/sys/kernel/security/lockdown` ("none [integrity] confidentiality").
pub fn parse_lockdown(text: &str) -> Option<Lockdown> {
    let word = text.split_whitespace().find(|w| w.starts_with('['))?;
    match word.trim_matches(['[', ']']) {
        "none" => Some(Lockdown::None),
        "integrity" => Some(Lockdown::Integrity),
        "confidentiality" => Some(Lockdown::Confidentiality),
        _ => None,
    }
}

/// The running kernel's policy.
pub fn policy() -> Policy {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    Policy {
        lockdown: parse_lockdown(&read("/sys/kernel/security/lockdown")),
        sig_enforce: read("/sys/module/module/parameters/sig_enforce").trim() == "Y",
        modules_disabled: read("/proc/sys/kernel/modules_disabled").trim() == "1",
    }
}

const SIGN_HOW: &str = "sign it with rstap --sign-key KEY --sign-cert CERT, using a key the \
                        kernel trusts (built into it, or enrolled as a Machine Owner Key with \
                        mokutil --import, or in the platform keyring)";
const TRUST_HOW: &str = "sign it with a key the kernel trusts (built into it, or in the \
                         platform keyring), or enroll the signing certificate as a Machine \
                         Owner Key (mokutil --import CERT.der, confirmed at the next boot)";

/// Why `finit_module`/`init_module` refused a module, when signatures explain it: `signed`
/// tells whether the module file carries a signature, `renamed` whether `-R` loaded a copy
/// (which never carries one). None: not a signature matter (the caller's generic message).
pub fn refusal(errno: Errno, signed: bool, renamed: bool, p: &Policy) -> Option<String> {
    let locked = p.lockdown.filter(|l| *l != Lockdown::None);
    let rename_note = "rstaprun -R loads a renamed copy, which no longer matches the signature \
                       and is loaded without it: run it without -R";
    match errno {
        Errno::EPERM if p.modules_disabled => Some(
            "module loading is disabled until the next boot (kernel.modules_disabled=1)".into(),
        ),
        Errno::EPERM => {
            let l = locked?;
            Some(if renamed {
                format!("the kernel is locked down ({}) and loads only signed modules: \
                         {rename_note}", l.name())
            } else if signed {
                format!("the kernel is locked down ({}) and does not trust the key the module \
                         is signed with: {TRUST_HOW}", l.name())
            } else {
                format!("the kernel is locked down ({}) and loads only modules signed by a key \
                         it trusts, and this one is unsigned: {SIGN_HOW}", l.name())
            })
        }
        Errno::EKEYREJECTED | Errno::ENOKEY => Some(if renamed {
            format!("the kernel enforces module signatures: {rename_note}")
        } else if signed {
            format!("its signature was rejected: it is not made by a key the kernel trusts (or \
                     the module changed after signing): {TRUST_HOW}")
        } else {
            format!("the kernel enforces module signatures (module.sig_enforce) and this module \
                     is unsigned: {SIGN_HOW}")
        }),
        Errno::EBADMSG if signed && !renamed => Some(format!(
            "its signature is malformed: sign the unsigned module again ({SIGN_HOW})"
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockdown_file() {
        assert_eq!(parse_lockdown("[none] integrity confidentiality\n"), Some(Lockdown::None));
        assert_eq!(parse_lockdown("none [integrity] confidentiality\n"), Some(Lockdown::Integrity));
        assert_eq!(
            parse_lockdown("none integrity [confidentiality]\n"),
            Some(Lockdown::Confidentiality)
        );
        assert_eq!(parse_lockdown(""), None);
    }

    #[test]
    fn refusals_name_cause_and_fix() {
        let locked = Policy { lockdown: Some(Lockdown::Integrity), ..Default::default() };
        let open = Policy { lockdown: Some(Lockdown::None), ..Default::default() };
        let unsigned = refusal(Errno::EPERM, false, false, &locked).unwrap();
        assert!(unsigned.contains("locked down (integrity)") && unsigned.contains("unsigned"));
        assert!(unsigned.contains("--sign-key"));
        let untrusted = refusal(Errno::EPERM, true, false, &locked).unwrap();
        assert!(untrusted.contains("does not trust the key") && untrusted.contains("mokutil"));
        assert!(refusal(Errno::EPERM, true, true, &locked).unwrap().contains("-R"));
        // Not locked down, or lockdown unknown: EPERM is someone else's (not root, an LSM).
        assert_eq!(refusal(Errno::EPERM, false, false, &open), None);
        assert_eq!(refusal(Errno::EPERM, false, false, &Policy::default()), None);
        let disabled = Policy { modules_disabled: true, ..locked };
        assert!(refusal(Errno::EPERM, false, false, &disabled).unwrap().contains("modules_disabled"));
        let enforce = Policy { sig_enforce: true, ..open };
        assert!(refusal(Errno::EKEYREJECTED, false, false, &enforce).unwrap().contains("unsigned"));
        assert!(refusal(Errno::EKEYREJECTED, true, false, &enforce).unwrap().contains("rejected"));
        assert!(refusal(Errno::EBADMSG, true, false, &open).unwrap().contains("malformed"));
        assert_eq!(refusal(Errno::ENOEXEC, true, false, &locked), None);
    }
}
