//! `-v` pass reports: time and memory of each pass, in SystemTap's form
//! ("Pass 2: analyzed script: ... using Nvirt/Nres/Nshr/Ndata kb, in
//! Nusr/Nsys/Nreal ms.").

use std::time::Instant;

#[derive(Clone, Copy)]
pub struct Mark {
    real: Instant,
    usr_ms: u64,
    sys_ms: u64,
}

impl Mark {
    pub fn now() -> Mark {
        let (usr_ms, sys_ms) = cpu_times_ms();
        Mark { real: Instant::now(), usr_ms, sys_ms }
    }

    /// "in Nusr/Nsys/Nreal ms"
    pub fn since(&self) -> String {
        let (u, s) = cpu_times_ms();
        format!(
            "in {}usr/{}sys/{}real ms",
            u.saturating_sub(self.usr_ms),
            s.saturating_sub(self.sys_ms),
            self.real.elapsed().as_millis()
        )
    }
}

/// CPU time of this process and its finished children (Kbuild's compilers).
fn cpu_times_ms() -> (u64, u64) {
    use nix::sys::resource::{getrusage, UsageWho};
    let ms = |t: nix::sys::time::TimeVal| t.tv_sec() as u64 * 1000 + t.tv_usec() as u64 / 1000;
    [UsageWho::RUSAGE_SELF, UsageWho::RUSAGE_CHILDREN]
        .into_iter()
        .filter_map(|who| getrusage(who).ok())
        .fold((0, 0), |(u, s), r| (u + ms(r.user_time()), s + ms(r.system_time())))
}

/// "using Nvirt/Nres/Nshr/Ndata kb" from /proc/self/statm.
pub fn memory() -> String {
    let text = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let f: Vec<u64> = text.split_whitespace().filter_map(|x| x.parse().ok()).collect();
    if f.len() < 6 {
        return "using ?virt/?res/?shr/?data kb".to_string();
    }
    let kb = |pages: u64| pages * 4;
    format!("using {}virt/{}res/{}shr/{}data kb", kb(f[0]), kb(f[1]), kb(f[2]), kb(f[5]))
}
