//! Path and name globs as policies write them.
