//! The abstract syntax tree produced by pass 1 (owned by the parse pass).
