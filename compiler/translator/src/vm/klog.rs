//! Classification of the guest's kernel log: which lines report a kernel problem.

/// Substrings (case-sensitive) that mark a line as a kernel problem report.
const FAILURE_MARKS: &[&str] = &[
    "BUG:",                       // BUG: unable to handle..., BUG: scheduling while atomic, BUG: KASAN
    "kernel BUG at",
    "WARNING:",                   // WARNING: CPU: 0 PID: ..., WARNING: possible circular locking...
    "Oops",                       // Oops: 0002 [#1] PREEMPT SMP
    "general protection fault",
    "invalid opcode:",
    "double fault",
    "possible recursive locking",
    "circular locking",
    "INFO: ",                     // INFO: task blocked, INFO: rcu detected stall, lockdep INFO:
    "KASAN",
    "UBSAN:",
    "KFENCE:",
    "Call Trace",
    "RCU stall",
    "rcu_sched detected stall",
    "rcu_preempt detected stall",
    "self-detected stall",
    "soft lockup",
    "hard LOCKUP",
    "hung task",
    "blocked for more than",
    "Kernel panic",
    "stack-protector:",
    "list_add corruption",
    "list_del corruption",
];

/// Lines that contain a mark but are not failures.
const BENIGN: &[&str] = &[
    // Loading an unsigned / out-of-tree module taints the kernel: expected for our modules.
    "module verification failed",
    "loading out-of-tree module taints kernel",
    "Disabling lock debugging due to kernel taint",
];

/// True if the line reports a kernel BUG, WARNING, Oops, lockdep report, stall...
pub fn is_failure(line: &str) -> bool {
    if BENIGN.iter().any(|b| line.contains(b)) {
        return false;
    }
    FAILURE_MARKS.iter().any(|m| line.contains(m))
        || line.to_ascii_lowercase().contains("rcu stall")
}

/// The failure lines of a log, in order.
pub fn failures(log: &str) -> Vec<&str> {
    log.lines().map(|l| l.trim_end_matches('\r')).filter(|l| is_failure(l)).collect()
}

/// The last `n` lines of a log (for reporting a guest crash).
pub fn tail(log: &str, n: usize) -> Vec<&str> {
    let lines: Vec<&str> = log.lines().map(|l| l.trim_end_matches('\r')).collect();
    lines[lines.len().saturating_sub(n)..].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_found() {
        for l in [
            "[   12.345678] WARNING: CPU: 1 PID: 230 at kernel/module/main.c:812 foo+0x1/0x2 [bar]",
            "[    3.1] BUG: kernel NULL pointer dereference, address: 0000000000000008",
            "[    3.1] BUG: unable to handle page fault for address: ffffffffc0123456",
            "[    3.1] kernel BUG at mm/slub.c:379!",
            "[    3.1] invalid opcode: 0000 [#1] PREEMPT SMP NOPTI",
            "[    3.1] Oops: 0002 [#1] PREEMPT SMP NOPTI",
            "[    3.1] general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1]",
            "[    3.1] WARNING: possible recursive locking detected",
            "[    3.1] WARNING: possible circular locking dependency detected",
            "[    3.1] INFO: task insmod:231 blocked for more than 120 seconds.",
            "[    3.1] BUG: KASAN: slab-out-of-bounds in foo+0x12/0x40",
            "[    3.1] Call Trace:",
        ] {
            assert!(is_failure(l), "{l}");
        }
        assert!(is_failure("[ 30.1] rcu: INFO: rcu_preempt self-detected stall on CPU"));
        assert!(is_failure("[ 30.1] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [stap:123]"));
        assert!(is_failure("[ 30.1] RCU Stall detected"));
    }

    #[test]
    fn benign_lines_pass() {
        for l in [
            "[   10.1] foo: loading out-of-tree module taints kernel.",
            "[   10.1] foo: module verification failed: signature and/or required key missing - tainting kernel",
            "[    0.000000] Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org)",
            "[    0.5] 9pnet: Installing 9P2000 support",
            "[    0.6] Run /init as init process",
            "[    1.0] random: crng init done",
            "",
        ] {
            assert!(!is_failure(l), "{l}");
        }
    }

    #[test]
    fn failures_and_tail() {
        let log = "a\r\nWARNING: CPU: 0 PID: 1 at x\r\nb\nCall Trace:\nc\n";
        assert_eq!(failures(log), ["WARNING: CPU: 0 PID: 1 at x", "Call Trace:"]);
        assert_eq!(tail(log, 2), ["Call Trace:", "c"]);
        assert_eq!(tail("x", 5), ["x"]);
    }
}
