//! `redis-rust-server [configfile] [--directive value ...]`: redis-server's
//! command line, then serve until SHUTDOWN or a signal; exit 0 after a
//! clean stop, 1 when the configuration or the sockets fail.

use server::config::{self, Invocation};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match config::from_args(&args) {
        Ok(Invocation::Serve(config)) => *config,
        Ok(Invocation::Version) => {
            println!(
                "Redis server v={} sha=00000000:0 malloc={} bits=64 build=redis-rust-{}",
                server::host::connection::REDIS_VERSION,
                server::memory::ALLOCATOR_NAME,
                env!("CARGO_PKG_VERSION")
            );
            return ExitCode::SUCCESS;
        }
        Ok(Invocation::Help) => {
            println!("Usage: ./redis-rust-server [/path/to/redis.conf] [options] [-]");
            println!("       ./redis-rust-server - (read config from stdin)");
            println!("       ./redis-rust-server -v or --version");
            println!("       ./redis-rust-server -h or --help");
            println!();
            println!("Examples:");
            println!("       ./redis-rust-server (run the server with default conf)");
            println!("       ./redis-rust-server /etc/redis/6379.conf");
            println!("       ./redis-rust-server --port 7777");
            println!("       ./redis-rust-server /etc/myredis.conf --loglevel verbose");
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let settings = config.settings(0);
    if let Err(error) = server::logging::init(settings.loglevel, settings.logfile.as_deref()) {
        eprintln!("{error}");
        return ExitCode::FAILURE;
    }
    tracing::warn!("oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo");
    tracing::warn!(
        "Redis version={}, redis-rust={}, bits=64, pid={}, just started",
        server::host::connection::REDIS_VERSION,
        env!("CARGO_PKG_VERSION"),
        std::process::id()
    );
    tracing::warn!("Configuration loaded");
    let threads = config.value("io-threads").parse::<usize>().unwrap_or(1);
    let runtime = if threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()
    };
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("Failed to start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let mut options = server::run::Options::default();
        // One spinning worker of several would only hold a core.
        if threads > 1 {
            options.spin = None;
        }
        // The polling window in microseconds, 0 for none (callgrind counts
        // of the whole server are only deterministic without it).
        if let Some(us) = std::env::var("REDIS_RUST_SPIN_US")
            .ok()
            .and_then(|us| us.parse::<u64>().ok())
        {
            options.spin = (us > 0).then(|| std::time::Duration::from_micros(us));
        }
        let running = server::run::start(config, options).await?;
        tracing::info!(
            "Running mode=standalone, port={}.",
            running.port.unwrap_or(0)
        );
        running.serve().await
    });
    // Everything acknowledged is on disk by now (`serve` flushed and
    // stopped persistence). A blocking call still running is one nobody
    // waits for (an fsync hung on a file a recovery replaced): dropping
    // the runtime would wait for it forever, so the wait is bounded.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::warn!("{error}");
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}
