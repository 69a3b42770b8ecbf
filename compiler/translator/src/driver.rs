//! The `rstap` command line: parses SystemTap's options and runs the passes.

pub fn main() -> i32 {
    0
}
