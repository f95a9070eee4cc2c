//! YAML in and out: `parse` reads input files into JSON-shaped values typed as kustomize
//! types them; `emit` writes values back byte-for-byte as `kubectl kustomize` prints them.

pub mod emit;
pub mod parse;

pub use emit::to_yaml;
pub use parse::{Dialect, YamlError};
