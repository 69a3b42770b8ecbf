fn main() {
    std::process::exit(rstap::driver::main());
}
