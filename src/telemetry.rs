//! Structured logs with `tracing`.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber, filtered by `filter` (`LG_LOG`). Safe to call twice: the
/// second call is ignored (tests start many apps in one process).
pub fn init(filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    // Colour codes only for a person at a terminal, not in log files.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(ansi)
        .try_init();
}
