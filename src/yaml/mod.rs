//! YAML in and out: `parse` reads input files into JSON-shaped values typed as kustomize
//! types them; `emit` writes values back byte-for-byte as `kubectl kustomize` prints them;
//! `fold` is what kustomize's own round trip does to folded block scalars.

pub mod emit;
pub mod fold;
pub mod parse;

pub use emit::to_yaml;
pub use parse::{Dialect, YamlError};
