//! rstaprun [options] MODULE.ko [name=value ...]: see `rstaprun -h`.

use std::process::ExitCode;

fn main() -> ExitCode {
    // staprun(8): SYSTEMTAP_VERBOSE sets the verbosity, each -v adds one.
    let env_verbose: u32 = std::env::var("SYSTEMTAP_VERBOSE").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(0);
    let parsed = rstaprun::parse_args(std::env::args().skip(1)).map(|cli| match cli {
        rstaprun::Cli::Run(mut o) => {
            o.verbose += env_verbose;
            rstaprun::Cli::Run(o)
        }
        rstaprun::Cli::Delete { name, verbose } => rstaprun::Cli::Delete { name, verbose: verbose + env_verbose },
        other => other,
    });
    let status = match parsed {
        Ok(rstaprun::Cli::Help) => {
            print!("{}", rstaprun::USAGE);
            Ok(0)
        }
        Ok(rstaprun::Cli::Run(opts)) => rstaprun::run(&opts),
        Ok(rstaprun::Cli::Delete { name, verbose }) => rstaprun::delete(&name, verbose),
        Err(e) => {
            eprintln!("rstaprun: {e}");
            eprint!("{}", rstaprun::USAGE);
            Ok(1)
        }
    };
    match status {
        Ok(code) => ExitCode::from(code.clamp(0, 255) as u8),
        Err(e) => {
            eprintln!("rstaprun: {e}");
            ExitCode::from(1)
        }
    }
}
