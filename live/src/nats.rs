//! Connecting to the broker with bounded retries, and the JetStream stream
//! every run is shipped to.

use std::time::{Duration, Instant};

use async_nats::jetstream::{self, stream};
use async_nats::{Client, ConnectOptions};

use crate::error::NatsError;
use crate::status::{Status, StatusFn};
use crate::subject::ALL_SUBJECTS;

/// The stream name when none is given.
pub const DEFAULT_STREAM: &str = "BASIS";

/// Bounded retries with exponential backoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    pub initial: Duration,
    pub max: Duration,
    /// How long one operation is retried before it fails.
    pub give_up_after: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(5),
            give_up_after: Duration::from_secs(600),
        }
    }
}

impl Retry {
    pub(crate) fn next(&self, delay: Duration) -> Duration {
        (delay * 2).min(self.max)
    }
}

/// The stream the collector creates when it does not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamSettings {
    pub name: String,
    /// JetStream drops a repeated message id within this window (2 minutes
    /// by default); the collector de-duplicates by line id beyond it.
    pub duplicate_window: Duration,
    /// Messages older than this are dropped by the server; zero keeps them.
    pub max_age: Duration,
}

impl StreamSettings {
    /// File storage, subjects `basis.>`, the default window, kept forever.
    pub fn new(name: impl Into<String>) -> Self {
        StreamSettings {
            name: name.into(),
            duplicate_window: Duration::from_secs(120),
            max_age: Duration::ZERO,
        }
    }

    fn config(&self) -> stream::Config {
        stream::Config {
            name: self.name.clone(),
            subjects: vec![ALL_SUBJECTS.to_owned()],
            storage: stream::StorageType::File,
            duplicate_window: self.duplicate_window,
            max_age: self.max_age,
            ..stream::Config::default()
        }
    }
}

/// Connects to `url`, retrying a refused or failed connection with backoff
/// until `retry.give_up_after`. Once connected, the client reconnects by
/// itself; callers never publish while it is disconnected (it would buffer).
pub(crate) async fn connect(
    url: &str,
    retry: &Retry,
    status: StatusFn<'_>,
) -> Result<Client, NatsError> {
    let started = Instant::now();
    let mut delay = retry.initial;
    let mut attempts = 0;
    loop {
        attempts += 1;
        let options = ConnectOptions::new()
            .connection_timeout(Duration::from_secs(2))
            .max_reconnects(None)
            .reconnect_delay_callback(|attempt| {
                Duration::from_millis(50u64 << attempt.min(5)).min(Duration::from_secs(1))
            });
        match options.connect(url).await {
            Ok(client) => {
                status(&Status::Connected {
                    url: url.to_owned(),
                });
                return Ok(client);
            }
            Err(err) => {
                let reason = err.to_string();
                if started.elapsed() + delay > retry.give_up_after {
                    return Err(NatsError::Connect {
                        url: url.to_owned(),
                        attempts,
                        secs: started.elapsed().as_secs_f64(),
                        reason,
                    });
                }
                status(&Status::Retrying {
                    what: format!("connect to {url}"),
                    attempt: attempts,
                    reason,
                    retry_in: delay,
                });
                tokio::time::sleep(delay).await;
                delay = retry.next(delay);
            }
        }
    }
}

/// The stream `name`, which must exist.
pub(crate) async fn existing_stream(
    js: &jetstream::Context,
    name: &str,
    url: &str,
) -> Result<stream::Stream, NatsError> {
    match js.get_stream(name).await {
        Ok(stream) => Ok(stream),
        Err(err) => match err.kind() {
            jetstream::context::GetStreamErrorKind::JetStream(inner)
                if inner.error_code() == jetstream::ErrorCode::STREAM_NOT_FOUND =>
            {
                Err(NatsError::StreamNotFound {
                    stream: name.to_owned(),
                    url: url.to_owned(),
                })
            }
            _ => Err(NatsError::Request {
                op: "looking up the stream",
                url: url.to_owned(),
                reason: err.to_string(),
            }),
        },
    }
}

/// The stream of `settings`, created if it does not exist (an existing one
/// is used as it is).
pub(crate) async fn ensure_stream(
    js: &jetstream::Context,
    settings: &StreamSettings,
    url: &str,
) -> Result<stream::Stream, NatsError> {
    js.get_or_create_stream(settings.config())
        .await
        .map_err(|err| NatsError::Request {
            op: "creating the stream",
            url: url.to_owned(),
            reason: err.to_string(),
        })
}

/// Creates the stream of `settings` on `url` if it does not exist: for
/// setup scripts and tests, before any forwarder runs.
pub fn create_stream(url: &str, settings: &StreamSettings) -> Result<(), NatsError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| NatsError::Request {
            op: "starting the runtime",
            url: url.to_owned(),
            reason: err.to_string(),
        })?;
    runtime.block_on(async {
        let retry = Retry {
            give_up_after: Duration::from_secs(10),
            ..Retry::default()
        };
        let client = connect(url, &retry, &|_| {}).await?;
        ensure_stream(&jetstream::new(client), settings, url).await?;
        Ok(())
    })
}
