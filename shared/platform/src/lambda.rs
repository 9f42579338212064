//! What every function's `main` does before handing requests to its handler.

use prenota_domain::ports::SystemClock;

use crate::settings::{Adapter, AwsApp, Settings, build_app, sdk_config};

/// Sets up logging and builds the application once for the life of the execution environment.
/// Only what every request needs is done here: the SDK clients connect lazily. The function
/// names the adapters it uses (`AwsApp`).
pub async fn init<M: Adapter + 'static, K: Adapter + 'static, D: Default + 'static>()
-> Result<&'static AwsApp<M, K, D>, lambda_http::Error> {
    lambda_http::tracing::init_default_subscriber();
    // A panic's message may quote a value it met: log only where it happened.
    std::panic::set_hook(Box::new(|info| {
        let location = info.location().map(ToString::to_string);
        tracing::error!(location, "panic");
    }));
    let settings = Settings::from_env()?;
    let sdk = sdk_config().await;
    // Lives as long as the process: every invocation borrows it.
    Ok(Box::leak(Box::new(build_app(&sdk, &settings, SystemClock))))
}
