//! Build tier (no kernel run): `rstap -L` of SDT markers and `rstap -l` of PLT entries,
//! on the VM tier's test programs (tests/vm/user_sdt.c, user_plt.c) compiled here, must
//! list what independent readers find: binutils' `readelf -n` (each `.note.stapsdt`
//! note's provider, name and argument count) and `objdump -d` (each `NAME@plt` entry).

use rstap_tests::{bin, repo_root, run, scratch, text};
use std::process::Command;

fn compile(src: &str, flags: &str, exe: &std::path::Path) {
    let out = run(Command::new("cc").args(flags.split_whitespace()).arg("-o").arg(exe).arg(repo_root().join(src)));
    assert!(out.status.success(), "cc {flags} {src}: {}", text(&out.stderr));
}

fn rstap_lines(args: &[&str]) -> Vec<String> {
    let out = run(Command::new(bin("rstap")).args(args));
    assert!(out.status.success(), "rstap {args:?}: {}", text(&out.stderr));
    let mut v: Vec<String> = text(&out.stdout).lines().map(str::to_string).collect();
    v.sort();
    v
}

#[test]
fn marker_listing_matches_readelf() {
    let dir = scratch("user_markers");
    for (flags, tag) in [("-O2 -g", "plain"), ("-O0 -DWITH_SEMAPHORES", "sema")] {
        let exe = dir.join(format!("sdt_{tag}"));
        compile("tests/vm/user_sdt.c", flags, &exe);
        let exe = exe.to_str().unwrap();
        let notes = text(&run(Command::new("readelf").args(["-n", exe])).stdout);
        let mut want = Vec::new();
        let (mut prov, mut name) = (String::new(), String::new());
        for l in notes.lines().map(str::trim) {
            if let Some(p) = l.strip_prefix("Provider: ") {
                prov = p.to_string();
            } else if let Some(n) = l.strip_prefix("Name: ") {
                name = n.to_string();
            } else if let Some(a) = l.strip_prefix("Arguments: ") {
                let args: String = (1..=a.split_whitespace().count()).map(|i| format!(" $arg{i}:long")).collect();
                want.push(format!("process(\"{exe}\").provider(\"{prov}\").mark(\"{name}\"){args}"));
            }
        }
        want.sort();
        assert!(want.len() >= 5, "{flags}: readelf found {want:?}");
        assert_eq!(rstap_lines(&["-L", &format!("process(\"{exe}\").provider(\"*\").mark(\"*\")")]), want, "{flags}");
        // Without the provider, and a dtrace-style name.
        let plain = rstap_lines(&["-l", &format!("process(\"{exe}\").mark(\"w*\")")]);
        assert_eq!(plain, vec![format!("process(\"{exe}\").mark(\"wide\")")], "{flags}");
    }
}

#[test]
fn plt_listing_matches_objdump() {
    let dir = scratch("user_plt");
    for (flags, tag) in [("-O2 -Wl,-z,lazy", "lazy"), ("-O2 -fcf-protection -Wl,-z,now -Wl,-z,ibtplt", "ibt")] {
        let exe = dir.join(format!("plt_{tag}"));
        compile("tests/vm/user_plt.c", flags, &exe);
        let exe = exe.to_str().unwrap();
        let dis = text(&run(Command::new("objdump").args(["-d", exe])).stdout);
        let mut want: Vec<String> = dis
            .lines()
            .filter_map(|l| l.split_once(" <")?.1.strip_suffix("@plt>:"))
            .map(|n| format!("process(\"{exe}\").plt(\"{n}\")"))
            .collect();
        want.sort();
        want.dedup();
        assert!(want.len() >= 4, "{flags}: objdump found {want:?}");
        assert_eq!(rstap_lines(&["-l", &format!("process(\"{exe}\").plt(\"*\")")]), want, "{flags}");
    }
}
