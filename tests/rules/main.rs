//! The booking and account rules, proved fast: the domain's use cases called directly on `App`
//! over the real store code (`DynamoStore`) on DynamoDB's model in memory
//! (`prenota_platform::dynamo::memory`: conditions, transactions, sparse indexes), with a mailer
//! that keeps every mail, a P-256 signer of its own and a clock each test sets. No moto, no
//! HTTP: the whole target runs in seconds.
//!
//! What stays for the moto tests (`tests/api`): what only DynamoDB and AWS can prove — the SDK's
//! wire format and (de)serialisation of every request, conditional and update expressions as
//! DynamoDB itself evaluates them, the GSIs of the real table definition, KMS signing and key
//! rotation, SES sending (a sender that is not verified), and the HTTP edge (routing, statuses,
//! headers, bodies in the caller's language), which the router and the handlers add.

mod support;

mod accounts;
mod bookings;
mod draws;
mod notices;
mod office;
mod privacy;
mod receipts;
