//! Build tier (no kernel run): `rstap -L 'process("PATH").function("*").call'` on a program
//! this test compiles (tests/vm/user_vars.c, at -O0 and -O2, PIE and not) must list
//! (`.call`: out-of-line copies only; a plain point also lists functions that are only
//! inlined, such as libc's `atol` at -O2)
//! exactly the out-of-line functions an independent DWARF reader (llvm-dwarfdump) finds
//! in it, each as `process("/abs/path").function("name@/abs/file.c:LINE")` with its
//! parameters in order, and each parameter's type the same as llvm-dwarfdump's once both
//! spellings are normalised (SystemTap writes `char const*` and `struct point*` where
//! llvm-dwarfdump writes `const char *` and `point *`).

use rstap_tests::{bin, repo_root, run, scratch, text};
use std::process::Command;

/// A type name with `struct `, `const` and spaces taken out.
fn norm(t: &str) -> String {
    t.replace("struct ", "").split_whitespace().filter(|w| *w != "const").collect::<Vec<_>>().join("").replace("const", "")
}

/// The lines llvm-dwarfdump's view of `exe` makes: per subprogram with code, its
/// point and `$param:type` (normalised) in order.
fn expected(exe: &str) -> Vec<String> {
    let out = run(Command::new("llvm-dwarfdump").args(["--debug-info", exe]));
    assert!(out.status.success(), "llvm-dwarfdump: {}", text(&out.stderr));
    let dump = text(&out.stdout);
    let val = |l: &str| l.split_once('(').map(|x| x.1.trim_end_matches(')').to_string()).unwrap_or_default();
    let quoted = |l: &str| {
        let v = val(l);
        match v.split_once('"') {
            Some((_, rest)) => rest.trim_end_matches('"').to_string(),
            None => v,
        }
    };
    let mut out = Vec::new();
    // (name, file, line, has code, params), the subprogram being read.
    let mut cur: Option<(String, String, String, bool, Vec<String>)> = None;
    let mut in_param = false;
    // Inside a variable or block DIE of the subprogram: its attributes are not the function's.
    let mut in_other = false;
    let mut depth_param: Option<(String, String)> = None;
    let flush = |cur: &mut Option<(String, String, String, bool, Vec<String>)>, out: &mut Vec<String>| {
        if let Some((name, file, line, code, params)) = cur.take() {
            if code {
                out.push(format!("function(\"{name}@{file}:{line}\"){}", params.concat()));
            }
        }
    };
    for l in dump.lines() {
        let t = l.trim_start();
        if t.contains("DW_TAG_") {
            if let (Some((n, ty)), Some(c)) = (depth_param.take(), cur.as_mut()) {
                c.4.push(format!(" ${n}:{}", norm(&ty)));
            }
            in_param = false;
            in_other = false;
            // Only direct children of a subprogram: a formal_parameter indented one level deeper.
            if t.contains("DW_TAG_subprogram") {
                flush(&mut cur, &mut out);
                cur = Some(Default::default());
            } else if t.contains("DW_TAG_formal_parameter") && cur.is_some() {
                in_param = true;
                depth_param = Some((String::new(), String::new()));
            } else if t.contains("DW_TAG_variable") || t.contains("DW_TAG_lexical_block") {
                in_other = true;
            } else {
                flush(&mut cur, &mut out);
            }
            continue;
        }
        if in_param {
            if let Some(p) = depth_param.as_mut() {
                if t.starts_with("DW_AT_name") {
                    p.0 = quoted(t);
                } else if t.starts_with("DW_AT_type") {
                    p.1 = quoted(t);
                }
            }
            continue;
        }
        if in_other {
            continue;
        }
        if let Some(c) = cur.as_mut() {
            if t.starts_with("DW_AT_name") {
                c.0 = quoted(t);
            } else if t.starts_with("DW_AT_decl_file") {
                c.1 = quoted(t);
            } else if t.starts_with("DW_AT_decl_line") {
                c.2 = val(t);
            } else if t.starts_with("DW_AT_low_pc") {
                c.3 = true;
            }
        }
    }
    flush(&mut cur, &mut out);
    out.sort();
    out
}

#[test]
fn user_listing_matches_llvm_dwarfdump() {
    let dir = scratch("user_listing");
    let src = repo_root().join("tests/vm/user_vars.c");
    for flags in ["-O0 -g -fno-pie -no-pie", "-O2 -g -fPIE -pie", "-O2 -g -fno-pie -no-pie"] {
        let exe = dir.join(format!("uv{}", flags.replace([' ', '-'], "")));
        let out = run(Command::new("cc").args(flags.split_whitespace()).arg("-o").arg(&exe).arg(&src));
        assert!(out.status.success(), "cc {flags}: {}", text(&out.stderr));
        let exe = exe.to_str().unwrap().to_string();
        let out = run(Command::new(bin("rstap")).args(["-L", &format!("process(\"{exe}\").function(\"*\").call")]));
        assert!(out.status.success(), "{flags}: rstap -L: {}", text(&out.stderr));
        let head = format!("process(\"{exe}\").");
        let mut got: Vec<String> = text(&out.stdout)
            .lines()
            .map(|l| {
                let rest = l.strip_prefix(&head).unwrap_or_else(|| panic!("{flags}: {l}")).replacen(").call", ")", 1);
                // Normalise each $name:type the same way.
                let mut parts = rest.split(" $");
                let point = parts.next().unwrap().to_string();
                let vars: String = parts
                    .map(|v| {
                        let (n, t) = v.split_once(':').unwrap();
                        format!(" ${n}:{}", norm(t))
                    })
                    .collect();
                point + &vars
            })
            .collect();
        got.sort();
        let want = expected(&exe);
        assert!(want.iter().any(|l| l.starts_with("function(\"work@")), "{flags}: {want:?}");
        assert_eq!(got, want, "{flags}");
        // The raw spelling of the parameters, as SystemTap prints them.
        let raw = text(&out.stdout);
        assert!(
            raw.contains(" $a:int $c:char $big:long int $s:char const* $p:struct point*"),
            "{flags}: {raw}"
        );
    }
}
