//! rstaprun: loads an rstap module, relays its output, removes it (docs/transport.md).
//!
//! The binary is a thin wrapper over [`parse_args`], [`run`] and [`delete`]; the rstap
//! driver calls [`run`] in-process for pass 5. This crate must not depend on the
//! translator: it ships alone to production hosts.

pub mod args;
mod host;
pub mod lockdown;
pub mod merge;
pub mod modinfo;
mod outname;
mod params;
pub mod permit;
pub mod rename;
mod session;

use std::path::PathBuf;

pub use args::{parse_args, Cli, UsageError, USAGE};
pub use modinfo::{modinfo, ModinfoError};
pub use session::{delete, run, transport_dir, Snapshot};

/// What to run and how (the command line of `rstaprun`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// The module file (`NAME.ko`).
    pub module: PathBuf,
    /// Module parameters, `name=value` each (script globals).
    pub params: Vec<String>,
    /// `-c CMD`: run CMD with the probes armed; the run ends when it exits.
    pub command: Option<String>,
    /// `-x PID`: the script's target process.
    pub target_pid: Option<i32>,
    /// `-o FILE`: the script's output (kind-0 records) goes there instead of stdout.
    pub output: Option<PathBuf>,
    /// `-b MB`: relay buffer size per CPU.
    pub buffer_mb: Option<u32>,
    /// `-v` count: progress on stderr.
    pub verbose: u32,
    /// `-L`: load, start, detach and leave running (flight recorder, overwrite mode).
    pub load_only: bool,
    /// `-A`: attach to the running module named by `module` (a name or a .ko path).
    pub attach: bool,
    /// `-D`: run in the background once started (needs `output`).
    pub daemon: bool,
    /// `-R`: load under a new name (`NAME_PID`) so several instances can run.
    pub rename: bool,
    /// `-T MS`: longest wait between two reads of the output.
    pub poll_ms: Option<u32>,
    /// `-S SIZE_MB[,N]`: rotate the output file at SIZE_MB, keeping at most N files.
    pub rotate: Option<(u64, Option<u32>)>,
    /// `-w`: no warnings on stderr.
    pub no_warnings: bool,
}

/// Why a run could not be done. Its `Display` is the message without the `rstaprun: `
/// prefix. Once the module is loaded, every failure path unloads it before returning.
#[derive(Debug)]
pub enum LoaderError {
    Modinfo { module: PathBuf, err: ModinfoError },
    NotRstap { module: PathBuf },
    WrongKernel { module: PathBuf, built: String, host: String },
    Debugfs(String),
    Insert { module: PathBuf, name: String, errno: nix::errno::Errno },
    /// The kernel refused the module for its signature (or lack of one): `why` says
    /// which, and the fix (lockdown.rs).
    Refused { module: PathBuf, why: String },
    Attach { name: String, errno: nix::errno::Errno },
    NotPermitted(String),
    /// A `name=value` module option the module cannot take (params.rs).
    BadOption(String),
    NotLoaded { name: String },
    Unload { name: String, errno: nix::errno::Errno },
    Io { context: String, err: std::io::Error },
}

impl std::fmt::Display for LoaderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use nix::errno::Errno;
        match self {
            LoaderError::Modinfo { module, err } => {
                write!(f, "cannot read module {}: {err}", module.display())
            }
            LoaderError::NotRstap { module } => write!(
                f,
                "{} is not an rstap module (no rstap_kernel in its .modinfo)",
                module.display()
            ),
            LoaderError::WrongKernel { module, built, host } => write!(
                f,
                "{} was built for kernel {built}, but this host runs {host}",
                module.display()
            ),
            LoaderError::Debugfs(msg) => write!(f, "debugfs: {msg}"),
            LoaderError::Insert { module, name, errno } => {
                write!(f, "cannot insert module {}: ", module.display())?;
                match errno {
                    Errno::EEXIST => write!(
                        f,
                        "a module named {name} is already loaded (remove it with rstaprun -d {name})"
                    ),
                    Errno::EPERM | Errno::EACCES => write!(
                        f,
                        "{} (not root, or the kernel only takes modules signed by a key it \
                         trusts: lockdown, Secure Boot or module.sig_enforce; sign the \
                         module with rstap --sign-key/--sign-cert)",
                        errno.desc()
                    ),
                    Errno::EKEYREJECTED => write!(
                        f,
                        "its signature was rejected (not signed by a key this kernel trusts)"
                    ),
                    Errno::ENOEXEC => write!(f, "invalid module format (see dmesg)"),
                    _ => write!(f, "{} (see dmesg)", errno.desc()),
                }
            }
            LoaderError::Refused { module, why } => {
                write!(f, "cannot insert module {}: {why}", module.display())
            }
            LoaderError::Attach { name, errno } => match errno {
                Errno::ENOENT => write!(f, "module {name} is not loaded (or is not an rstap module)"),
                Errno::EBUSY => write!(f, "module {name} already has a reader (another rstaprun)"),
                _ => write!(f, "cannot attach to module {name}: {}", errno.desc()),
            },
            LoaderError::NotPermitted(msg) | LoaderError::BadOption(msg) => write!(f, "{msg}"),
            LoaderError::NotLoaded { name } => write!(f, "module {name} is not loaded"),
            LoaderError::Unload { name, errno } => {
                write!(f, "cannot remove module {name}: {}", errno.desc())
            }
            LoaderError::Io { context, err } => write!(f, "{context}: {err}"),
        }
    }
}

impl std::error::Error for LoaderError {}
