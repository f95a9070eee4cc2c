//! Shared with the other integration tests: the PATH they run tools with. The render
//! differential cases themselves run one test per case in `tests/render.rs`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// `<repo>/target/tools/bin`, where `scripts/install-helm` builds helm.
fn tools_bin() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tools/bin")
}

/// PATH for the processes the tests start: the tools directory, then the inherited PATH.
pub(crate) fn test_path() -> OsString {
    let inherited = std::env::var_os("PATH").unwrap_or_default();
    let dirs = std::iter::once(tools_bin()).chain(std::env::split_paths(&inherited));
    std::env::join_paths(dirs).expect("PATH entries hold no separator")
}
