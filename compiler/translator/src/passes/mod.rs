//! The five passes, one module each: parse → elaborate → translate → build → run.

pub mod parse;
