//! What the tests (`tests/`), the benchmarks (`tools/bench`) and the browser tests build on, and
//! the local server (`tools/local`) runs on:
//!
//! - `stack`: moto standing in for AWS (DynamoDB, KMS, SES v2), reached through the real SDK
//!   clients; the table made from `infra/template.yaml` itself. moto itself is started by
//!   `moto_server.py` beside this crate (serialised, see there).
//! - `faults`: throttling, server errors, timeouts and lost answers injected between the SDK
//!   clients and moto, for the scenario tests of what a real account does.
//! - `gateway`: API Gateway's part, a request handed to the very handler its route's Lambda runs.
//! - `fixtures`: signed-in accounts made straight in the store; `samples`: request bodies with
//!   unique e-mails and documents.
//! - `mailbox`: the e-mails SES (moto) accepted, decoded, with their links.
//! - `camera`: a fake camera's video of a receipt's QR code, for the verifier's browser tests.
//!
//! Nothing here is deployed, and nothing here reaches AWS itself.

pub mod camera;
pub mod faults;
pub mod fixtures;
pub mod gateway;
pub mod mailbox;
pub mod samples;
pub mod stack;

pub use stack::Stack;
