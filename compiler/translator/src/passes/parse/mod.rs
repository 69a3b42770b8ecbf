//! Pass 1: preprocessor, lexer, grammar, printer.
