//! The local stack: moto stands in for AWS (DynamoDB, KMS, SES v2), and every endpoint is
//! served through the very handlers the Lambdas run. Tests use the same pieces.

pub mod camera;
pub mod fixtures;
pub mod mailbox;
pub mod portal;
pub mod router;
pub mod samples;
pub mod stack;

pub use stack::Stack;
