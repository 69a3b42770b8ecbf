//! The `rstap` command line, SystemTap's flags (stap(1)).

use clap::{ArgAction, Parser};
use std::path::PathBuf;

#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "rstap",
    version,
    about = "SystemTap scripts compiled to kernel modules, in Rust",
    after_help = "Also: rstap vm [--kernel KVER] [--smp N] [--memory MB] -- COMMAND...  (run COMMAND in a QEMU VM)"
)]
pub struct Options {
    /// Script text to run instead of a script file.
    #[arg(short = 'e', value_name = "SCRIPT")]
    pub script_text: Option<String>,

    /// Stop after pass NUM (1 parse, 2 elaborate, 3 translate, 4 build, 5 run).
    #[arg(short = 'p', value_name = "NUM", value_parser = clap::value_parser!(u8).range(1..=5))]
    pub last_pass: Option<u8>,

    /// More verbose: pass reports on stderr (repeat for more).
    #[arg(short = 'v', action = ArgAction::Count)]
    pub verbose: u8,

    /// Keep the build directory.
    #[arg(short = 'k')]
    pub keep: bool,

    /// Name of the module (default stap_<hash>).
    #[arg(short = 'm', value_name = "NAME")]
    pub module_name: Option<String>,

    /// Build for kernel release KVER (its headers must be installed). With -p4, several
    /// -r (or -r all) build one NAME-KVER.ko per kernel, in parallel.
    #[arg(short = 'r', value_name = "KVER")]
    pub kernel_release: Option<String>,

    /// Pass NAME[=VALUE] to the C compiler (e.g. MAXACTION=10000).
    #[arg(short = 'D', value_name = "NAME=VALUE")]
    pub defines: Vec<String>,

    /// Set a global at load time (like rstaprun's name=value).
    #[arg(short = 'G', value_name = "NAME=VALUE")]
    pub globals: Vec<String>,

    /// Guru mode: embedded C in the script, writes to target variables.
    #[arg(short = 'g')]
    pub guru: bool,

    /// Unoptimised: keep unused code.
    #[arg(short = 'u')]
    pub unoptimized: bool,

    /// Suppress warnings.
    #[arg(short = 'w')]
    pub suppress_warnings: bool,

    /// Run CMD once probes are armed; end when it exits. target() is its pid.
    #[arg(short = 'c', value_name = "CMD")]
    pub command: Option<String>,

    /// target() is PID.
    #[arg(short = 'x', value_name = "PID")]
    pub target_pid: Option<i32>,

    /// Write the script's output to FILE.
    #[arg(short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Buffer size in megabytes, per CPU.
    #[arg(short = 's', value_name = "MB")]
    pub buffer_mb: Option<u32>,

    /// Extra tapset directory.
    #[arg(short = 'I', value_name = "DIR")]
    pub tapset_dirs: Vec<PathBuf>,

    /// Symbol and unwind data for OBJ (executable or library).
    #[arg(short = 'd', value_name = "OBJ")]
    pub debug_objects: Vec<PathBuf>,

    /// Add -d for the shared libraries of the -c command / -d objects.
    #[arg(long = "ldd")]
    pub ldd: bool,

    /// List matching probe points.
    #[arg(short = 'l', value_name = "PROBE")]
    pub list: Option<String>,

    /// List matching probe points and their variables.
    #[arg(short = 'L', value_name = "PROBE")]
    pub list_vars: Option<String>,

    /// Print every function of the tapset library with its signature.
    #[arg(long = "dump-functions")]
    pub dump_functions: bool,

    /// Print every probe alias of the tapset library with the points it expands to.
    #[arg(long = "dump-probe-aliases")]
    pub dump_probe_aliases: bool,

    /// Flight recorder: build, then load with rstaprun -L (left running, detached;
    /// attach with rstaprun -A NAME).
    #[arg(short = 'F')]
    pub flight_recorder: bool,

    /// Sign the module with this private key (PEM), using the kernel build tree's
    /// scripts/sign-file; needs --sign-cert.
    #[arg(long = "sign-key", value_name = "FILE", requires = "sign_cert")]
    pub sign_key: Option<PathBuf>,

    /// The X.509 certificate (PEM or DER) of --sign-key.
    #[arg(long = "sign-cert", value_name = "FILE", requires = "sign_key")]
    pub sign_cert: Option<PathBuf>,

    /// Install what the target kernel (-r) needs: its headers and the vmlinux debuginfo
    /// (SystemTap's stap-prep). Module names given as arguments get their debuginfo too.
    #[arg(long = "prep")]
    pub prep: bool,

    /// With --prep: also install this module's debuginfo (repeatable; `usbcore`, `nf_*`),
    /// for module("NAME").function(...) probes.
    #[arg(long = "module", value_name = "NAME", requires = "prep")]
    pub prep_modules: Vec<String>,

    /// The script file ('-' for standard input), then its arguments ($1, @1, ...).
    #[arg(value_name = "SCRIPT")]
    pub positional: Vec<String>,
}

/// A script started through `#!/usr/bin/rstap -x -y` gets "-x -y" as one
/// argument from the kernel: split it, as SystemTap does.
pub fn split_shebang_args(mut argv: Vec<String>) -> Vec<String> {
    if argv.len() >= 3 {
        let first = &argv[1];
        if first.starts_with('-') && first.contains(char::is_whitespace) && std::path::Path::new(&argv[2]).is_file() {
            let parts: Vec<String> = first.split_whitespace().map(str::to_string).collect();
            argv.splice(1..2, parts);
        }
    }
    argv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_after_script_args() {
        let o = Options::try_parse_from(["rstap", "s.stp", "vfs_read", "ksys_write", "-c", "cat x", "-v"]).unwrap();
        assert_eq!(o.positional, ["s.stp", "vfs_read", "ksys_write"]);
        assert_eq!(o.command.as_deref(), Some("cat x"));
        assert_eq!(o.verbose, 1);
    }

    #[test]
    fn shebang_line_is_split() {
        let me = std::env::current_exe().unwrap().display().to_string();
        let argv = split_shebang_args(vec!["rstap".into(), "--ldd -d /x -c y".into(), me.clone(), "a".into()]);
        assert_eq!(argv, ["rstap", "--ldd", "-d", "/x", "-c", "y", &me, "a"]);
        let argv = split_shebang_args(vec!["rstap".into(), "-e".into(), "probe begin {}".into()]);
        assert_eq!(argv.len(), 3);
    }
}
