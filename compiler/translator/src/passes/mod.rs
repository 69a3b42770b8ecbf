//! The five passes, one module each: parse → elaborate → translate → build → run.

pub mod build;
pub mod elaborate;
pub mod optimize;
pub mod parse;
pub mod translate;
