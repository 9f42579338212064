//! Measuring one request: the CPU time of this thread (the whole process runs on it, moto runs
//! in another process), the wall time, and the DynamoDB calls made.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::config::Intercept;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Counts the DynamoDB operations a client sends, by name.
#[derive(Debug, Clone, Default)]
pub struct CallCounter(Arc<Mutex<BTreeMap<String, u64>>>);

impl CallCounter {
    pub fn take(&self) -> BTreeMap<String, u64> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "CallCounter"
    }

    // Not `read_before_execution`: a client's interceptors see that before the operation's
    // metadata is in the bag. This runs once per operation too (retries come later).
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg
            .load::<Metadata>()
            .map_or("?", Metadata::name)
            .to_owned();
        *self.0.lock().unwrap().entry(operation).or_default() += 1;
        Ok(())
    }
}

pub fn thread_cpu_time() -> Duration {
    let mut spec = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut spec) };
    Duration::new(spec.tv_sec as u64, spec.tv_nsec as u32)
}

/// The samples of one kind of request.
#[derive(Default)]
pub struct Series {
    pub cpu: Vec<Duration>,
    pub wall: Vec<Duration>,
    pub calls: BTreeMap<String, u64>,
}

impl Series {
    /// Runs `work` once, measured.
    pub async fn sample<T>(&mut self, counter: &CallCounter, work: impl Future<Output = T>) -> T {
        counter.take();
        let (cpu, wall) = (thread_cpu_time(), Instant::now());
        let outcome = work.await;
        self.wall.push(wall.elapsed());
        self.cpu.push(thread_cpu_time() - cpu);
        for (operation, count) in counter.take() {
            *self.calls.entry(operation).or_default() += count;
        }
        outcome
    }

    pub fn median_cpu(&self) -> Duration {
        median(&self.cpu)
    }

    pub fn row(&self, name: &str) -> String {
        // A series of wall times alone (no CPU measured) counts those.
        let count = self.cpu.len().max(self.wall.len());
        let n = count.max(1) as f64;
        let calls: Vec<String> = self
            .calls
            .iter()
            .map(|(operation, count)| format!("{operation} {:.1}", *count as f64 / n))
            .collect();
        let total: u64 = self.calls.values().sum();
        format!(
            "| {name} | {} | {:.3} | {:.3} | {:.2} | {:.1} | {} |",
            count,
            ms(median(&self.cpu)),
            ms(percentile(&self.cpu, 0.9)),
            ms(median(&self.wall)),
            total as f64 / n,
            calls.join(", ")
        )
    }
}

pub const HEADER: &str = "| request | n | CPU ms (median) | CPU ms (p90) | wall ms (median, moto incl.) | DynamoDB calls | by operation |\n| --- | --- | --- | --- | --- | --- | --- |";

pub fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

pub fn median(samples: &[Duration]) -> Duration {
    percentile(samples, 0.5)
}

pub fn percentile(samples: &[Duration], p: f64) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted
        .get(((sorted.len() as f64 - 1.0) * p).round() as usize)
        .copied()
        .unwrap_or_default()
}
