//! Prenota's platform: the adapters that implement the domain's ports on AWS (DynamoDB, SES v2,
//! KMS), the settings read from the environment, and the HTTP plumbing, route table and
//! response shapes that every function shares.

pub mod dynamo;
pub mod http;
pub mod kms;
pub mod lambda;
pub mod responses;
pub mod routes;
pub mod scheduled;
pub mod ses;
pub mod settings;

pub use kms::KmsSigner;
pub use ses::SesMailer;
pub use settings::{Adapter, AwsApp, Settings, build_app, sdk_config};
