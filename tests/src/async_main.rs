//! The `main` of the async test and bench programs (`test-server`, `bench-sync`): a
//! two-worker tokio runtime, errors printed with the program's name, an exit status.

use std::future::Future;
use std::process::ExitCode;

/// Runs `run` to completion on a fresh runtime; failure (of the runtime or of `run`) is
/// printed as `name: error` and exits with a failure status.
pub fn run(name: &str, run: impl Future<Output = Result<(), String>>) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{name}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{name}: {e}");
            ExitCode::FAILURE
        }
    }
}
