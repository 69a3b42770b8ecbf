//! `rstap vm`: the QEMU test bed.
//!
//! Boots an installed Debian kernel under `qemu-system-x86_64 -accel tcg` with a generated
//! initramfs ([`initramfs`]), shares the host's `/` read-only and the current directory
//! read-write over 9p (at the same paths), runs a command as root in a chroot of the host's
//! filesystem, relays its stdout and stderr separately, forwards SIGINT/SIGTERM to it, checks
//! the guest's kernel log for BUG/WARNING/Oops/lockdep/stall reports ([`klog`]) and serves
//! remote builds for an rstap running in the guest ([`spool`]). With `--sealed` nothing is
//! shared: the guest has only busybox and the `--include`d files ([`sealed`]).
//!
//! Channels between host and guest (one virtio-serial device, one host Unix socket each):
//! `rstap.stdout`, `rstap.stderr` (the command's output), `rstap.ctl` (signals to forward),
//! `rstap.status` (`started <uptime>`, `exit <status>`), `rstap.kmsg` (the guest's `dmesg` at
//! the end). The kernel console (ttyS0) goes to a log file.

pub mod cpio;
pub mod initramfs;
pub mod klog;
pub mod modules;
pub mod sealed;
pub mod spool;

pub use spool::{guest_spool, remote_build, BuildReply};

use anyhow::{bail, Context, Result};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Exit status of `rstap vm` when the guest's kernel log shows a problem.
pub const EXIT_KERNEL_PROBLEM: i32 = 121;
/// Exit status of `rstap vm` when `--timeout` expired.
pub const EXIT_TIMEOUT: i32 = 124;
/// Exit status after the third SIGINT (the VM is killed).
pub const EXIT_INTERRUPTED: i32 = 130;

/// Options of `rstap vm`.
#[derive(Debug, Clone)]
pub struct VmOptions {
    /// Kernel release to boot (`/boot/vmlinuz-KVER`); None: the newest installed.
    pub kernel: Option<String>,
    pub smp: u32,
    pub memory_mb: u32,
    /// Kill the VM after this many seconds (exit status 124).
    pub timeout_secs: Option<u64>,
    /// The command to run as root inside the guest.
    pub command: Vec<String>,
    /// Print the boot time and other details (`-v`).
    pub verbose: bool,
    /// Do not turn kernel log problems into exit status 121 (`--allow-kernel-warnings`);
    /// they are still printed.
    pub allow_kernel_warnings: bool,
    /// Save the guest's kernel log there (`--keep-log FILE`; default: `$RSTAP_VM_LOG`).
    pub keep_log: Option<PathBuf>,
    /// The rstap executable that serves the guest's remote builds; None: this executable.
    pub build_exe: Option<PathBuf>,
    /// The directory shared read-write and the command's cwd; None: the current directory.
    pub cwd: Option<PathBuf>,
    /// No 9p share: the guest holds busybox and `include` only (`--sealed`).
    pub sealed: bool,
    /// Host files and directories copied into a sealed guest at the same paths (`--include`).
    pub include: Vec<PathBuf>,
}

impl Default for VmOptions {
    fn default() -> Self {
        VmOptions {
            kernel: None,
            smp: 2,
            memory_mb: 2048,
            timeout_secs: None,
            command: Vec::new(),
            verbose: false,
            allow_kernel_warnings: false,
            keep_log: None,
            build_exe: None,
            cwd: None,
            sealed: false,
            include: Vec::new(),
        }
    }
}

/// Where the command's output and `rstap vm`'s own messages go, and what the command reads.
#[derive(Clone)]
pub struct Sinks {
    pub stdout: Arc<Mutex<dyn Write + Send>>,
    pub stderr: Arc<Mutex<dyn Write + Send>>,
    /// The command's stdin; None: empty.
    pub stdin: Option<Arc<Mutex<dyn Read + Send>>>,
}

impl Sinks {
    /// The process's stdout and stderr; its stdin too unless that is a terminal (the guest
    /// command has no terminal: it reads an empty stdin then).
    pub fn std() -> Sinks {
        use std::io::IsTerminal;
        let stdin: Option<Arc<Mutex<dyn Read + Send>>> =
            if std::io::stdin().is_terminal() { None } else { Some(Arc::new(Mutex::new(std::io::stdin()))) };
        Sinks { stdout: Arc::new(Mutex::new(std::io::stdout())), stderr: Arc::new(Mutex::new(std::io::stderr())), stdin }
    }

    fn msg(&self, s: &str) {
        let mut e = self.stderr.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(e, "rstap vm: {s}");
        let _ = e.flush();
    }
}

/// Boots the VM, runs the command, returns its exit status.
pub fn run(opts: &VmOptions) -> Result<i32> {
    run_with(opts, &Sinks::std())
}

/// Finds qemu-system-x86_64 (`$RSTAP_QEMU` overrides).
pub fn find_qemu() -> Result<PathBuf> {
    if let Some(q) = std::env::var_os("RSTAP_QEMU").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(q));
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    std::env::split_paths(&path)
        .map(|d| d.join("qemu-system-x86_64"))
        .find(|p| p.is_file())
        .context("qemu-system-x86_64 not found: install qemu-system-x86")
}

/// The kernel release to boot.
pub fn choose_kernel(requested: Option<&str>) -> Result<String> {
    match requested {
        Some(k) => Ok(k.to_string()),
        None => initramfs::installed_kernels()
            .into_iter()
            .next()
            .context("no kernel with modules installed in /boot: install linux-image-amd64"),
    }
}

/// Quotes a word for a POSIX shell.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Escapes a value for a QEMU option list.
fn qesc(p: &Path) -> String {
    p.to_string_lossy().replace(',', ",,")
}

/// The PATH of a sealed guest (the host's may name directories it does not have).
const SEALED_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Environment of the guest command: a fixed set plus the host's RSTAP_*/RUST_* settings.
/// A sealed guest (no spool) gets a standard PATH and no spool.
fn guest_env(spool: Option<&Path>) -> Vec<(String, String)> {
    let path = match spool {
        Some(_) => std::env::var("PATH").unwrap_or_else(|_| SEALED_PATH.into()),
        None => SEALED_PATH.into(),
    };
    let mut env = vec![
        ("PATH".to_string(), path),
        ("HOME".into(), "/root".into()),
        ("USER".into(), "root".into()),
        ("LOGNAME".into(), "root".into()),
        ("TERM".into(), std::env::var("TERM").unwrap_or_else(|_| "dumb".into())),
    ];
    for (k, v) in std::env::vars() {
        let pass = matches!(k.as_str(), "LANG" | "LC_ALL" | "LANGUAGE" | "TZ" | "RUST_BACKTRACE" | "RUST_LOG")
            || (k.starts_with("RSTAP_")
                && !matches!(k.as_str(), "RSTAP_VM" | "RSTAP_VM_LOG" | "RSTAP_OUTPUT_DIR" | "RSTAP_QEMU" | "RSTAP_VM_BUSYBOX")
                && k != spool::SPOOL_ENV);
        if pass {
            env.push((k, v));
        }
    }
    env.push(("RSTAP_VM".into(), "1".into()));
    match spool {
        Some(spool) => env.push((spool::SPOOL_ENV.into(), spool.to_string_lossy().into_owned())),
        None => env.push(("RSTAP_VM_SEALED".into(), "1".into())),
    }
    env
}

/// The script the guest runs (by the host's /bin/sh, in the chroot) for the command.
fn command_script(cwd: &Path, env: &[(String, String)], command: &[String]) -> String {
    let mut s = String::from("# rstap vm: the command. Generated by rstap.\necho $$ > /run/rstap/pid\n");
    s.push_str(&format!("cd {} || exit 125\n", shell_quote(&cwd.to_string_lossy())));
    // busybox's env in a sealed guest, the host's in the chroot.
    s.push_str("exec env -i");
    for (k, v) in env {
        s.push(' ');
        s.push_str(&shell_quote(&format!("{k}={v}")));
    }
    for a in command {
        s.push(' ');
        s.push_str(&shell_quote(a));
    }
    s.push('\n');
    s
}

/// `p` without `.` and `..` components, lexically (an `--include` names the path as given).
fn normalize_path(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

/// Removes the run directory at the end.
struct TempDir(PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const PORTS: [&str; 6] = [
    initramfs::PORT_STDIN,
    initramfs::PORT_STDOUT,
    initramfs::PORT_STDERR,
    initramfs::PORT_CTL,
    initramfs::PORT_STATUS,
    initramfs::PORT_KMSG,
];

/// What the guest reported on the status port.
#[derive(Default)]
struct GuestState {
    started: Option<(Instant, String)>,
    exit: Option<i32>,
    kmsg: Vec<u8>,
    ctl: Option<UnixStream>,
}

// Signals received by `rstap vm`, to forward to the guest: bit per signal, plus a count of SIGINTs.
static PENDING: AtomicU32 = AtomicU32::new(0);
static INTERRUPTS: AtomicU32 = AtomicU32::new(0);
const FORWARDED: [(nix::sys::signal::Signal, &str); 3] = [
    (nix::sys::signal::Signal::SIGINT, "INT"),
    (nix::sys::signal::Signal::SIGTERM, "TERM"),
    (nix::sys::signal::Signal::SIGHUP, "HUP"),
];

extern "C" fn on_signal(sig: libc_int) {
    for (i, (s, _)) in FORWARDED.iter().enumerate() {
        if *s as libc_int == sig {
            PENDING.fetch_or(1 << i, Ordering::SeqCst);
        }
    }
    if sig == nix::sys::signal::Signal::SIGINT as libc_int {
        INTERRUPTS.fetch_add(1, Ordering::SeqCst);
    }
}
#[allow(non_camel_case_types)]
type libc_int = std::ffi::c_int;

/// Installs the forwarding handlers; the previous ones come back on drop.
struct SignalGuard(Vec<(nix::sys::signal::Signal, nix::sys::signal::SigAction)>);
impl SignalGuard {
    fn install() -> SignalGuard {
        use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet};
        PENDING.store(0, Ordering::SeqCst);
        INTERRUPTS.store(0, Ordering::SeqCst);
        let act = SigAction::new(SigHandler::Handler(on_signal), SaFlags::SA_RESTART, SigSet::empty());
        let mut old = Vec::new();
        for (s, _) in FORWARDED {
            // SAFETY: the handler only touches atomics.
            if let Ok(prev) = unsafe { sigaction(s, &act) } {
                old.push((s, prev));
            }
        }
        SignalGuard(old)
    }
}
impl Drop for SignalGuard {
    fn drop(&mut self) {
        for (s, prev) in &self.0 {
            // SAFETY: restoring the disposition that was there before.
            let _ = unsafe { nix::sys::signal::sigaction(*s, prev) };
        }
    }
}

/// Accepts QEMU's connection to one port's socket, giving up when `done` is set.
fn accept(listener: UnixListener, done: &AtomicBool) -> Option<UnixStream> {
    listener.set_nonblocking(true).ok()?;
    loop {
        match listener.accept() {
            Ok((s, _)) => {
                s.set_nonblocking(false).ok()?;
                return Some(s);
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if done.load(Ordering::SeqCst) {
                    return None;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(_) => return None,
        }
    }
}

/// Copies a stream to a sink until EOF; keeps draining if the sink fails.
fn relay(mut from: UnixStream, to: Arc<Mutex<dyn Write + Send>>) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut ok = true;
    loop {
        match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) if ok => {
                let mut w = to.lock().unwrap_or_else(|p| p.into_inner());
                ok = w.write_all(&buf[..n]).and_then(|_| w.flush()).is_ok();
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
}

/// Copies the command's stdin to the guest, then half-closes the stream: QEMU reads the end
/// of file once the guest opened its port, and the guest's reads then return 0. (A full close
/// would let QEMU drop the connection before it read the data.) The stream stays open until
/// the VM is gone.
fn feed(mut to: UnixStream, from: Option<Arc<Mutex<dyn Read + Send>>>, done: &AtomicBool) {
    if let Some(from) = from {
        // Reading blocks: do it in a thread that may outlive the VM (stdin never at EOF).
        let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = match from.lock().unwrap_or_else(|p| p.into_inner()).read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                if tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        loop {
            match rx.recv_timeout(Duration::from_millis(50)) {
                Ok(chunk) => {
                    if to.write_all(&chunk).is_err() {
                        break;
                    }
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) if !done.load(Ordering::SeqCst) => {}
                Err(_) => break,
            }
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Write);
    while !done.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn qemu_args(
    kernel: &Path,
    initrd: &Path,
    opts: &VmOptions,
    run: &Path,
    cwd: Option<&Path>,
    spool: Option<&Path>,
) -> Vec<String> {
    // no_timer_check: under software emulation the IO-APIC timer check can miss its
    // deadline and panic the guest at boot ("IO-APIC + timer doesn't work!").
    let mut append = String::from(
        "console=ttyS0,115200 panic=-1 quiet loglevel=4 log_buf_len=4M printk.devkmsg=on random.trust_cpu=on no_timer_check rdinit=/init",
    );
    if let Ok(extra) = std::env::var("RSTAP_VM_APPEND") {
        append.push(' ');
        append.push_str(&extra);
    }
    let mut a: Vec<String> = [
        "-machine", "pc", "-cpu", "max", "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    a.splice(0..0, ["-accel".to_string(), accel()]);
    // qboot starts the kernel ~1 s sooner than SeaBIOS under TCG.
    let qboot = Path::new("/usr/share/qemu/qboot.rom");
    if qboot.exists() && std::env::var_os("RSTAP_VM_SEABIOS").is_none() {
        a.extend(["-bios".into(), qboot.to_string_lossy().into_owned()]);
    }
    // Extra QEMU arguments for experiments (split at whitespace).
    if let Ok(extra) = std::env::var("RSTAP_VM_QEMU_ARGS") {
        a.extend(extra.split_whitespace().map(str::to_string));
    }
    a.extend(["-smp".into(), opts.smp.to_string(), "-m".into(), format!("{}M", opts.memory_mb)]);
    a.extend(["-kernel".into(), kernel.to_string_lossy().into_owned()]);
    a.extend(["-initrd".into(), initrd.to_string_lossy().into_owned()]);
    a.extend(["-append".into(), append]);
    a.extend(["-chardev".into(), format!("file,id=con,path={}", qesc(&run.join("console.log")))]);
    a.extend(["-serial".into(), "chardev:con".into()]);
    a.extend(["-device".into(), "virtio-serial-pci,id=vser".into()]);
    for (i, name) in PORTS.iter().enumerate() {
        a.extend(["-chardev".into(), format!("socket,id=p{i},path={}", qesc(&run.join(format!("{name}.sock"))))]);
        a.extend(["-device".into(), format!("virtserialport,bus=vser.0,chardev=p{i},name={name}")]);
    }
    let mut fs = |id: &str, path: &Path, tag: &str, ro: bool| {
        a.extend([
            "-fsdev".into(),
            format!(
                "local,id={id},path={},security_model=none,multidevs=remap{}",
                qesc(path),
                if ro { ",readonly=on" } else { "" }
            ),
        ]);
        a.extend(["-device".into(), format!("virtio-9p-pci,fsdev={id},mount_tag={tag}")]);
    };
    // A sealed guest (no spool) shares nothing.
    if let Some(spool) = spool {
        fs("fsroot", Path::new("/"), initramfs::TAG_ROOT, true);
        fs("fsspool", spool, initramfs::TAG_SPOOL, false);
        if let Some(c) = cwd {
            fs("fscwd", c, initramfs::TAG_CWD, false);
        }
    }
    a
}

/// Like [`run`], with the command's output and the messages sent to `sinks`.
pub fn run_with(opts: &VmOptions, sinks: &Sinks) -> Result<i32> {
    if std::env::var_os("RSTAP_VM").is_some() {
        bail!("already inside `rstap vm` (RSTAP_VM is set)");
    }
    if opts.command.is_empty() {
        bail!("no command given: rstap vm [OPTIONS] -- COMMAND...");
    }
    if !opts.include.is_empty() && !opts.sealed {
        bail!("--include is for a sealed guest: add --sealed (the normal guest sees all of the host's files)");
    }
    let kver = choose_kernel(opts.kernel.as_deref())?;
    let kernel = initramfs::kernel_image(&kver)?;
    let qemu = find_qemu()?;
    let initrd = if opts.sealed { None } else { Some(initramfs::get(&kver)?) };

    let run_dir = nix::unistd::mkdtemp(&std::env::temp_dir().join("rstap-vm-XXXXXX")).context("creating a temporary directory")?;
    let run_dir = TempDir(run_dir);
    let run = run_dir.0.as_path();
    let spool = run.join("spool");
    std::fs::create_dir(&spool)?;
    let cwd = match &opts.cwd {
        Some(c) => c.canonicalize().with_context(|| format!("directory {}", c.display()))?,
        None => std::env::current_dir().context("the current directory")?,
    };
    let rw_cwd = (cwd != Path::new("/")).then_some(cwd.as_path());

    let conf = format!(
        "RSTAP_SPOOL={}\nRSTAP_CWD={}\n",
        shell_quote(&spool.to_string_lossy()),
        shell_quote(&rw_cwd.map(|c| c.to_string_lossy().into_owned()).unwrap_or_default())
    );
    let initrd = match initrd {
        Some(i) => {
            std::fs::write(spool.join("vm.conf"), conf)?;
            std::fs::write(spool.join("cmd.sh"), command_script(&cwd, &guest_env(Some(&spool)), &opts.command))?;
            i
        }
        None => {
            let here = std::env::current_dir().context("the current directory")?;
            let include: Vec<PathBuf> = opts.include.iter().map(|p| normalize_path(&here.join(p))).collect();
            let cmd = command_script(&cwd, &guest_env(None), &opts.command);
            let img = sealed::build(&kver, &include, &cwd, &cmd)?;
            if opts.verbose {
                sinks.msg(&format!(
                    "sealed initramfs: {} files, {:.1} MB",
                    img.manifest.len(),
                    img.image.len() as f64 / (1 << 20) as f64
                ));
            }
            let p = run.join("sealed.cpio");
            std::fs::write(&p, &img.image).with_context(|| format!("writing {}", p.display()))?;
            p
        }
    };

    let mut listeners = Vec::new();
    for name in PORTS {
        let p = run.join(format!("{name}.sock"));
        listeners.push(UnixListener::bind(&p).with_context(|| format!("binding {}", p.display()))?);
    }

    let args = qemu_args(&kernel, &initrd, opts, run, rw_cwd, (!opts.sealed).then_some(spool.as_path()));
    if opts.verbose {
        sinks.msg(&format!("{} {}", qemu.display(), args.join(" ")));
    }
    sinks.msg(&format!(
        "booting {kver} ({} CPUs, {} MB{})...",
        opts.smp,
        opts.memory_mb,
        if opts.sealed { ", sealed" } else { "" }
    ));
    let t0 = Instant::now();
    let mut cmd = Command::new(&qemu);
    cmd.args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0); // the terminal's ^C is for us to forward, not for QEMU
    // SAFETY: prctl is async-signal-safe. QEMU must not outlive us if we are killed.
    unsafe {
        cmd.pre_exec(|| {
            nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL).map_err(std::io::Error::from)
        });
    }
    let mut child: Child = cmd.spawn().with_context(|| format!("running {}", qemu.display()))?;

    let done = Arc::new(AtomicBool::new(false));
    let state = Arc::new(Mutex::new(GuestState::default()));
    let mut threads: Vec<JoinHandle<()>> = Vec::new();
    let qemu_err = Arc::new(Mutex::new(Vec::new()));
    if let Some(mut e) = child.stderr.take() {
        let buf = qemu_err.clone();
        threads.push(std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = e.read_to_end(&mut v);
            *buf.lock().unwrap() = v;
        }));
    }
    for (name, listener) in PORTS.iter().zip(listeners) {
        let (done, state, sinks) = (done.clone(), state.clone(), sinks.clone());
        let name = *name;
        threads.push(std::thread::spawn(move || {
            let Some(stream) = accept(listener, &done) else { return };
            match name {
                initramfs::PORT_STDIN => feed(stream, sinks.stdin, &done),
                initramfs::PORT_STDOUT => relay(stream, sinks.stdout),
                initramfs::PORT_STDERR => relay(stream, sinks.stderr),
                initramfs::PORT_CTL => state.lock().unwrap().ctl = Some(stream),
                initramfs::PORT_KMSG => {
                    let mut v = Vec::new();
                    let _ = (&stream).read_to_end(&mut v);
                    state.lock().unwrap().kmsg = v;
                }
                _ => {
                    for line in BufReader::new(stream).lines() {
                        let Ok(line) = line else { break };
                        let mut st = state.lock().unwrap();
                        if let Some(up) = line.strip_prefix("started ") {
                            st.started = Some((Instant::now(), up.trim().to_string()));
                        } else if let Some(rc) = line.strip_prefix("exit ") {
                            st.exit = rc.trim().parse().ok();
                        }
                    }
                }
            }
        }));
    }

    let exe = match &opts.build_exe {
        Some(e) => e.clone(),
        None => std::env::current_exe().context("finding the rstap executable")?,
    };
    // A sealed guest has no rstap to ask for builds.
    let server = if opts.sealed { None } else { Some(spool::SpoolServer::start(&spool, exe)?) };
    let signals = SignalGuard::install();

    // Wait for QEMU, forwarding signals and watching the clock.
    let timeout = opts.timeout_secs.map(Duration::from_secs);
    let mut timed_out = false;
    let mut interrupted = false;
    let mut announced = false;
    let mut queued: Vec<&str> = Vec::new();
    let qemu_status = loop {
        if let Some(st) = child.try_wait()? {
            break st;
        }
        let pending = PENDING.swap(0, Ordering::SeqCst);
        for (i, (_, name)) in FORWARDED.iter().enumerate() {
            if pending & (1 << i) != 0 {
                queued.push(name);
            }
        }
        if !queued.is_empty() {
            let mut st = state.lock().unwrap();
            if let Some(ctl) = st.ctl.as_mut() {
                for name in queued.drain(..) {
                    let _ = writeln!(ctl, "{name}");
                }
            }
        }
        if INTERRUPTS.load(Ordering::SeqCst) >= 3 {
            sinks.msg("interrupted three times: killing the VM");
            let _ = child.kill();
            interrupted = true;
            break child.wait()?;
        }
        if opts.verbose && !announced {
            if let Some((t, up)) = &state.lock().unwrap().started {
                sinks.msg(&format!("guest ready after {:.1}s (guest uptime {up}s)", (*t - t0).as_secs_f64()));
                announced = true;
            }
        }
        if let Some(limit) = timeout {
            if t0.elapsed() > limit {
                let _ = child.kill();
                timed_out = true;
                break child.wait()?;
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    drop(signals);
    done.store(true, Ordering::SeqCst);
    for t in threads {
        let _ = t.join();
    }
    if let Some(server) = server {
        server.stop();
    }
    let elapsed = t0.elapsed();

    let console = String::from_utf8_lossy(&std::fs::read(run.join("console.log")).unwrap_or_default()).into_owned();
    let st = std::mem::take(&mut *state.lock().unwrap());
    let kmsg = String::from_utf8_lossy(&st.kmsg).into_owned();
    let keep = opts.keep_log.clone().or_else(|| std::env::var_os("RSTAP_VM_LOG").filter(|v| !v.is_empty()).map(PathBuf::from));
    if let Some(path) = &keep {
        let mut text = console.clone();
        if !kmsg.is_empty() {
            text.push_str("\n===== rstap vm: guest kernel log (dmesg) at the end =====\n");
            text.push_str(&kmsg);
        }
        std::fs::write(path, text).with_context(|| format!("writing the kernel log to {}", path.display()))?;
    }
    if opts.verbose {
        sinks.msg(&format!("VM ran {:.1}s", elapsed.as_secs_f64()));
    }

    // A dead guest: the problem reports of its console, then the console's end.
    let print_tail = |why: &str| {
        let fails = klog::failures(&console);
        for l in fails.iter().take(20) {
            sinks.msg(&format!("kernel log: {l}"));
        }
        sinks.msg(why);
        for l in klog::tail(&console, 25) {
            sinks.msg(&format!("console: {l}"));
        }
    };
    if timed_out {
        sinks.msg(&format!("timeout: killed the VM after {}s", opts.timeout_secs.unwrap_or(0)));
        for l in klog::tail(&console, 40) {
            sinks.msg(&format!("console: {l}"));
        }
        return Ok(EXIT_TIMEOUT);
    }
    if interrupted {
        return Ok(EXIT_INTERRUPTED);
    }
    let Some(status) = st.exit else {
        let qerr = String::from_utf8_lossy(&qemu_err.lock().unwrap()).trim().to_string();
        if !qemu_status.success() || st.started.is_none() && console.trim().is_empty() {
            print_tail("QEMU failed; the console's last lines:");
            bail!("QEMU failed ({qemu_status}): {qerr}");
        }
        let what = if console.contains("Kernel panic") {
            "the guest kernel panicked"
        } else if st.started.is_none() {
            "the guest did not start the command"
        } else {
            "the guest died before the command finished"
        };
        print_tail(&format!("{what}; the console's last lines:"));
        if !qerr.is_empty() {
            sinks.msg(&format!("qemu: {qerr}"));
        }
        bail!("{what} (kernel {kver})");
    };

    // The guest's full log; the console's when the guest could not send it.
    let log = if kmsg.trim().is_empty() { &console } else { &kmsg };
    let problems = klog::failures(log);
    if !problems.is_empty() {
        for l in &problems {
            sinks.msg(&format!("kernel log: {l}"));
        }
        if !opts.allow_kernel_warnings {
            if keep.is_none() {
                sinks.msg("(use --keep-log FILE to keep the whole kernel log)");
            }
            return Ok(EXIT_KERNEL_PROBLEM);
        }
    }
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(qesc(Path::new("/a,b")), "/a,,b");
    }

    #[test]
    fn command_script_shape() {
        let s = command_script(
            Path::new("/w d"),
            &[("A".into(), "x y".into())],
            &["sh".into(), "-c".into(), "echo '$1'".into()],
        );
        assert!(s.contains("cd '/w d' || exit 125\n"), "{s}");
        assert!(s.ends_with("exec env -i 'A=x y' 'sh' '-c' 'echo '\\''$1'\\'''\n"), "{s}");
    }
}

/// QEMU's accelerator: TCG with one thread for all vCPUs unless
/// `RSTAP_VM_ACCEL` says otherwise. Multi-threaded TCG executes code that
/// another vCPU is patching (kprobes, ftrace, static keys: text_poke_bp)
/// inconsistently: a plain kprobe+kretprobe module on vfs_read, registered
/// and removed while two CPUs call vfs_read, sends the guest to address 0
/// on Debian's 6.1 under MTTCG. One thread serialises the vCPUs, as the
/// hardware's cross-modifying-code rules assume.
fn accel() -> String {
    std::env::var("RSTAP_VM_ACCEL").unwrap_or_else(|_| "tcg,thread=single".to_string())
}
