//! Remote builds (SystemTap's `--use-server`, our way): an rstap running inside the TCG guest,
//! where Kbuild is ~44x slower, asks the host to build its module.
//!
//! The spool is a directory that `rstap vm` creates on the host and exports read-write to the
//! guest at the same path; the guest command finds it in `$RSTAP_BUILD_SPOOL`.
//!
//! - The guest writes `req-<id>.json` (through a temporary name and a rename) holding a
//!   [`BuildRequest`].
//! - The host renames it to `taken-<id>.json`, runs its own rstap executable with the request's
//!   arguments in the request's cwd, with `RSTAP_OUTPUT_DIR=<spool>/<id>` and the stdin text if
//!   any, and writes `resp-<id>.json` (again through a rename) holding a [`BuildReply`] whose
//!   `module` is the single `.ko` left in `<spool>/<id>`, if any.
//! - The guest polls for the reply every 20 ms.

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The guest command's environment variable that names the spool.
pub const SPOOL_ENV: &str = "RSTAP_BUILD_SPOOL";
/// The environment variable that tells the host-side rstap where to leave the built module.
pub const OUTPUT_DIR_ENV: &str = "RSTAP_OUTPUT_DIR";
/// Overrides the default time a guest waits for a build (seconds).
pub const TIMEOUT_ENV: &str = "RSTAP_REMOTE_BUILD_TIMEOUT";

const POLL: Duration = Duration::from_millis(20);
/// How long a request may wait before the host picks it up.
const PICKUP_TIMEOUT: Duration = Duration::from_secs(15);
const DEFAULT_BUILD_TIMEOUT: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BuildRequest {
    pub args: Vec<String>,
    pub cwd: String,
    pub stdin: Option<String>,
    /// `PID=PATH;...`: the executables of the guest's processes that numeric
    /// arguments name, for process(PID) probes (userspace::PID_EXE_ENV).
    #[serde(default)]
    pub pid_exe: String,
    /// The guest's `SYSTEMTAP_DEBUGINFO_PATH` (debuginfo/mod.rs), which the host build
    /// honours: a guest hiding the debuginfo gets the BTF fallback.
    #[serde(default)]
    pub debuginfo_path: Option<String>,
    /// The guest's `$PATH`, where process("NAME") and -c's command are looked up
    /// (userspace::SEARCH_PATH_ENV; the host build keeps its own PATH for its tools).
    #[serde(default)]
    pub search_path: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BuildReply {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
    /// The built module, as a path valid in the guest (and on the host: the spool has the
    /// same path on both sides).
    pub module: Option<PathBuf>,
}

/// The spool named by `$RSTAP_BUILD_SPOOL`, when running inside `rstap vm`.
pub fn guest_spool() -> Option<PathBuf> {
    std::env::var_os(SPOOL_ENV).filter(|v| !v.is_empty()).map(PathBuf::from)
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('.')
        && id.len() <= 128
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
}

/// Writes `data` to `dir/name` atomically (temporary file, then rename).
fn write_atomic(dir: &Path, name: &str, data: &[u8]) -> std::io::Result<()> {
    let tmp = dir.join(format!(".{name}.tmp"));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(data)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, dir.join(name))
}

/// The guest half: asks the host to run rstap with `args` in `cwd` and waits for its reply.
pub fn remote_build(spool: &Path, args: &[String], cwd: &Path, stdin: Option<&str>) -> Result<BuildReply> {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let id = format!("{}-{}-{}", std::process::id(), nanos % 1_000_000_000_000, SEQ.fetch_add(1, Ordering::Relaxed));
    let req = BuildRequest {
        args: args.to_vec(),
        cwd: cwd.to_string_lossy().into_owned(),
        stdin: stdin.map(str::to_string),
        pid_exe: crate::userspace::pid_exe_map(args),
        debuginfo_path: std::env::var("SYSTEMTAP_DEBUGINFO_PATH").ok(),
        search_path: std::env::var("PATH").ok(),
    };
    let req_name = format!("req-{id}.json");
    write_atomic(spool, &req_name, &serde_json::to_vec(&req)?)
        .with_context(|| format!("writing a build request to {}", spool.display()))?;

    let timeout = std::env::var(TIMEOUT_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_BUILD_TIMEOUT);
    let (req_path, resp_path) = (spool.join(&req_name), spool.join(format!("resp-{id}.json")));
    let start = Instant::now();
    loop {
        if let Ok(bytes) = std::fs::read(&resp_path) {
            let reply: BuildReply = serde_json::from_slice(&bytes)
                .with_context(|| format!("bad build reply {}", resp_path.display()))?;
            let _ = std::fs::remove_file(&resp_path);
            let _ = std::fs::remove_file(spool.join(format!("taken-{id}.json")));
            return Ok(reply);
        }
        let waited = start.elapsed();
        if waited > PICKUP_TIMEOUT && req_path.exists() {
            let _ = std::fs::remove_file(&req_path);
            bail!(
                "no build server answered in {} for {}s (is this running under `rstap vm`?)",
                spool.display(),
                PICKUP_TIMEOUT.as_secs()
            );
        }
        if waited > timeout {
            bail!("the host build did not answer within {}s (set {TIMEOUT_ENV} to wait longer)", timeout.as_secs());
        }
        std::thread::sleep(POLL);
    }
}

/// The host half: a thread that serves the build requests of one spool.
pub struct SpoolServer {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl SpoolServer {
    /// Serves requests in `dir` by running `exe` (normally `std::env::current_exe()`).
    pub fn start(dir: &Path, exe: PathBuf) -> Result<SpoolServer> {
        if !dir.is_dir() {
            bail!("spool {} is not a directory", dir.display());
        }
        let stop = Arc::new(AtomicBool::new(false));
        let (d, s) = (dir.to_path_buf(), stop.clone());
        let thread = std::thread::Builder::new()
            .name("rstap-vm-spool".into())
            .spawn(move || serve(&d, &exe, &s))?;
        Ok(SpoolServer { stop, thread: Some(thread) })
    }

    /// Stops scanning for requests (builds already started run to their end in the
    /// background; their replies are simply not read).
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for SpoolServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn serve(dir: &Path, exe: &Path, stop: &AtomicBool) {
    while !stop.load(Ordering::SeqCst) {
        if let Ok(rd) = std::fs::read_dir(dir) {
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let Some(id) = name.strip_prefix("req-").and_then(|n| n.strip_suffix(".json")) else { continue };
                if !valid_id(id) {
                    continue;
                }
                let taken = dir.join(format!("taken-{id}.json"));
                if std::fs::rename(e.path(), &taken).is_err() {
                    continue;
                }
                let (dir, exe, id) = (dir.to_path_buf(), exe.to_path_buf(), id.to_string());
                std::thread::spawn(move || {
                    let reply = match std::fs::read(&taken)
                        .map_err(anyhow::Error::from)
                        .and_then(|b| Ok(serde_json::from_slice::<BuildRequest>(&b)?))
                    {
                        Ok(req) => run_request(&dir, &exe, &id, &req),
                        Err(e) => error_reply(format!("rstap vm: bad build request {id}: {e:#}\n")),
                    };
                    let bytes = serde_json::to_vec(&reply).unwrap_or_default();
                    if let Err(e) = write_atomic(&dir, &format!("resp-{id}.json"), &bytes) {
                        eprintln!("rstap vm: cannot write the reply to build request {id}: {e}");
                    }
                });
            }
        }
        std::thread::sleep(POLL);
    }
}

fn error_reply(msg: String) -> BuildReply {
    BuildReply { status: 1, stdout: String::new(), stderr: msg, module: None }
}

/// Runs one request on the host.
pub fn run_request(dir: &Path, exe: &Path, id: &str, req: &BuildRequest) -> BuildReply {
    let out_dir = dir.join(id);
    if let Err(e) = std::fs::create_dir_all(&out_dir) {
        return error_reply(format!("rstap vm: cannot create {}: {e}\n", out_dir.display()));
    }
    if !Path::new(&req.cwd).is_dir() {
        return error_reply(format!(
            "rstap vm: the build's directory {} is not visible on the host (guest-only directories such as /tmp are not shared; work in the directory `rstap vm` was started from)\n",
            req.cwd
        ));
    }
    let mut cmd = Command::new(exe);
    match &req.debuginfo_path {
        Some(p) => cmd.env("SYSTEMTAP_DEBUGINFO_PATH", p),
        None => cmd.env_remove("SYSTEMTAP_DEBUGINFO_PATH"),
    };
    match &req.search_path {
        Some(p) => cmd.env(crate::userspace::SEARCH_PATH_ENV, p),
        None => cmd.env_remove(crate::userspace::SEARCH_PATH_ENV),
    };
    let child = cmd
        .args(&req.args)
        .current_dir(&req.cwd)
        .env(OUTPUT_DIR_ENV, &out_dir)
        .env(crate::userspace::PID_EXE_ENV, &req.pid_exe)
        .env_remove(SPOOL_ENV)
        .env_remove("RSTAP_VM")
        .stdin(if req.stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => return error_reply(format!("rstap vm: cannot run {}: {e}\n", exe.display())),
    };
    let feeder = match (child.stdin.take(), req.stdin.clone()) {
        (Some(mut w), Some(text)) => Some(std::thread::spawn(move || {
            let _ = w.write_all(text.as_bytes());
        })),
        _ => None,
    };
    let out = match child.wait_with_output() {
        Ok(o) => o,
        Err(e) => return error_reply(format!("rstap vm: waiting for {}: {e}\n", exe.display())),
    };
    if let Some(f) = feeder {
        let _ = f.join();
    }
    let status = {
        use std::os::unix::process::ExitStatusExt;
        out.status.code().unwrap_or_else(|| 128 + out.status.signal().unwrap_or(0))
    };
    let mut kos: Vec<PathBuf> = std::fs::read_dir(&out_dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "ko") && p.is_file())
        .collect();
    let module = if kos.len() == 1 { kos.pop() } else { None };
    BuildReply {
        status,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        module,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tempdir(tag: &str) -> PathBuf {
        let base = std::env::temp_dir().join(format!("rstap-spool-test-{tag}-XXXXXX"));
        nix::unistd::mkdtemp(&base).unwrap()
    }

    #[test]
    fn ids() {
        assert!(valid_id("123-456-0"));
        assert!(!valid_id("../x"));
        assert!(!valid_id(".hidden"));
        assert!(!valid_id(""));
    }

    #[test]
    fn json_shapes() {
        let r: BuildRequest = serde_json::from_str(r#"{"args":["-p4","x.stp"],"cwd":"/w","stdin":null}"#).unwrap();
        assert_eq!(r.args, ["-p4", "x.stp"]);
        let r: BuildRequest = serde_json::from_str(r#"{"args":[],"cwd":"/w","stdin":"probe begin {}"}"#).unwrap();
        assert_eq!(r.stdin.as_deref(), Some("probe begin {}"));
        let s = serde_json::to_string(&BuildReply { status: 0, stdout: "".into(), stderr: "".into(), module: None }).unwrap();
        assert_eq!(s, r#"{"status":0,"stdout":"","stderr":"","module":null}"#);
    }

    /// Both halves in one process, with /bin/sh standing in for rstap.
    #[test]
    fn round_trip_through_a_spool() {
        let spool = tempdir("rt");
        let work = tempdir("cwd");
        let server = SpoolServer::start(&spool, "/bin/sh".into()).unwrap();

        let script = "echo \"in $(pwd)\"; echo oops >&2; read line; echo \"got $line\"; \
                      mkdir -p \"$RSTAP_OUTPUT_DIR\"; echo elf > \"$RSTAP_OUTPUT_DIR/m.ko\"; exit 3";
        let args = vec!["-c".to_string(), script.to_string()];
        let r = remote_build(&spool, &args, &work, Some("hello\n")).unwrap();
        assert_eq!(r.status, 3, "{r:?}");
        assert_eq!(r.stdout, format!("in {}\ngot hello\n", work.display()));
        assert_eq!(r.stderr, "oops\n");
        let m = r.module.unwrap();
        assert!(m.starts_with(&spool) && m.ends_with("m.ko"), "{}", m.display());
        assert_eq!(std::fs::read_to_string(&m).unwrap(), "elf\n");

        // No module, no stdin, several requests at once.
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let (spool, work) = (spool.clone(), work.clone());
                std::thread::spawn(move || {
                    remote_build(&spool, &["-c".into(), format!("echo {i}")], &work, None).unwrap()
                })
            })
            .collect();
        for (i, h) in handles.into_iter().enumerate() {
            let r = h.join().unwrap();
            assert_eq!((r.status, r.stdout, r.module), (0, format!("{i}\n"), None));
        }

        // A cwd the host cannot see.
        let r = remote_build(&spool, &["-c".into(), "true".into()], Path::new("/nonexistent/dir"), None).unwrap();
        assert_ne!(r.status, 0);
        assert!(r.stderr.contains("not visible on the host"), "{}", r.stderr);

        server.stop();
        // Only the per-request output directories are left.
        for e in std::fs::read_dir(&spool).unwrap().flatten() {
            assert!(e.path().is_dir(), "left over: {}", e.path().display());
        }
        let _ = std::fs::remove_dir_all(&spool);
        let _ = std::fs::remove_dir_all(&work);
    }
}
