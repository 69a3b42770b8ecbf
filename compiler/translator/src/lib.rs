//! rstap: the translator and driver. See ARCHITECTURE.md at the project root.

pub mod alias_listing;
pub mod ast;
pub mod cache;
pub mod datadir;
pub mod kernel;
pub mod debuginfo;
pub mod listing;
pub mod diag;
pub mod driver;
pub mod dump;
pub mod format;
pub mod multikernel;
pub mod options;
pub mod stats;
pub mod syscalls;
pub mod passes;
pub mod regex;
pub mod userspace;
pub mod vm;
