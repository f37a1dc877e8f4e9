//! biopath's native shim: one module per kernel object, each with its napi bindings beside it
//! (`<object>/mod.rs` does the work, `<object>/napi.rs` decodes, validates, calls). This file only
//! wires them. Failures are typed (`error::Error { errno, msg }`) and become JS errors in one place
//! (`impl From<error::Error> for napi::Error`) as `Error("<errno>|<message>")`, which
//! src/binding.ts turns into a BiopathError. See README.md for the module map.
#![deny(clippy::all)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![deny(unsafe_op_in_unsafe_fn)]

mod arena;
mod clock;
mod device;
mod error;
mod napi_util;
mod ring;
mod uffd;
mod uffd_peer;
