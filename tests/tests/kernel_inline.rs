//! Build tier (installed kernel debuginfo, no kernel run): inlined instances.
//! `kernel.function("F").inline` must resolve to exactly the inlined copies an independent
//! DWARF reader (llvm-dwarfdump) finds for F: the DW_TAG_inlined_subroutine DIEs whose
//! abstract origin is F, each at its entry address (DW_AT_entry_pc, else low_pc or the
//! first range). The kprobes rstap generates (`-p3`: symbol + offset) are turned back into
//! link-time addresses with the vmlinux symbol table (`nm`) and compared as sets.
//! Also: `.call` of an inline-only function and `.return` of one are refused with a reason.

use rstap_tests::{dwarfdump, hex, vmlinux, bin, kernel_releases, run, text};
use std::collections::{BTreeSet, HashMap};
use std::process::Command;


/// The value in parentheses on the line: `DW_AT_entry_pc	(0xffffffff81369125)`.
fn paren(l: &str) -> &str {
    l.split('(').nth(1).unwrap_or("").split(')').next().unwrap()
}

/// Every text symbol of the vmlinux by name (the first of equal names).
fn symbols(vmlinux: &str) -> HashMap<String, u64> {
    let out = run(Command::new("nm").arg(vmlinux));
    let mut m = HashMap::new();
    for l in text(&out.stdout).lines() {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.len() == 3 {
            m.entry(f[2].to_string()).or_insert(hex(f[0]));
        }
    }
    m
}

/// The entry addresses of the inlined copies of each function in the compilation unit
/// holding link-time address `addr`, by function name (llvm-dwarfdump's reading).
fn inlined_copies(vmlinux: &str, addr: u64) -> HashMap<String, BTreeSet<u64>> {
    let info = dwarfdump(&[&format!("--lookup=0x{addr:x}"), vmlinux]);
    let cu = info.lines().find(|l| l.contains("DW_TAG_compile_unit")).unwrap().split(':').next().unwrap().trim().to_string();
    let tree = dwarfdump(&[&format!("--debug-info={cu}"), "--show-children", vmlinux]);
    let mut out: HashMap<String, BTreeSet<u64>> = HashMap::new();
    // One DIE at a time: (origin name, entry_pc, low_pc, first range start).
    let mut cur: Option<(Option<String>, Option<u64>, Option<u64>, Option<u64>)> = None;
    let range = regex::Regex::new(r"\[0x([0-9a-f]+), 0x([0-9a-f]+)\)").unwrap();
    let mut flush = |cur: &mut Option<(Option<String>, Option<u64>, Option<u64>, Option<u64>)>| {
        if let Some((Some(name), e, l, r)) = cur.take() {
            if let Some(a) = e.or(l).or(r) {
                out.entry(name).or_default().insert(a);
            }
        }
    };
    for l in tree.lines() {
        if l.contains("DW_TAG_") {
            flush(&mut cur);
            if l.contains("DW_TAG_inlined_subroutine") {
                cur = Some((None, None, None, None));
            }
            continue;
        }
        let Some(c) = cur.as_mut() else { continue };
        if l.contains("DW_AT_abstract_origin") {
            c.0 = l.split('"').nth(1).map(str::to_string);
        } else if l.contains("DW_AT_entry_pc") {
            c.1 = Some(hex(paren(l)));
        } else if l.contains("DW_AT_low_pc") {
            c.2 = Some(hex(paren(l)));
        } else if let Some(m) = range.captures(l) {
            c.3 = c.3.or(Some(hex(&m[1])));
        }
    }
    flush(&mut cur);
    out
}

fn rstap(kver: &str, args: &[&str]) -> (bool, String, String) {
    let out = run(Command::new(bin("rstap")).arg("-r").arg(kver).args(args));
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

/// The link-time addresses of the kprobes in a `-p3` C file (`.symbol = "S", .offset = NU`).
fn kprobe_addrs(c: &str, syms: &HashMap<String, u64>) -> BTreeSet<u64> {
    let re = regex::Regex::new(r#"\.symbol = "([^"]+)", \.offset = (\d+)U"#).unwrap();
    re.captures_iter(c).map(|m| syms[&m[1]] + m[2].parse::<u64>().unwrap()).collect()
}

#[test]
fn inline_instances_agree_with_llvm_dwarfdump() {
    for kver in kernel_releases() {
        let Some(vm) = vmlinux(&kver) else { continue };
        let syms = symbols(&vm);
        // fs/read_write.c's unit: do_preadv (also out of line) and file_ppos (only inlined).
        let copies = inlined_copies(&vm, syms["do_preadv"]);
        for f in ["do_preadv", "file_ppos"] {
            let want = copies.get(f).cloned().unwrap_or_default();
            assert!(!want.is_empty(), "{kver}: llvm-dwarfdump finds no inlined copy of {f}");
            let (ok, c, err) = rstap(&kver, &["-p3", "-e", &format!("probe kernel.function(\"{f}\").inline {{ }}")]);
            assert!(ok, "{kver}: {err}");
            assert_eq!(kprobe_addrs(&c, &syms), want, "{kver}: the inlined copies of {f} differ from llvm-dwarfdump's");
            // -p2: one probe per copy, each named as the function.
            let (ok, out, err) = rstap(&kver, &["-p2", "-e", &format!("probe kernel.function(\"{f}\").inline {{ }}")]);
            assert!(ok, "{kver}: {err}");
            let pps: Vec<&str> = out.lines().skip(1).collect();
            assert_eq!(pps.len(), want.len(), "{kver}: {out}");
            assert!(pps.iter().all(|p| p.starts_with(&format!("kernel.function(\"{f}@fs/read_write.c:")) && p.ends_with("\").inline")), "{out}");
        }
        // Plain: the out-of-line entry and every inlined copy; .call: the entry only.
        let (ok, c, err) = rstap(&kver, &["-p3", "-e", "probe kernel.function(\"do_preadv\") { }"]);
        assert!(ok, "{kver}: {err}");
        let mut want = copies["do_preadv"].clone();
        want.insert(syms["do_preadv"]);
        assert_eq!(kprobe_addrs(&c, &syms), want, "{kver}: plain kernel.function(\"do_preadv\")");
        let (ok, c, err) = rstap(&kver, &["-p3", "-e", "probe kernel.function(\"do_preadv\").call { }"]);
        assert!(ok, "{kver}: {err}");
        assert_eq!(kprobe_addrs(&c, &syms), BTreeSet::from([syms["do_preadv"]]), "{kver}: .call");
        // An inline-only function has no out-of-line entry for .call or .return.
        for (suffix, why) in [("call", ".call probes out-of-line copies only"), ("return", "inlined copies have no return to probe")] {
            let (ok, _, err) = rstap(&kver, &["-p2", "-e", &format!("probe kernel.function(\"file_ppos\").{suffix} {{ }}")]);
            assert!(!ok, "{kver}: file_ppos.{suffix} resolved");
            assert!(err.contains("it is only inlined") && err.contains(why), "{kver}: {err}");
        }
        // Copies inside code kprobes refuse are skipped: HYPERVISOR_get_debugreg is only
        // inlined into noinstr/blocklisted debug-register code; a wildcard over its
        // family warns once for what it skips and probes the rest.
        let (ok, _, err) = rstap(&kver, &["-p2", "-e", "probe kernel.function(\"HYPERVISOR_get_debugreg\").inline { }"]);
        assert!(!ok && err.contains("the kernel does not allow kprobes there"), "{kver}: {err}");
        let (ok, out, err) = rstap(&kver, &["-p2", "-e", "probe kernel.function(\"HYPERVISOR_*\").inline { }"]);
        assert!(ok, "{kver}: {err}");
        assert!(out.lines().count() > 10, "{kver}: {out}");
        // One warning for the blocked functions, and one for the copies that start at an
        // alternative (Xen hypercalls are patched in by alternatives).
        assert_eq!(err.matches("matching functions skipped: the kernel does not allow kprobes there").count(), 1, "{kver}: {err}");
        let other = err.matches("warning: ").count() - 1;
        assert!(other == 0 || (other == 1 && err.contains("inlined copies skipped: their code starts at a jump label")), "{kver}: {err}");
        // -L: an inlined-only function's parameters, by its abstract origin.
        let (ok, out, err) = rstap(&kver, &["-L", "kernel.function(\"file_ppos\").inline"]);
        assert!(ok, "{kver}: {err}");
        assert!(out.starts_with("kernel.function(\"file_ppos@fs/read_write.c:") && out.ends_with("\").inline $file:struct file*\n"), "{out}");
    }
}
