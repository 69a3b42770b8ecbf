//! rstaprun: loads an rstap module, relays its output, removes it (docs/transport.md).
