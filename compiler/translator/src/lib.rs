//! rstap: the translator and driver. See ARCHITECTURE.md at the project root.

pub mod ast;
pub mod diag;
pub mod driver;
pub mod passes;
pub mod vm;
