//! Test scripts with their expectations in header comments (tests/vm/*.stp):
//!
//! ```text
//! # script: ../shared/corpus/seed/09_timer_hello.stp   build this script instead (from the repo root)
//! # build: -D MAXACTION=50        extra options for `rstap -p4` ({repo}: the repository)
//! # kernels: 6.1.*                run only on kernels whose release matches (a `*` glob);
//! # kernels: !*-rt-*              `!`: not on those (for what a flavour lacks; say why)
//! # boot: lockdown=integrity      run in a boot of its own, these words added to the kernel
//!                                 command line (none: just its own boot, for a case that
//!                                 changes what cannot be undone, e.g. locks the kernel down)
//! # run: {rstaprun} {ko} n=5      the guest's shell command ({rstaprun} {rstap} {ko} {script} {dir} {shared} {repo},
//!                                 {workloads}: the corpus workloads built in target/workloads, see README)
//! # exit: 1                       expected exit status (default 0)
//! #> hello world!                 one exact line of stdout (all of them, in order)
//! #~ n=\d+                        one line of stdout matching this regex (in order; instead of #>)
//! #! ^ERROR: division by 0        a line of stderr must match this regex
//! ```
//! A script without `# run:` is run with `{rstaprun} {ko}`. A script whose
//! run line uses {rstap} instead of {ko} is built by rstap inside the guest.
//!
//! The production tier (tests/tests/sealed_tier.rs) runs the cases marked `# sealed` in a
//! sealed guest (`rstap vm --sealed`: no rstap, headers, debuginfo or 9p share), each built
//! on the host for the kernel, with the same expectations (`#>`, `#~`, `# exit:`):
//!
//! ```text
//! # sealed:                       join the production tier with the `# run:` line as it is
//! # sealed: {rstaprun} -c X {ko}  join it with this line instead (for a case whose run builds
//!                                 in the guest with {rstap}; the `#!` lines then do not apply:
//!                                 they describe rstap's own reports)
//! # sealed-build: -c X {script} A the host build's options and arguments instead of the
//!                                 script alone ({script}: where it goes; leading VAR=value
//!                                 words are the build's environment)
//! # sealed-host: CMD              run by sh on the host, in the scratch directory, before the
//!                                 boot ({rstap}, {kver}, {dir}...: what the guest cannot do)
//! # sealed-include: PATH...       host files the guest needs beyond the ones found in the
//!                                 run line (e.g. coreutils' cat where busybox's reads differ)
//! ```
//! The guest holds rstaprun, the cases' modules, target/workloads, the files named by
//! absolute path in the sealed run lines (awk checks, /bin/true...) and `# sealed-include:`,
//! with their libraries: nothing else but busybox.

use regex::Regex;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub enum Line {
    Exact(String),
    Match(String),
}

#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub script: PathBuf,
    pub build_opts: Vec<String>,
    /// `# kernels:` globs, `!GLOB` excluding; none but exclusions: every other kernel.
    pub kernels: Vec<String>,
    /// `# boot:` kernel command-line words: the case runs in a boot of its own.
    pub boot: Option<String>,
    pub run: String,
    pub exit: i32,
    /// Expected stdout lines, in order.
    pub stdout: Vec<Line>,
    pub stderr_match: Vec<String>,
    /// `# sealed...` headers: None if the case is not in the production tier.
    pub sealed: Option<Sealed>,
}

/// How a case runs in the production tier (see the module's documentation).
#[derive(Debug, Clone, Default)]
pub struct Sealed {
    /// Replaces `Case::run`.
    pub run: Option<String>,
    /// Replaces the script path in the host build.
    pub build: Option<String>,
    pub host: Option<String>,
    pub include: Vec<String>,
}

impl Case {
    pub fn needs_host_build(&self) -> bool {
        self.run.contains("{ko}")
    }

    /// Whether the case runs on this kernel release: no `!GLOB` matches it, and a
    /// GLOB does or there is none.
    pub fn runs_on(&self, release: &str) -> bool {
        let (not, only): (Vec<&String>, Vec<&String>) = self.kernels.iter().partition(|g| g.starts_with('!'));
        !not.iter().any(|g| glob(&g[1..], release)) && (only.is_empty() || only.iter().any(|g| glob(g, release)))
    }

    /// The guest command with placeholders filled in.
    pub fn command(&self, rstaprun: &Path, rstap: &Path, ko: &Path, dir: &Path) -> String {
        self.fill(&self.run, rstaprun, rstap, ko, dir)
    }

    /// The command of the production tier, placeholders filled in.
    pub fn sealed_command(&self, rstaprun: &Path, ko: &Path, dir: &Path) -> String {
        let s = self.sealed.as_ref().and_then(|s| s.run.as_ref()).unwrap_or(&self.run);
        self.fill(s, rstaprun, Path::new("/rstap-is-not-on-a-production-host"), ko, dir)
    }

    /// `text` with the placeholders filled in.
    pub fn fill(&self, text: &str, rstaprun: &Path, rstap: &Path, ko: &Path, dir: &Path) -> String {
        text.replace("{rstaprun}", &rstaprun.display().to_string())
            .replace("{rstap}", &rstap.display().to_string())
            .replace("{ko}", &ko.display().to_string())
            .replace("{script}", &self.script.display().to_string())
            .replace("{dir}", &dir.display().to_string())
            .replace("{shared}", &crate::repo_root().join("../shared").display().to_string())
            .replace("{workloads}", &crate::repo_root().join("target/workloads").display().to_string())
            .replace("{repo}", &crate::repo_root().display().to_string())
    }

    /// Judges the run the guest recorded in `dir` (NAME.rc, .out, .err and .left, the
    /// count of modules left loaded after it); Err holds what differed.
    pub fn judge(&self, dir: &Path) -> Result<(), String> {
        let read = |ext: &str| std::fs::read(dir.join(format!("{}.{ext}", self.name))).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
        let status: i32 = read("rc").trim().parse().unwrap_or(-1);
        self.check(status, &read("out"), &read("err"))?;
        match read("left").trim() {
            "0" => Ok(()),
            n => Err(format!("{n} module(s) left loaded after the script")),
        }
    }

    /// Checks one run; Err holds what differed.
    pub fn check(&self, status: i32, stdout: &str, stderr: &str) -> Result<(), String> {
        let mut problems = Vec::new();
        if status != self.exit {
            problems.push(format!("exit status {status}, expected {}; stderr:\n{stderr}", self.exit));
        }
        let lines: Vec<&str> = stdout.lines().collect();
        let fits = lines.len() == self.stdout.len()
            && lines.iter().zip(&self.stdout).all(|(l, want)| match want {
                Line::Exact(x) => l == x,
                Line::Match(pat) => Regex::new(&format!("^(?:{pat})$")).expect("test regex").is_match(l),
            });
        if !fits {
            let want: Vec<String> = self
                .stdout
                .iter()
                .map(|w| match w {
                    Line::Exact(x) => x.clone(),
                    Line::Match(p) => format!("/{p}/"),
                })
                .collect();
            problems.push(format!("stdout differs:\n--- expected\n{}\n--- got\n{stdout}", want.join("\n")));
        }
        for pat in &self.stderr_match {
            let re = Regex::new(pat).expect("test regex");
            if !stderr.lines().any(|l| re.is_match(l)) {
                problems.push(format!("no stderr line matches /{pat}/; stderr:\n{stderr}"));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("\n"))
        }
    }
}

pub fn parse(script: &Path) -> Case {
    let text = std::fs::read_to_string(script).unwrap();
    let mut c = Case {
        name: script.file_stem().unwrap().to_string_lossy().into_owned(),
        script: script.to_path_buf(),
        build_opts: Vec::new(),
        kernels: Vec::new(),
        boot: None,
        run: "{rstaprun} {ko}".into(),
        exit: 0,
        stdout: Vec::new(),
        stderr_match: Vec::new(),
        sealed: None,
    };
    for line in text.lines() {
        if let Some(x) = line.strip_prefix("#> ") {
            c.stdout.push(Line::Exact(x.to_string()));
        } else if line == "#>" {
            c.stdout.push(Line::Exact(String::new()));
        } else if let Some(x) = line.strip_prefix("#~ ") {
            c.stdout.push(Line::Match(x.to_string()));
        } else if let Some(x) = line.strip_prefix("#! ") {
            c.stderr_match.push(x.to_string());
        } else if let Some(x) = line.strip_prefix("# script: ") {
            c.script = crate::repo_root().join(x.trim());
        } else if let Some(x) = line.strip_prefix("# kernels: ") {
            c.kernels.extend(x.split_whitespace().map(str::to_string));
        } else if let Some(x) = line.strip_prefix("# boot:") {
            c.boot = Some(x.trim().to_string());
        } else if let Some(x) = line.strip_prefix("# build: ") {
            c.build_opts.extend(x.split_whitespace().map(str::to_string));
        } else if let Some(x) = line.strip_prefix("# run: ") {
            c.run = x.to_string();
        } else if line == "# sealed:" || line == "# sealed" {
            c.sealed.get_or_insert_with(Sealed::default);
        } else if let Some(x) = line.strip_prefix("# sealed: ") {
            c.sealed.get_or_insert_with(Sealed::default).run = Some(x.to_string());
        } else if let Some(x) = line.strip_prefix("# sealed-build: ") {
            c.sealed.get_or_insert_with(Sealed::default).build = Some(x.to_string());
        } else if let Some(x) = line.strip_prefix("# sealed-host: ") {
            c.sealed.get_or_insert_with(Sealed::default).host = Some(x.to_string());
        } else if let Some(x) = line.strip_prefix("# sealed-include: ") {
            c.sealed.get_or_insert_with(Sealed::default).include.extend(x.split_whitespace().map(str::to_string));
        } else if let Some(x) = line.strip_prefix("# exit: ") {
            c.exit = x.trim().parse().expect("exit status");
        }
    }
    c
}

/// Every case in a directory, sorted by name.
pub fn all(dir: &Path) -> Vec<Case> {
    let mut v: Vec<Case> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "stp"))
        .map(|p| parse(&p))
        .collect();
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, rest)) => {
            text.starts_with(head) && (0..=text.len() - head.len()).any(|i| glob(rest, &text[head.len() + i..]))
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn kernel_globs() {
        assert!(super::glob("6.1.*", "6.1.0-56-amd64"));
        assert!(!super::glob("6.1.*", "6.12.117+deb12-amd64"));
        assert!(super::glob("*-rt-*", "6.1.0-56-rt-amd64"));
    }

    #[test]
    fn kernel_exclusions() {
        let f = std::env::temp_dir().join(format!("rstap-kernels-{}.stp", std::process::id()));
        std::fs::write(&f, "# kernels: !*-rt-*\n").unwrap();
        let mut c = super::parse(&f);
        std::fs::remove_file(&f).unwrap();
        assert!(c.runs_on("6.1.0-56-amd64") && c.runs_on("6.12.117+deb12-amd64"));
        assert!(!c.runs_on("6.1.0-56-rt-amd64"));
        c.kernels = vec!["6.1.*".into(), "!*-rt-*".into()];
        assert!(c.runs_on("6.1.0-56-amd64") && !c.runs_on("6.1.0-56-rt-amd64") && !c.runs_on("6.12.117+deb12-amd64"));
    }
}
