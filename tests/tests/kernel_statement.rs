//! Build tier (installed kernel debuginfo, no kernel run): statement probe points.
//! `rstap -l 'kernel.statement("__tcp_ack_snd_check@net/ipv4/tcp_input.c:*")'` must list
//! exactly the lines an independent DWARF reader (llvm-dwarfdump) finds for that function
//! in each installed kernel: is_stmt rows of tcp_input.c inside the function's code, from
//! its declaration to the last line of its own code (rows inside inlined callees do not
//! extend the span). Also: seed 12's statement points resolve with -p2, and the
//! diagnostics for a line without code, a function not in the file, a file that does not
//! exist and an address outside any function.

use rstap_tests::{dwarfdump, hex, vmlinux, bin, kernel_releases, run, text};
use std::collections::BTreeSet;
use std::process::Command;


/// The lines of `func` (at link-time `addr`) with code, by llvm-dwarfdump.
fn expected_lines(vmlinux: &str, addr: u64, file_suffix: &str) -> (u32, BTreeSet<u32>) {
    let info = dwarfdump(&[&format!("--lookup=0x{addr:x}"), vmlinux]);
    let attr = |name: &str| -> String {
        info.lines().filter(|l| l.contains(name)).last().and_then(|l| l.split('(').nth(1)).unwrap().trim_end_matches(')').to_string()
    };
    let stmt_list = attr("DW_AT_stmt_list");
    let (low, high) = (hex(&attr("DW_AT_low_pc")), hex(&attr("DW_AT_high_pc")));
    let decl_line: u32 = attr("DW_AT_decl_line").parse().unwrap();
    let die = info.lines().filter(|l| l.contains("DW_TAG_subprogram")).last().unwrap().split(':').next().unwrap().trim().to_string();
    // The inlined callees' address ranges: low/high pairs and [a, b) lists.
    let tree = dwarfdump(&[&format!("--debug-info={die}"), "--show-children", vmlinux]);
    let mut inlined: Vec<(u64, u64)> = Vec::new();
    let mut in_inl = false;
    let mut lo = None;
    let range = regex::Regex::new(r"\[0x([0-9a-f]+), 0x([0-9a-f]+)\)").unwrap();
    for l in tree.lines() {
        if l.contains("DW_TAG_") {
            in_inl = l.contains("DW_TAG_inlined_subroutine");
            lo = None;
            continue;
        }
        if !in_inl {
            continue;
        }
        if l.contains("DW_AT_low_pc") {
            lo = Some(hex(l.split('(').nth(1).unwrap().trim_end_matches(')')));
        } else if l.contains("DW_AT_high_pc") {
            let h = hex(l.split('(').nth(1).unwrap().trim_end_matches(')'));
            inlined.push((lo.unwrap(), h));
        } else if let Some(c) = range.captures(l) {
            inlined.push((hex(&c[1]), hex(&c[2])));
        }
    }
    // The line table: the file numbers naming our file, then the rows.
    let table = dwarfdump(&[&format!("--debug-line={stmt_list}"), vmlinux]);
    let mut files = BTreeSet::new();
    let mut cur_file: Option<u64> = None;
    for l in table.lines() {
        let t = l.trim();
        if let Some(rest) = t.strip_prefix("file_names[") {
            cur_file = Some(rest.split(']').next().unwrap().trim().parse().unwrap());
        } else if t.starts_with("name:") && t.ends_with(&format!("\"{}\"", file_suffix.rsplit('/').next().unwrap())) {
            files.insert(cur_file.unwrap());
        }
    }
    let mut rows = Vec::new();
    for l in table.lines() {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.len() >= 7 && f[0].starts_with("0x") && f.contains(&"is_stmt") && !f.contains(&"end_sequence") {
            let a = hex(f[0]);
            let file: u64 = f[3].parse().unwrap();
            if low <= a && a < high && files.contains(&file) {
                let inl = inlined.iter().any(|&(x, y)| x <= a && a < y);
                rows.push((f[1].parse::<u32>().unwrap(), inl));
            }
        }
    }
    let end = rows.iter().filter(|r| !r.1).map(|r| r.0).max().unwrap();
    (decl_line, rows.iter().map(|r| r.0).filter(|l| decl_line <= *l && *l <= end).collect())
}

fn symbol_addr(vmlinux: &str, name: &str) -> u64 {
    let out = run(Command::new("nm").arg(vmlinux));
    let t = text(&out.stdout);
    let line = t.lines().find(|l| l.ends_with(&format!(" {name}")) && l.contains(" T ") || l.ends_with(&format!(" t {name}"))).unwrap();
    hex(line.split_whitespace().next().unwrap())
}

fn rstap(kver: &str, args: &[&str]) -> (bool, String, String) {
    let out = run(Command::new(bin("rstap")).arg("-r").arg(kver).args(args));
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn statement_lines_agree_with_llvm_dwarfdump() {
    for kver in kernel_releases() {
        let Some(vm) = vmlinux(&kver) else { continue };
        let addr = symbol_addr(&vm, "__tcp_ack_snd_check");
        let (decl, lines) = expected_lines(&vm, addr, "net/ipv4/tcp_input.c");
        assert!(lines.len() >= 5, "{kver}: only {lines:?}");
        let (ok, out, err) = rstap(&kver, &["-l", r#"kernel.statement("__tcp_ack_snd_check@net/ipv4/tcp_input.c:*")"#]);
        assert!(ok, "{kver}: {err}");
        let want: BTreeSet<String> = lines
            .iter()
            .map(|l| format!("kernel.statement(\"__tcp_ack_snd_check@net/ipv4/tcp_input.c:{l}\")"))
            .collect();
        let got: BTreeSet<String> = out.lines().map(str::to_string).collect();
        assert_eq!(got, want, "{kver}: rstap -l differs from llvm-dwarfdump's line table");
        // One line of it, and +N from the declaration.
        let first = *lines.iter().next().unwrap();
        let (ok, out, err) = rstap(&kver, &["-l", &format!("kernel.statement(\"__tcp_ack_snd_check@net/ipv4/tcp_input.c+{}\")", first - decl)]);
        assert!(ok, "{kver}: {err}");
        assert_eq!(out, format!("kernel.statement(\"__tcp_ack_snd_check@net/ipv4/tcp_input.c:{first}\")\n"));
        // kernel.function("*@file:LINE"): the function whose body spans LINE.
        let last = *lines.iter().next_back().unwrap();
        let (ok, out, err) = rstap(&kver, &["-l", &format!("kernel.function(\"*@net/ipv4/tcp_input.c:{last}\")")]);
        assert!(ok, "{kver}: {err}");
        assert_eq!(out, format!("kernel.function(\"__tcp_ack_snd_check@net/ipv4/tcp_input.c:{decl}\")\n"));
    }
}

#[test]
fn seed_12_statement_points_resolve() {
    let seed = rstap_tests::repo_root().join("../shared/corpus/seed/12_probe_point_forms.stp");
    let script = std::fs::read_to_string(&seed).unwrap();
    // Only the line- and address-based points of the seed (the others are other families).
    let points: Vec<&str> = script
        .lines()
        .filter(|l| l.starts_with("probe kernel.statement") || l.starts_with("probe kernel.function(\"*@"))
        .collect();
    assert_eq!(points.len(), 3, "{points:?}");
    for kver in kernel_releases() {
        if vmlinux(&kver).is_none() {
            continue;
        }
        let s = format!("global fired\nfunction once(p) {{ if (!fired[p]++) printf(\"fired: %s\\n\", p) }}\n{}\n", points.join("\n"));
        let (ok, out, err) = rstap(&kver, &["-p2", "-e", &s]);
        assert!(ok, "{kver}: {err}");
        for pat in [r#"kernel\.function\("[a-z_0-9]+@kernel/time/time\.c:\d+"\)"#, r#"kernel\.statement\("bio_init@block/bio\.c:\d+"\)"#] {
            assert!(regex::Regex::new(pat).unwrap().is_match(&out), "{kver}: no {pat} in\n{out}");
        }
    }
}

#[test]
fn statement_diagnostics() {
    for kver in kernel_releases() {
        let Some(vm) = vmlinux(&kver) else { continue };
        let check = |script: &str, want: &[&str]| {
            let (ok, _, err) = rstap(&kver, &["-p2", "-e", script]);
            assert!(!ok, "{kver}: {script} resolved");
            for w in want {
                assert!(err.contains(w), "{kver}: {script}: no {w:?} in\n{err}");
            }
            assert!(err.contains("<input>:1:7"), "{kver}: no span in\n{err}");
        };
        let addr = symbol_addr(&vm, "__tcp_ack_snd_check");
        let (decl, lines) = expected_lines(&vm, addr, "net/ipv4/tcp_input.c");
        // A line inside the body without code: the nearest lines with code as the hint.
        let gap = (decl..*lines.iter().next_back().unwrap()).find(|l| !lines.contains(l) && *l > *lines.iter().next().unwrap()).unwrap();
        let below = lines.range(..gap).next_back().unwrap();
        let above = lines.range(gap..).next().unwrap();
        check(
            &format!("probe kernel.statement(\"__tcp_ack_snd_check@net/ipv4/tcp_input.c:{gap}\") {{}}"),
            &[&format!("no code at line {gap} of \"net/ipv4/tcp_input.c\""), &format!("the nearest lines with code are {below} and {above}")],
        );
        check(r#"probe kernel.statement("vfs_read@net/ipv4/tcp_input.c:10") {}"#, &["no function matching \"vfs_read\" in", "vfs_read is in fs/read_write.c"]);
        check(r#"probe kernel.statement("*@no/such/file.c:10") {}"#, &["no source file matching \"no/such/file.c\""]);
        check("probe kernel.statement(0x10) {}", &["the address is not inside any function"]);
        check("probe kprobe.statement(0xffffffff81000000).absolute {}", &["needs guru mode"]);
    }
}
