//! One run of a module: check, insert, start, relay, stop, drain, remove
//! (docs/transport.md, "Loader sequence").

use std::ffi::{CString, OsStr};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::kmod::{delete_module, finit_module, init_module, DeleteModuleFlags, ModuleInitFlags};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{kill, sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::{ForkResult, Pid};

use crate::merge::{Merger, Record, KIND_STDERR};
use crate::{modinfo, LoaderError, RunOptions};

const DEBUGFS: &str = "/sys/kernel/debug";
const PROCFS: &str = "/proc";
const DEBUGFS_MAGIC: i64 = 0x6462_6720;
/// How often the loader reads the trace files and the control snapshot.
const POLL_INTERVAL: u16 = 50;
const READ_CHUNK: usize = 256 * 1024;
const UNLOAD_RETRY: Duration = Duration::from_secs(3);

/// The directory of a loaded module's transport files (docs/transport.md, "Files"):
/// `/proc/rstap_NAME` when the module chose procfs at load (lockdown, `-D
/// RT_TRANSPORT_PROCFS`, no debugfs), else `/sys/kernel/debug/rstap_NAME` (debugfs is
/// mounted first if it is not). None when neither holds a control file.
pub fn transport_dir(module_name: &str, v: u32) -> Option<PathBuf> {
    let dir = format!("rstap_{module_name}");
    let proc = Path::new(PROCFS).join(&dir);
    if proc.join("control").exists() {
        return Some(proc);
    }
    ensure_debugfs(v).ok()?;
    let debugfs = Path::new(DEBUGFS).join(&dir);
    debugfs.join("control").exists().then_some(debugfs)
}

/// The control file's snapshot line, parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub state: String,
    pub exit: bool,
    pub errors: u64,
    pub skipped: u64,
    pub dropped: u64,
}

impl Snapshot {
    pub fn parse(line: &str) -> Snapshot {
        let mut s = Snapshot::default();
        for field in line.split_whitespace() {
            let Some((k, v)) = field.split_once('=') else { continue };
            let n = || v.parse::<u64>().unwrap_or(0);
            match k {
                "state" => s.state = v.to_string(),
                "exit" => s.exit = n() != 0,
                "errors" => s.errors = n(),
                "skipped" => s.skipped = n(),
                "dropped" => s.dropped = n(),
                _ => {}
            }
        }
        s
    }
}

fn io_err(context: impl Into<String>) -> impl FnOnce(io::Error) -> LoaderError {
    let context = context.into();
    move |err| LoaderError::Io { context, err }
}

fn errno_of(e: &io::Error) -> Errno {
    Errno::from_raw(e.raw_os_error().unwrap_or(0))
}

macro_rules! verbose {
    ($v:expr, $($arg:tt)*) => {
        if $v > 0 {
            eprintln!("rstaprun: {}", format!($($arg)*));
        }
    };
}

/// Runs a module to its end; returns the exit status (1 if the script had errors or
/// could not start, else 0).
pub fn run(opts: &RunOptions) -> Result<i32, LoaderError> {
    let v = opts.verbose;
    if opts.attach {
        return attach(opts);
    }
    let module = &crate::permit::check_load(&find_module(&opts.module))?;

    // 1. The module must be an rstap module built for this kernel.
    let info = modinfo(module)
        .map_err(|err| LoaderError::Modinfo { module: module.clone(), err })?;
    let built = info
        .get("rstap_kernel")
        .ok_or_else(|| LoaderError::NotRstap { module: module.clone() })?;
    let host = nix::sys::utsname::uname()
        .map_err(|e| io_err("uname")(e.into()))?
        .release()
        .to_string_lossy()
        .into_owned();
    if *built != host {
        return Err(LoaderError::WrongKernel {
            module: module.clone(),
            built: built.clone(),
            host,
        });
    }
    // The same release can be rebuilt (a rebuilt package, a custom kernel):
    // the vmlinux build-id, when the module recorded one, must match too.
    if let (Some(want), Some(have)) = (info.get("rstap_build_id"), crate::modinfo::running_build_id()) {
        if *want != have {
            return Err(LoaderError::WrongKernel {
                module: module.clone(),
                built: format!("{built} (build-id {want})"),
                host: format!("{host} (build-id {have})"),
            });
        }
    }
    crate::params::check(&opts.params, &info).map_err(LoaderError::BadOption)?;
    let name = match info.get("name") {
        Some(n) if !n.is_empty() => n.clone(),
        _ => module
            .file_stem()
            .unwrap_or(OsStr::new("module"))
            .to_string_lossy()
            .replace('-', "_"),
    };
    verbose!(v, "module {name} built for {built}");

    let name = if opts.rename { crate::rename::unique_name(&name, std::process::id()) } else { name };
    let file = File::open(module).map_err(io_err(format!("cannot open {}", module.display())))?;
    let mut out = Output::open(opts)?;
    // Without a debugfs (none mounted, and none can be), the module puts its files in /proc.
    let no_debugfs = match ensure_debugfs(v) {
        Ok(()) => false,
        Err(e) => {
            verbose!(v, "{e}: asking the module for its files in /proc");
            true
        }
    };
    // -D: from here on in the background; the caller's process waits for the start.
    let mut daemon = if opts.daemon { Some(Daemon::fork()?) } else { None };

    let mut params: Vec<String> = opts.params.iter().map(|p| quote_param(p)).collect();
    if let Some(mb) = opts.buffer_mb {
        params.push(format!("_rstap_bufsize_kb={}", u64::from(mb) * 1024));
    }
    if let Some(pid) = opts.target_pid {
        params.push(format!("_rstap_target={pid}"));
    }
    if opts.load_only {
        params.push("_rstap_overwrite=1".into());
    }
    if no_debugfs {
        params.push("_rstap_procfs=1".into());
    }
    params.extend(crate::host::params(&info));

    // 4 (first half). -c: fork now, hold the child until the probes are armed.
    let mut child = match &opts.command {
        Some(cmd) => {
            let c = HeldChild::spawn(cmd).map_err(io_err("cannot start the -c command"))?;
            params.push(format!("_rstap_target={}", c.pid));
            verbose!(v, "command held as pid {}: {cmd}", c.pid);
            Some(c)
        }
        None => None,
    };

    let signals = SignalGuard::install();

    // 2. Insert.
    let param_str = CString::new(params.join(" ")).map_err(|_| {
        io_err("module parameters")(io::Error::new(io::ErrorKind::InvalidInput, "NUL byte"))
    })?;
    verbose!(v, "inserting {} as {name} {}", module.display(), param_str.to_string_lossy());
    let inserted = if opts.rename {
        let mut data = Vec::new();
        (&file).read_to_end(&mut data).map_err(io_err(format!("cannot read {}", module.display())))?;
        let old = info.get("name").cloned().unwrap_or_default();
        let image = crate::rename::renamed_image(&data, &old, &name).map_err(|e| LoaderError::Io {
            context: format!("cannot rename {}", module.display()),
            err: io::Error::new(io::ErrorKind::InvalidData, e),
        })?;
        init_module(&image, &param_str)
    } else {
        finit_module(file.as_fd(), &param_str, ModuleInitFlags::empty())
    };
    if let Err(errno) = inserted {
        if let Some(c) = child.as_mut() {
            c.cancel();
        }
        let data = std::fs::read(module).unwrap_or_default();
        let signed = crate::rename::unsigned_len(&data) != data.len();
        let policy = crate::lockdown::policy();
        verbose!(v, "insertion failed: {}; {policy:?}, module signed: {signed}", errno.desc());
        if let Some(why) = crate::lockdown::refusal(errno, signed, opts.rename, &policy) {
            return Err(LoaderError::Refused { module: module.clone(), why });
        }
        return Err(LoaderError::Insert { module: module.clone(), name, errno });
    }
    drop(file);

    // 3-6. Everything after the insertion ends with the removal, whatever happened.
    let result = Session::open(&name, opts).and_then(|mut s| {
        if !s.start(&mut out)? {
            return Ok(Ending::Finished(1));
        }
        if let Some(c) = child.as_mut() {
            // What the begin probes printed goes out before the command prints anything:
            // both write to the same stdout, and the command would otherwise race the relay.
            s.pump(&mut out, true)?;
            c.release();
        }
        if opts.load_only {
            s.detach()?;
            println!("{name}");
            if !opts.no_warnings {
                eprintln!(
                    "rstaprun: {name} left running (flight recorder); attach with \
                     rstaprun -A {name}, remove with rstaprun -d {name}"
                );
            }
            return Ok(Ending::Detached);
        }
        if let Some(d) = daemon.as_mut() {
            d.started();
        }
        s.relay(&mut out, child.as_mut())
    });
    finish_session(&name, result, child.as_mut(), signals, v)
}

/// What became of a session: it ended (with this exit status), or it was left running.
enum Ending {
    Finished(i32),
    Detached,
}

/// After a session: reap the -c command, restore the signals, remove the module unless it
/// was left running.
fn finish_session(
    name: &str,
    result: Result<Ending, LoaderError>,
    child: Option<&mut HeldChild>,
    signals: SignalGuard,
    v: u32,
) -> Result<i32, LoaderError> {
    if let Some(c) = child {
        c.finish();
    }
    drop(signals);
    if let Ok(Ending::Detached) = result {
        verbose!(v, "detached from {name}");
        return Ok(0);
    }
    let unloaded = unload(name, v);
    let status = match result? {
        Ending::Finished(st) => st,
        Ending::Detached => 0,
    };
    unloaded?;
    Ok(status)
}

/// `rstaprun -A NAME`: relay the output of a module left running, then stop and remove
/// it (or, on SIGQUIT, detach again).
fn attach(opts: &RunOptions) -> Result<i32, LoaderError> {
    let v = opts.verbose;
    let name = module_name_arg(&opts.module.to_string_lossy());
    crate::permit::check_control(&name)?;
    let mut out = Output::open(opts)?;
    if transport_dir(&name, v).is_none() {
        return Err(LoaderError::Attach { name, errno: Errno::ENOENT });
    }
    let mut daemon = if opts.daemon { Some(Daemon::fork()?) } else { None };
    let signals = SignalGuard::install();
    let mut s = match Session::open(&name, opts) {
        Ok(s) => s,
        Err(e) => {
            drop(signals);
            return Err(e);
        }
    };
    if let Err(e) = write_command(&mut s.control, "attach") {
        drop(s);
        drop(signals);
        return Err(LoaderError::Attach { name, errno: errno_of(&e) });
    }
    verbose!(v, "attached to {name}");
    if let Some(d) = daemon.as_mut() {
        d.started();
    }
    let result = s.relay(&mut out, None);
    drop(s);
    finish_session(&name, result, None, signals, v)
}

/// A module argument: a path, or a name looked up in /lib/modules/RELEASE/systemtap/.
fn find_module(arg: &Path) -> PathBuf {
    let s = arg.to_string_lossy();
    if arg.exists() || s.contains('/') {
        return arg.to_path_buf();
    }
    let release = nix::sys::utsname::uname()
        .map(|u| u.release().to_string_lossy().into_owned())
        .unwrap_or_default();
    let file = if s.ends_with(".ko") { s.to_string() } else { format!("{s}.ko") };
    let p = Path::new("/lib/modules").join(release).join("systemtap").join(file);
    if p.exists() {
        p
    } else {
        arg.to_path_buf()
    }
}

/// A module name given as a name or as a .ko file (whose .modinfo name is taken).
fn module_name_arg(arg: &str) -> String {
    let p = Path::new(arg);
    if p.extension().is_some_and(|e| e == "ko") {
        match modinfo(p).ok().and_then(|i| i.get("name").cloned()) {
            Some(n) => n,
            None => p.file_stem().unwrap().to_string_lossy().replace('-', "_"),
        }
    } else {
        arg.to_string()
    }
}

/// `rstaprun -d NAME`: stop the module's probes if it is ours, then remove it.
pub fn delete(name: &str, verbose: u32) -> Result<i32, LoaderError> {
    let name = module_name_arg(name);
    crate::permit::check_control(&name)?;
    if let Some(dir) = transport_dir(&name, verbose) {
        let control = dir.join("control");
        match OpenOptions::new().write(true).open(&control) {
            Ok(mut f) => {
                verbose!(verbose, "writing stop to {}", control.display());
                if let Err(e) = write_command(&mut f, "stop") {
                    eprintln!("rstaprun: stopping {name}: {e}");
                }
            }
            // Removing it stops it all the same (module_exit stops the probes).
            Err(e) => verbose!(verbose, "cannot open {}: {e}", control.display()),
        }
    }
    unload(&name, verbose)?;
    Ok(0)
}

/// Quotes a `name=value` parameter whose value has spaces, as the kernel's parser
/// accepts (`name="a b"`).
fn quote_param(p: &str) -> String {
    match p.split_once('=') {
        Some((k, val)) if val.contains(char::is_whitespace) && !val.starts_with('"') => {
            format!("{k}=\"{val}\"")
        }
        _ => p.to_string(),
    }
}

fn ensure_debugfs(v: u32) -> Result<(), LoaderError> {
    if let Ok(st) = nix::sys::statfs::statfs(DEBUGFS) {
        #[allow(clippy::unnecessary_cast)] // fs_type_t differs by libc
        if st.filesystem_type().0 as i64 == DEBUGFS_MAGIC {
            return Ok(());
        }
    } else if !Path::new(DEBUGFS).is_dir() {
        return Err(LoaderError::Debugfs(format!("{DEBUGFS} does not exist (is sysfs mounted?)")));
    }
    verbose!(v, "mounting debugfs on {DEBUGFS}");
    nix::mount::mount(
        Some("debugfs"),
        DEBUGFS,
        Some("debugfs"),
        nix::mount::MsFlags::empty(),
        None::<&str>,
    )
    .map_err(|e| LoaderError::Debugfs(format!("cannot mount on {DEBUGFS}: {}", e.desc())))
}

fn unload(name: &str, v: u32) -> Result<(), LoaderError> {
    let cname = CString::new(name).expect("module name without NUL");
    let deadline = Instant::now() + UNLOAD_RETRY;
    loop {
        match delete_module(&cname, DeleteModuleFlags::O_NONBLOCK) {
            Ok(()) => {
                verbose!(v, "removed module {name}");
                return Ok(());
            }
            Err(Errno::EAGAIN | Errno::EBUSY) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50))
            }
            Err(Errno::ENOENT) => return Err(LoaderError::NotLoaded { name: name.to_string() }),
            Err(errno) => return Err(LoaderError::Unload { name: name.to_string(), errno }),
        }
    }
}

fn write_command(f: &mut File, cmd: &str) -> io::Result<()> {
    let line = format!("{cmd}\n");
    loop {
        match f.write(line.as_bytes()) {
            Ok(_) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

// ---- output ----------------------------------------------------------------------------

/// Where kind-0 records go: stdout, or `-o FILE` with `-S` rotation (FILE, FILE.1, FILE.2,
/// ...; a new file when the next record would take the current one past the size, or on
/// SIGUSR2; with N, only the newest N files are kept).
struct Output {
    stdout: io::BufWriter<Box<dyn Write>>,
    /// Set when stdout can no longer be written (a closed pipe): the run stops.
    broken: bool,
    path: Option<PathBuf>,
    rotate: Option<(u64, Option<u32>)>,
    index: u32,
    written: u64,
    no_warnings: bool,
    /// -D: stderr is gone; kind-1 records go into the output file too.
    stderr_to_output: bool,
}

impl Output {
    fn open(opts: &RunOptions) -> Result<Output, LoaderError> {
        let path = opts.output.as_deref().map(crate::outname::expand);
        let w: Box<dyn Write> = match &path {
            Some(p) => Box::new(crate::permit::create_as_user(p)
                .map_err(io_err(format!("cannot create {}", p.display())))?),
            None => Box::new(io::stdout()),
        };
        Ok(Output {
            stdout: io::BufWriter::with_capacity(64 * 1024, w),
            broken: false,
            path,
            rotate: opts.rotate.map(|(mb, n)| (mb << 20, n)),
            index: 0,
            written: 0,
            no_warnings: opts.no_warnings,
            stderr_to_output: opts.daemon,
        })
    }

    fn file_name(base: &Path, index: u32) -> PathBuf {
        if index == 0 {
            base.to_path_buf()
        } else {
            PathBuf::from(format!("{}.{index}", base.display()))
        }
    }

    /// Closes the current output file and opens the next one.
    fn switch_file(&mut self) {
        let Some(base) = self.path.clone() else { return };
        self.flush();
        self.index += 1;
        match crate::permit::create_as_user(&Self::file_name(&base, self.index)) {
            Ok(f) => {
                self.stdout = io::BufWriter::with_capacity(64 * 1024, Box::new(f));
                self.broken = false;
            }
            Err(e) => {
                eprintln!("rstaprun: cannot switch the output file: {e}");
                self.broken = true;
            }
        }
        self.written = 0;
        if let Some((_, Some(keep))) = self.rotate {
            if self.index >= keep {
                let _ = std::fs::remove_file(Self::file_name(&base, self.index - keep));
            }
        }
    }

    fn write_out(&mut self, data: &[u8]) {
        if let Some((max, _)) = self.rotate {
            if self.written > 0 && self.written + data.len() as u64 > max {
                self.switch_file();
            }
        }
        if !self.broken && self.stdout.write_all(data).is_err() {
            self.broken = true;
        }
        self.written += data.len() as u64;
    }

    /// A warning of the loader's own (suppressed by -w).
    fn warn(&mut self, msg: &str) {
        if !self.no_warnings {
            self.message(format!("{msg}\n").as_bytes());
        }
    }

    fn message(&mut self, data: &[u8]) {
        if self.stderr_to_output {
            self.write_out(data);
            self.flush();
        } else {
            let _ = io::stderr().write_all(data);
        }
    }

    /// Prints records in the order given; stdout is flushed before every stderr record
    /// and at the end, so both streams keep the records' order and nothing lingers.
    fn emit(&mut self, records: Vec<Record>) {
        if records.is_empty() {
            return;
        }
        for r in records {
            if r.kind == KIND_STDERR {
                if self.no_warnings && r.data.starts_with(b"WARNING") {
                    continue;
                }
                self.flush();
                self.message(&r.data);
            } else {
                self.write_out(&r.data);
            }
        }
        self.flush();
    }

    fn flush(&mut self) {
        if !self.broken && self.stdout.flush().is_err() {
            self.broken = true;
        }
    }
}

// ---- -D -----------------------------------------------------------------------------------

/// The daemon of `-D`: the process forks; the parent waits until the child has started
/// the module (then prints the child's pid and exits 0) or has failed (then exits with the
/// child's status, its messages having gone to the same stderr).
struct Daemon {
    notify: Option<OwnedFd>,
}

impl Daemon {
    fn fork() -> Result<Daemon, LoaderError> {
        let (rd, wr) = nix::unistd::pipe2(OFlag::O_CLOEXEC).map_err(|e| io_err("pipe")(e.into()))?;
        // SAFETY: single-threaded here; both sides go on with ordinary code.
        match unsafe { nix::unistd::fork() }.map_err(|e| io_err("fork")(e.into()))? {
            ForkResult::Child => {
                drop(rd);
                let _ = nix::unistd::setsid();
                Ok(Daemon { notify: Some(wr) })
            }
            ForkResult::Parent { child } => {
                drop(wr);
                let mut b = [0u8; 1];
                let got = loop {
                    match nix::unistd::read(rd.as_raw_fd(), &mut b) {
                        Err(Errno::EINTR) => continue,
                        r => break r,
                    }
                };
                if got == Ok(1) {
                    println!("{child}");
                    std::process::exit(0);
                }
                let code = match waitpid(child, None) {
                    Ok(WaitStatus::Exited(_, c)) => c,
                    _ => 1,
                };
                std::process::exit(code);
            }
        }
    }

    /// The module runs: let the parent go, and leave the terminal.
    fn started(&mut self) {
        if let Some(fd) = self.notify.take() {
            if let Ok(null) = OpenOptions::new().read(true).write(true).open("/dev/null") {
                for target in 0..3 {
                    let _ = nix::unistd::dup2(null.as_raw_fd(), target);
                }
            }
            let _ = nix::unistd::write(&fd, b"1");
        }
    }
}

// ---- the loaded module's session ---------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StopReason {
    ScriptExit,
    Signal(i32),
    CommandExited,
    OutputClosed,
    ModuleStopped,
    Detach,
}

impl StopReason {
    fn describe(self) -> String {
        match self {
            StopReason::ScriptExit => "the script asked to exit".into(),
            StopReason::Signal(sig) => match Signal::try_from(sig) {
                Ok(s) => format!("got {s}"),
                Err(_) => format!("got signal {sig}"),
            },
            StopReason::CommandExited => "the -c command exited".into(),
            StopReason::OutputClosed => "the output was closed".into(),
            StopReason::ModuleStopped => "the module stopped by itself".into(),
            StopReason::Detach => "got SIGQUIT: detaching".into(),
        }
    }
}

struct Session {
    name: String,
    control: File,
    traces: Vec<(usize, File)>,
    merger: Merger,
    buf: Vec<u8>,
    verbose: u32,
    poll_ms: u16,
}

impl Session {
    fn open(name: &str, opts: &RunOptions) -> Result<Session, LoaderError> {
        let verbose = opts.verbose;
        let dir = transport_dir(name, verbose).ok_or_else(|| LoaderError::Io {
            context: format!(
                "module {name} has no control file in {PROCFS}/rstap_{name} or {DEBUGFS}/rstap_{name}"
            ),
            err: io::Error::new(io::ErrorKind::NotFound, "is it an rstap module?"),
        })?;
        let control = OpenOptions::new()
            .read(true)
            .write(true)
            .open(dir.join("control"))
            .map_err(|e| {
                let hint = if errno_of(&e) == Errno::EPERM && dir.starts_with(DEBUGFS) {
                    // The module chose debugfs at load; lockdown came later.
                    format!(
                        "the kernel was locked down after {name} was loaded, and lockdown \
                         restricts debugfs, where it keeps its files: remove it with \
                         rstaprun -d {name}; modules loaded under lockdown use /proc"
                    )
                } else {
                    "is it an rstap module?".to_string()
                };
                io_err(format!("cannot open {} ({hint})", dir.join("control").display()))(e)
            })?;
        let mut traces = Vec::new();
        let entries = std::fs::read_dir(&dir).map_err(io_err(format!("{}", dir.display())))?;
        for e in entries.flatten() {
            let fname = e.file_name();
            let Some(cpu) = fname
                .to_str()
                .and_then(|n| n.strip_prefix("trace"))
                .and_then(|n| n.parse::<usize>().ok())
            else {
                continue;
            };
            let f = OpenOptions::new()
                .read(true)
                .custom_flags(OFlag::O_NONBLOCK.bits())
                .open(e.path())
                .map_err(io_err(format!("cannot open {}", e.path().display())))?;
            traces.push((cpu, f));
        }
        traces.sort_by_key(|t| t.0);
        if traces.is_empty() {
            return Err(LoaderError::Io {
                context: format!("{}", dir.display()),
                err: io::Error::new(io::ErrorKind::NotFound, "no trace files"),
            });
        }
        verbose!(verbose, "reading {} trace files in {}", traces.len(), dir.display());
        Ok(Session {
            name: name.to_string(),
            control,
            traces,
            merger: Merger::default(),
            buf: vec![0; READ_CHUNK],
            verbose,
            poll_ms: opts.poll_ms.map_or(POLL_INTERVAL, |ms| ms.min(u32::from(u16::MAX)) as u16),
        })
    }

    fn snapshot(&self) -> Result<Snapshot, LoaderError> {
        let mut line = [0u8; 256];
        let n = loop {
            match self.control.read_at(&mut line, 0) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_err("reading the control file")(e)),
            }
        };
        Ok(Snapshot::parse(&String::from_utf8_lossy(&line[..n])))
    }

    /// Reads what the trace files hold and prints what is ready: at most `MAX_READS` reads
    /// per file while probes are armed (`bounded`), all of it after they stop. A probe on
    /// the loader's own reads and writes (`vfs_read`, `ksys_write`) makes every read bring
    /// another record: unbounded, this loop would never return to notice the command's
    /// exit or a signal.
    fn pump(&mut self, out: &mut Output, bounded: bool) -> Result<(), LoaderError> {
        const MAX_READS: usize = 8;
        let now = Instant::now();
        for (cpu, f) in &mut self.traces {
            for _ in 0..if bounded { MAX_READS } else { usize::MAX } {
                let n = match f.read(&mut self.buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => return Err(io_err(format!("reading trace{cpu}"))(e)),
                };
                if let Err(e) = self.merger.feed(*cpu, &self.buf[..n], now) {
                    eprintln!("rstaprun: WARNING: {e}");
                }
            }
        }
        out.emit(self.merger.ready(now));
        Ok(())
    }

    fn wait(&self) {
        let mut fds: Vec<PollFd> =
            self.traces.iter().map(|(_, f)| PollFd::new(f.as_fd(), PollFlags::POLLIN)).collect();
        // EINTR (a signal) just ends the wait early.
        let _ = poll(&mut fds, PollTimeout::from(self.poll_ms));
    }

    /// 4. Start: begin probes run and the probes are armed when the write returns.
    ///
    /// False if the module refused (its reason has been printed).
    fn start(&mut self, out: &mut Output) -> Result<bool, LoaderError> {
        verbose!(self.verbose, "starting");
        if let Err(e) = write_command(&mut self.control, "start") {
            // The module says why as a kind-1 record: print everything it sent.
            self.drain(out)?;
            let why = match errno_of(&e) {
                Errno::EBUSY => "it is already running (rstaprun -A attaches to it)".to_string(),
                Errno::EPERM
                    if crate::lockdown::policy().lockdown
                        == Some(crate::lockdown::Lockdown::Confidentiality) =>
                {
                    "the kernel is locked down at the confidentiality level, which forbids \
                     kprobes, tracefs and perf: only integrity lockdown lets probes run"
                        .to_string()
                }
                errno => errno.desc().to_string(),
            };
            eprintln!("rstaprun: module {} failed to start: {why}", self.name);
            let _ = write_command(&mut self.control, "stop");
            return Ok(false);
        }
        Ok(true)
    }

    /// Leaves the module running without a reader (-L, SIGQUIT).
    fn detach(&mut self) -> Result<(), LoaderError> {
        write_command(&mut self.control, "detach").map_err(io_err("writing detach"))
    }

    fn relay(&mut self, out: &mut Output, mut child: Option<&mut HeldChild>) -> Result<Ending, LoaderError> {
        let v = self.verbose;
        // 5. Relay until something ends the run. The first look is before any wait: what
        // the begin probes printed (and their exit()) is there already, and a sub-buffer
        // not yet full wakes no poll, so waiting first would delay both by a poll period.
        let reason = loop {
            if SWITCH_FILE.swap(false, Ordering::Relaxed) {
                out.switch_file();
            }
            self.pump(out, true)?;
            let sig = STOP_SIGNAL.load(Ordering::Relaxed);
            if sig == Signal::SIGQUIT as i32 {
                break StopReason::Detach;
            }
            if sig != 0 {
                break StopReason::Signal(sig);
            }
            if out.broken {
                break StopReason::OutputClosed;
            }
            let snap = self.snapshot()?;
            if snap.exit {
                break StopReason::ScriptExit;
            }
            if snap.state == "stopped" {
                break StopReason::ModuleStopped;
            }
            if let Some(c) = child.as_deref_mut() {
                if c.exited() {
                    break StopReason::CommandExited;
                }
            }
            self.wait();
        };
        verbose!(v, "stopping: {}", reason.describe());
        if reason == StopReason::Detach {
            self.detach()?;
            self.drain(out)?;
            return Ok(Ending::Detached);
        }

        // 6. Stop (end probes run), then drain to the end.
        write_command(&mut self.control, "stop").map_err(io_err("writing stop"))?;
        self.drain(out)?;
        let snap = self.snapshot()?;
        verbose!(
            v,
            "final state: errors={} skipped={} dropped={} lost={}",
            snap.errors,
            snap.skipped,
            snap.dropped,
            self.merger.lost
        );
        if snap.errors != 0 || snap.skipped != 0 {
            out.warn(&format!(
                "WARNING: Number of errors: {}, skipped probes: {}",
                snap.errors, snap.skipped
            ));
        }
        if snap.dropped != 0 {
            out.warn(&format!(
                "WARNING: There were {} transport failures (records lost to full buffers); \
                 try a larger buffer with -b MB.",
                snap.dropped
            ));
        }
        // 7.
        Ok(Ending::Finished(if snap.errors != 0 { 1 } else { 0 }))
    }

    /// Reads everything left once the probes have stopped; when they go on (detaching), a
    /// bounded amount, as [`Self::pump`] does.
    fn drain(&mut self, out: &mut Output) -> Result<(), LoaderError> {
        let armed = self.snapshot().is_ok_and(|s| s.state == "running" || s.state == "starting");
        self.pump(out, armed)?;
        out.emit(self.merger.finish());
        if self.merger.leftover() != 0 {
            eprintln!(
                "rstaprun: WARNING: {} bytes of an incomplete record discarded",
                self.merger.leftover()
            );
        }
        Ok(())
    }
}

// ---- signals ------------------------------------------------------------------------------

static STOP_SIGNAL: AtomicI32 = AtomicI32::new(0);
static SWITCH_FILE: AtomicBool = AtomicBool::new(false);

extern "C" fn on_stop_signal(sig: nix::libc::c_int) {
    if sig == Signal::SIGUSR2 as i32 {
        SWITCH_FILE.store(true, Ordering::Relaxed);
    } else {
        STOP_SIGNAL.store(sig, Ordering::Relaxed);
    }
}

/// SIGINT, SIGTERM and SIGHUP ask for an orderly stop while installed, SIGQUIT for a
/// detach (the module goes on), SIGUSR2 for the next output file; the previous
/// handlers come back when dropped (the rstap driver calls [`run`] in-process).
struct SignalGuard {
    old: Vec<(Signal, SigAction)>,
}

impl SignalGuard {
    fn install() -> SignalGuard {
        STOP_SIGNAL.store(0, Ordering::Relaxed);
        // No SA_RESTART: a signal interrupts the poll so the stop is prompt.
        let act =
            SigAction::new(SigHandler::Handler(on_stop_signal), SaFlags::empty(), SigSet::empty());
        let mut old = Vec::new();
        SWITCH_FILE.store(false, Ordering::Relaxed);
        for sig in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP, Signal::SIGQUIT, Signal::SIGUSR2] {
            // SAFETY: the handler only stores to an atomic.
            if let Ok(prev) = unsafe { sigaction(sig, &act) } {
                old.push((sig, prev));
            }
        }
        SignalGuard { old }
    }
}

impl Drop for SignalGuard {
    fn drop(&mut self) {
        for (sig, prev) in self.old.drain(..) {
            // SAFETY: restores what was there before.
            let _ = unsafe { sigaction(sig, &prev) };
        }
    }
}

// ---- the -c command -----------------------------------------------------------------------

/// The shell's script for the -c command: `exec CMD` for a simple command (redirections
/// included), so the command itself has the pid that target() names; a compound one (an
/// unquoted `;`, `&`, `|`, `(`, `)`, `{`, `}`, backquote or newline, or a leading keyword
/// or `VAR=value`) as written, the shell then being the target, as with SystemTap's
/// staprun: `exec` would replace the shell after its first command.
fn shell_script(cmd: &str) -> String {
    const KEYWORDS: [&str; 8] = ["for", "while", "until", "if", "case", "{", "!", "exec"];
    let first = cmd.split_whitespace().next().unwrap_or("");
    let compound = has_unquoted_operator(cmd)
        || KEYWORDS.contains(&first)
        || first.split(['\'', '"']).next().is_some_and(|w| w.contains('='));
    if compound { cmd.to_string() } else { format!("exec {cmd}") }
}

/// Whether `cmd` has a shell operator outside quotes and backslash escapes.
fn has_unquoted_operator(cmd: &str) -> bool {
    let (mut single, mut double, mut escaped) = (false, false, false);
    let mut prev = ' ';
    for c in cmd.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if !single => escaped = true,
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            // `2>&1`, `<&3`: a redirection, which `exec` takes.
            '&' if !single && !double && (prev == '>' || prev == '<') => {}
            ';' | '&' | '|' | '(' | ')' | '{' | '}' | '\n' | '`' if !single && !double => return true,
            _ => {}
        }
        prev = c;
    }
    false
}

/// A forked child that waits on a pipe before exec'ing `/bin/sh -c` with the command
/// ([`shell_script`]).
struct HeldChild {
    pid: Pid,
    release: Option<OwnedFd>,
    done: bool,
}

impl HeldChild {
    fn spawn(cmd: &str) -> io::Result<HeldChild> {
        let to_c = |s: &str| {
            CString::new(s).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in -c"))
        };
        // Everything the child needs is allocated before the fork.
        let sh = to_c("/bin/sh")?;
        let argv = [to_c("sh")?, to_c("-c")?, to_c(&shell_script(cmd))?];
        let (rd, wr) = nix::unistd::pipe2(OFlag::O_CLOEXEC)?;
        // SAFETY: the child only calls async-signal-safe functions before exec/_exit.
        match unsafe { nix::unistd::fork() }? {
            ForkResult::Child => {
                let _ = nix::unistd::close(wr.as_raw_fd());
                let mut b = [0u8; 1];
                loop {
                    match nix::unistd::read(rd.as_raw_fd(), &mut b) {
                        Ok(1) => break,
                        Err(Errno::EINTR) => continue,
                        // The loader gave up (closed the pipe): never run the command.
                        _ => unsafe { nix::libc::_exit(127) },
                    }
                }
                crate::permit::drop_privileges();
                let _ = nix::unistd::execv(&sh, &argv);
                unsafe { nix::libc::_exit(127) }
            }
            ForkResult::Parent { child } => {
                drop(rd);
                Ok(HeldChild { pid: child, release: Some(wr), done: false })
            }
        }
    }

    /// Lets the command run.
    fn release(&mut self) {
        if let Some(fd) = self.release.take() {
            let _ = nix::unistd::write(&fd, b"g");
        }
    }

    /// The command never runs: the child exits at once.
    fn cancel(&mut self) {
        self.release = None;
        if !self.done {
            let _ = waitpid(self.pid, None);
            self.done = true;
        }
    }

    fn exited(&mut self) -> bool {
        if !self.done {
            match waitpid(self.pid, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) => {}
                Ok(WaitStatus::Exited(..) | WaitStatus::Signaled(..)) | Err(_) => self.done = true,
                Ok(_) => {}
            }
        }
        self.done
    }

    /// At the end of the run: a command still running is sent SIGTERM (SIGKILL after 1 s)
    /// and reaped.
    fn finish(&mut self) {
        if self.release.is_some() {
            self.cancel();
            return;
        }
        if self.exited() {
            return;
        }
        let _ = kill(self.pid, Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(1);
        while !self.exited() {
            if Instant::now() >= deadline {
                let _ = kill(self.pid, Signal::SIGKILL);
                let _ = waitpid(self.pid, None);
                self.done = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn compound_commands_keep_their_shell() {
        assert_eq!(super::shell_script("ls -l /tmp"), "exec ls -l /tmp");
        assert_eq!(super::shell_script("./w 'a b' \"$HOME\""), "exec ./w 'a b' \"$HOME\"");
        for c in ["echo a; sleep 1", "a && b", "a | b", "a &", "for i in 1 2; do x; done", "X=1 prog", "(cd /; ls)", "exec ls", "a 2>&1 | b"] {
            assert_eq!(super::shell_script(c), c, "{c}");
        }
        // Operators inside quotes belong to the command's arguments; redirections are exec's.
        for c in ["/bin/sh -c 'trap : USR1; kill -USR1 $$' \"x;y\" a\\;b", "./w threads 3 >/dev/null 2>&1 </dev/null"] {
            assert_eq!(super::shell_script(c), format!("exec {c}"));
        }
    }
    use super::*;

    #[test]
    fn snapshot_line() {
        let s = Snapshot::parse("state=running exit=1 errors=2 skipped=3 dropped=4\n");
        assert_eq!(
            s,
            Snapshot { state: "running".into(), exit: true, errors: 2, skipped: 3, dropped: 4 }
        );
        assert_eq!(Snapshot::parse("").state, "");
    }

    #[test]
    fn params_with_spaces_are_quoted() {
        assert_eq!(quote_param("a=1"), "a=1");
        assert_eq!(quote_param("s=hello world"), "s=\"hello world\"");
        assert_eq!(quote_param("s=\"already\""), "s=\"already\"");
    }

    #[test]
    fn wrong_kernel_is_refused_before_loading() {
        let ko = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixture/rstap_fixture.ko");
        let Ok(info) = modinfo(&ko) else {
            eprintln!("fixture not built; skipped");
            return;
        };
        let host = nix::sys::utsname::uname().unwrap().release().to_string_lossy().into_owned();
        if info["rstap_kernel"] == host {
            return; // built for this very kernel: nothing to refuse
        }
        let err = run(&RunOptions { module: ko.clone(), ..Default::default() }).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{} was built for kernel {}, but this host runs {host}",
                ko.display(),
                info["rstap_kernel"]
            )
        );
    }

    #[test]
    fn held_child_runs_only_when_released() {
        let dir = std::env::temp_dir().join(format!("rstaprun-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mark = dir.join("ran");
        let _ = std::fs::remove_file(&mark);
        let cmd = format!("touch {}", mark.display());

        let mut c = HeldChild::spawn(&cmd).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        assert!(!mark.exists());
        assert!(!c.exited());
        c.cancel();
        assert!(!mark.exists());

        let mut c = HeldChild::spawn(&cmd).unwrap();
        c.release();
        let deadline = Instant::now() + Duration::from_secs(5);
        while !c.exited() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(mark.exists());
        c.finish();
        let _ = std::fs::remove_dir_all(&dir);
    }
}
