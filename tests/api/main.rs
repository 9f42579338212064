//! One test binary (one link of the AWS SDK) for every integration test. Each test gets its own
//! table in the local stack; `scripts/test` starts the stack and runs them.

mod accounts;
mod bookings;
mod catalogue;
mod contract;
mod draws;
mod erasure;
mod faults;
mod helpers;
mod hostile;
mod office;
mod privacy;
mod receipts;
