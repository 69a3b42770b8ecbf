//! rstaprun [options] MODULE.ko [name=value ...]: see `rstaprun -h`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let status = match rstaprun::parse_args(std::env::args().skip(1)) {
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
