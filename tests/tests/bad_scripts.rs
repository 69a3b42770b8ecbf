//! Unit tier: the bad-script corpus of tests/bad/. Each `NAME.stp` is a script with one
//! mistake; rstap must refuse it in pass 1 or 2 (never reaching the C compiler: nothing on
//! standard output, exit status 1) with exactly one error, rendered exactly as
//! `NAME.stderr` holds it (the repository's path written `{repo}`).
//!
//! Header lines of a script: `# flags: -g -w` (more rstap options), `# args: 1 x`
//! (script arguments), `# env: NAME=VALUE` (rstap's environment, such as
//! `SYSTEMTAP_DEBUGINFO_PATH` hiding the kernel's DWARF). `RSTAP_BLESS=1` rewrites the `.stderr` files from what rstap
//! prints now: review the diff before committing it.

use rstap_tests::{bin, repo_root, run, text};
use std::process::Command;

#[test]
fn bad_scripts_get_one_precise_error() {
    let dir = repo_root().join("tests/bad");
    let bless = std::env::var_os("RSTAP_BLESS").is_some();
    let repo = repo_root().display().to_string();
    let mut scripts: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "stp"))
        .collect();
    scripts.sort();
    assert!(scripts.len() >= 40, "the corpus has {} scripts; it must keep at least 40", scripts.len());
    let mut failures = Vec::new();
    for script in &scripts {
        let name = script.file_name().unwrap().to_str().unwrap();
        let source = std::fs::read_to_string(script).unwrap();
        let header = |key: &str| -> Vec<String> {
            source
                .lines()
                .filter_map(|l| l.strip_prefix(key))
                .flat_map(|v| v.split_whitespace().map(str::to_string).collect::<Vec<_>>())
                .collect()
        };
        let env: Vec<(String, String)> = header("# env:")
            .into_iter()
            .filter_map(|kv| kv.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
            .collect();
        let out = run(Command::new(bin("rstap"))
            .envs(env)
            .current_dir(&dir)
            .arg("-p3")
            .args(header("# flags:"))
            .arg(name)
            .args(header("# args:")));
        let stderr = text(&out.stderr).replace(&repo, "{repo}");
        let expected_path = script.with_extension("stderr");
        if bless {
            std::fs::write(&expected_path, &stderr).unwrap();
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        let errors = stderr.lines().filter(|l| l.starts_with("error")).count();
        let mut why = Vec::new();
        if out.status.code() != Some(1) {
            why.push(format!("exit status {:?}, not 1", out.status.code()));
        }
        if !out.stdout.is_empty() {
            why.push("it printed on standard output (it got past pass 2)".to_string());
        }
        if errors != 1 {
            why.push(format!("{errors} errors, not one"));
        }
        if !stderr.contains("Pass 1: parse failed.") && !stderr.contains("Pass 2: analysis failed.") {
            why.push("it did not fail in pass 1 or 2".to_string());
        }
        if stderr != expected {
            why.push(format!("stderr differs from {}:\n--- expected\n{expected}--- got\n{stderr}", expected_path.display()));
        }
        if !why.is_empty() {
            failures.push(format!("{name}: {}", why.join("; ")));
        }
    }
    println!("{} bad scripts checked", scripts.len());
    assert!(failures.is_empty(), "{} of {} bad scripts:\n{}", failures.len(), scripts.len(), failures.join("\n\n"));
}
