//! Command line (SPEC §1).
