//! staprun-style command line: `rstaprun [options] MODULE.ko [name=value ...]`.
//! Options may be bundled (`-vv`) and take their argument attached or separate
//! (`-oFILE`, `-o FILE`); the first non-option ends the options.

use std::path::PathBuf;

use crate::RunOptions;

pub const USAGE: &str = "\
Usage: rstaprun [options] MODULE.ko [name=value ...]
       rstaprun -A MODULE_NAME | -d MODULE_NAME
Load an rstap kernel module, relay its output, remove it at the end.

Options:
  -c CMD    run CMD (via /bin/sh -c) with the probes armed; end when it exits.
            The module's target pid is CMD's.
  -x PID    set the module's target pid to PID
  -o FILE   send the script's output to FILE instead of stdout; strftime(3)
            conversions in FILE are expanded (-o trace-%Y%m%d.txt)
  -b MB     relay buffer size per CPU, in MiB (1-4095)
  -S MB[,N] with -o: switch to a new output file FILE.1, FILE.2, ... when one
            reaches MB MiB; keep at most N files (the oldest are removed)
  -D        daemon: run in the background (needs -o); prints the daemon's pid
  -L        load, start and leave running, detached (flight recorder: output
            stays in the buffers, the oldest overwritten); prints the name
  -A NAME   attach to module NAME left running by -L (or detached with
            SIGQUIT) and relay its output; SIGQUIT detaches again
  -R        rename the module at load (NAME_PID) so several can run
  -T MS     read the output at least every MS milliseconds (default 50)
  -w        suppress warnings
  -v        more verbose (repeatable; SYSTEMTAP_VERBOSE=N starts at N)
  -d NAME   stop and remove the loaded module NAME, then exit
  -h        show this help

name=value arguments set the script's globals of those names before it starts
(refused before loading when the module has no such global, or when a number
global's value is not a number).
";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cli {
    Run(RunOptions),
    Delete { name: String, verbose: u32 },
    Help,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

fn err<T>(msg: impl Into<String>) -> Result<T, UsageError> {
    Err(UsageError(msg.into()))
}

/// Parses the arguments after the program name.
pub fn parse_args<I, S>(argv: I) -> Result<Cli, UsageError>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let args: Vec<String> = argv.into_iter().map(Into::into).collect();
    let mut opts = RunOptions::default();
    let mut delete: Option<String> = None;
    let mut attach: Option<String> = None;
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        if arg == "--" {
            i += 1;
            break;
        }
        if !arg.starts_with('-') || arg == "-" {
            break;
        }
        let flags: Vec<char> = arg[1..].chars().collect();
        let mut j = 0;
        while j < flags.len() {
            let c = flags[j];
            j += 1;
            match c {
                'h' => return Ok(Cli::Help),
                'v' => opts.verbose += 1,
                'w' => opts.no_warnings = true,
                'D' => opts.daemon = true,
                'L' => opts.load_only = true,
                'R' => opts.rename = true,
                'c' | 'x' | 'o' | 'b' | 'd' | 'A' | 'T' | 'S' => {
                    let value: String = if j < flags.len() {
                        let v = flags[j..].iter().collect();
                        j = flags.len();
                        v
                    } else {
                        i += 1;
                        match args.get(i) {
                            Some(v) => v.clone(),
                            None => return err(format!("option -{c} needs an argument")),
                        }
                    };
                    match c {
                        'c' => opts.command = Some(value),
                        'x' => match value.parse::<i32>() {
                            Ok(pid) if pid > 0 => opts.target_pid = Some(pid),
                            _ => return err(format!("-x: invalid pid '{value}'")),
                        },
                        'o' => opts.output = Some(PathBuf::from(value)),
                        'b' => match value.parse::<u32>() {
                            Ok(mb) if (1..=4095).contains(&mb) => opts.buffer_mb = Some(mb),
                            _ => {
                                return err(format!(
                                    "-b: invalid buffer size '{value}' (MiB, 1-4095)"
                                ))
                            }
                        },
                        'A' => attach = Some(value),
                        'T' => match value.parse::<u32>() {
                            Ok(ms) if (1..=60_000).contains(&ms) => opts.poll_ms = Some(ms),
                            _ => return err(format!("-T: invalid timeout '{value}' (ms, 1-60000)")),
                        },
                        'S' => opts.rotate = Some(parse_rotate(&value)?),
                        _ => delete = Some(value),
                    }
                }
                _ => return err(format!("invalid option -{c}")),
            }
        }
        i += 1;
    }
    let rest = &args[i.min(args.len())..];

    if let Some(name) = delete {
        if !rest.is_empty() {
            return err("-d takes a module name and nothing else");
        }
        return Ok(Cli::Delete { name, verbose: opts.verbose });
    }
    if opts.load_only && opts.daemon {
        return err("-L and -D cannot be used together");
    }
    if opts.daemon && opts.output.is_none() {
        return err("-D needs -o FILE (a daemon has no terminal)");
    }
    if opts.rotate.is_some() && opts.output.is_none() {
        return err("-S needs -o FILE");
    }
    if let Some(name) = attach {
        if !rest.is_empty() {
            return err("-A takes a module name and nothing else");
        }
        if opts.load_only || opts.rename || opts.command.is_some() || opts.target_pid.is_some() {
            return err("-A cannot be used with -L, -R, -c or -x");
        }
        opts.attach = true;
        opts.module = PathBuf::from(name);
        return Ok(Cli::Run(opts));
    }
    let Some((module, params)) = rest.split_first() else {
        return err("no module given");
    };
    if opts.command.is_some() && opts.target_pid.is_some() {
        return err("-c and -x cannot be used together");
    }
    if opts.load_only && opts.command.is_some() {
        return err("-L and -c cannot be used together");
    }
    for p in params {
        match p.split_once('=') {
            Some((name, _)) if is_param_name(name) => {}
            _ => return err(format!("invalid module argument '{p}' (expected name=value)")),
        }
    }
    opts.module = PathBuf::from(module);
    opts.params = params.to_vec();
    Ok(Cli::Run(opts))
}

/// `-S SIZE_MB[,N]`.
fn parse_rotate(value: &str) -> Result<(u64, Option<u32>), UsageError> {
    let bad = || err(format!("-S: invalid '{value}' (SIZE_MB[,N], both at least 1)"));
    let (size, n) = match value.split_once(',') {
        Some((s, n)) => (s, Some(n)),
        None => (value, None),
    };
    let Ok(size) = size.parse::<u64>() else { return bad() };
    if size == 0 || size > 1 << 20 {
        return bad();
    }
    let n = match n.map(str::parse::<u32>) {
        None => None,
        Some(Ok(n)) if n >= 1 => Some(n),
        Some(_) => return bad(),
    };
    Ok((size, n))
}

fn is_param_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> RunOptions {
        match parse_args(args.iter().copied()) {
            Ok(Cli::Run(o)) => o,
            other => panic!("{args:?}: {other:?}"),
        }
    }

    fn usage_error(args: &[&str]) -> String {
        match parse_args(args.iter().copied()) {
            Err(UsageError(m)) => m,
            other => panic!("{args:?}: expected an error, got {other:?}"),
        }
    }

    #[test]
    fn plain_module_and_params() {
        let o = run(&["m.ko", "a=1", "b=x y"]);
        assert_eq!(o.module, PathBuf::from("m.ko"));
        assert_eq!(o.params, vec!["a=1", "b=x y"]);
        assert_eq!(o.verbose, 0);
        assert_eq!(o.command, None);
    }

    #[test]
    fn options_separate_attached_and_bundled() {
        let o = run(&["-vv", "-c", "ls -l", "-o/tmp/out", "-b", "16", "-v", "m.ko"]);
        assert_eq!(o.verbose, 3);
        assert_eq!(o.command.as_deref(), Some("ls -l"));
        assert_eq!(o.output, Some(PathBuf::from("/tmp/out")));
        assert_eq!(o.buffer_mb, Some(16));
        let o = run(&["-vx42", "m.ko"]);
        assert_eq!((o.verbose, o.target_pid), (1, Some(42)));
    }

    #[test]
    fn options_end_at_module() {
        // After the module everything is a parameter, even if it looks like an option.
        assert_eq!(usage_error(&["m.ko", "-v"]), "invalid module argument '-v' (expected name=value)");
        let o = run(&["--", "-weird.ko"]);
        assert_eq!(o.module, PathBuf::from("-weird.ko"));
    }

    #[test]
    fn help_and_delete() {
        assert_eq!(parse_args(["-h"]), Ok(Cli::Help));
        assert_eq!(parse_args(["-v", "-h", "m.ko"]), Ok(Cli::Help));
        assert_eq!(
            parse_args(["-v", "-d", "stap_x"]),
            Ok(Cli::Delete { name: "stap_x".into(), verbose: 1 })
        );
        assert!(parse_args(["-d", "a", "b"]).is_err());
    }

    #[test]
    fn staprun_session_options() {
        let o = run(&["-L", "-R", "-w", "-T", "200", "m.ko"]);
        assert!(o.load_only && o.rename && o.no_warnings);
        assert_eq!(o.poll_ms, Some(200));
        let o = run(&["-D", "-o", "out", "-S", "2,3", "m.ko"]);
        assert!(o.daemon);
        assert_eq!(o.rotate, Some((2, Some(3))));
        assert_eq!(run(&["-o", "f", "-S1", "m.ko"]).rotate, Some((1, None)));
        let o = run(&["-A", "stap_x"]);
        assert!(o.attach);
        assert_eq!(o.module, PathBuf::from("stap_x"));
    }

    #[test]
    fn session_option_errors() {
        assert!(usage_error(&["-D", "m.ko"]).contains("-D needs -o"));
        assert!(usage_error(&["-S", "1", "m.ko"]).contains("-S needs -o"));
        assert!(usage_error(&["-o", "f", "-S", "0", "m.ko"]).contains("-S: invalid"));
        assert!(usage_error(&["-o", "f", "-S", "1,0", "m.ko"]).contains("-S: invalid"));
        assert!(usage_error(&["-o", "f", "-S", "x", "m.ko"]).contains("-S: invalid"));
        assert!(usage_error(&["-T", "0", "m.ko"]).contains("-T: invalid"));
        assert!(usage_error(&["-L", "-D", "-o", "f", "m.ko"]).contains("cannot be used together"));
        assert!(usage_error(&["-L", "-c", "ls", "m.ko"]).contains("cannot be used together"));
        assert!(usage_error(&["-A", "x", "m.ko"]).contains("-A takes a module name"));
        assert!(usage_error(&["-L", "-A", "x"]).contains("-A cannot be used"));
    }

    #[test]
    fn errors() {
        assert_eq!(usage_error(&[]), "no module given");
        assert_eq!(usage_error(&["-c"]), "option -c needs an argument");
        assert_eq!(usage_error(&["-q", "m.ko"]), "invalid option -q");
        assert!(usage_error(&["-x", "abc", "m.ko"]).contains("invalid pid"));
        assert!(usage_error(&["-x", "0", "m.ko"]).contains("invalid pid"));
        assert!(usage_error(&["-b", "0", "m.ko"]).contains("invalid buffer size"));
        assert!(usage_error(&["-b", "4096", "m.ko"]).contains("invalid buffer size"));
        assert_eq!(usage_error(&["-c", "ls", "-x", "1", "m.ko"]), "-c and -x cannot be used together");
        assert!(usage_error(&["m.ko", "=1"]).contains("invalid module argument"));
        assert!(usage_error(&["m.ko", "noequals"]).contains("invalid module argument"));
    }
}
