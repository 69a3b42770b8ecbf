//! C names for script entities: prefixed so that no script name can clash
//! with the runtime's or the kernel's.

pub fn global(name: &str) -> String {
    format!("g_{name}")
}
pub fn global_lock(name: &str) -> String {
    format!("g_{name}_lock")
}
pub fn local(name: &str) -> String {
    format!("l_{name}")
}
pub fn param(name: &str) -> String {
    format!("a_{name}")
}
pub fn temp(n: usize) -> String {
    format!("t_{n}")
}
pub fn function(name: &str) -> String {
    format!("fn_{name}")
}
pub fn function_frame(name: &str) -> String {
    format!("fn_{name}_frame")
}
pub fn function_field(name: &str) -> String {
    format!("f_{name}")
}
pub fn probe_body(i: usize) -> String {
    format!("probe_{i}_body")
}
pub fn probe_frame(i: usize) -> String {
    format!("probe_{i}_frame")
}
pub fn probe_field(i: usize) -> String {
    format!("p_{i}")
}
pub fn probe_desc(i: usize, j: usize) -> String {
    format!("probe_{i}_{j}")
}
pub fn key_struct(global: &str) -> String {
    format!("g_{global}_key")
}
pub fn key_temp(n: usize) -> String {
    format!("k_{n}")
}
/// The matcher of the i-th distinct regular expression.
pub fn regex(i: usize) -> String {
    format!("re_{i}")
}
