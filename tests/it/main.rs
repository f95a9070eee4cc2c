//! The one integration-test binary: render differential tests, CLI tests and cluster
//! tests against the test plane.

mod agent;
mod cli;
mod completion;
mod demo;
mod examples;
mod hostile;
mod krew;
mod plugin_manifest;
mod preview;
mod remote;
mod render;
mod set_image;

mod cluster_proof;
mod drift;
mod faults;
mod gitops;
mod safety;
mod testplane;
mod util;
