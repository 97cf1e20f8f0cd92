//! The collector: a durable JetStream consumer that writes every run it
//! receives into the guide's tree, acknowledging only what is on disk.
//!
//! Messages are fetched in batches and applied in stream order; the touched
//! files are synced, and only then is each message acknowledged. A collector
//! killed at any point leaves unacknowledged messages that the server
//! redelivers, and the [`Sink`] drops their lines already written.
//!
//! On start, if the durable consumer has messages delivered to an earlier
//! collector and never acknowledged, the consumer is recreated from its
//! acknowledgement floor, so they come again at once instead of after the
//! acknowledgement wait. A message whose first line does not follow the last
//! written (an earlier one is still to be redelivered) is put back with a
//! delay; after `gap_patience` deliveries the gap is reported and the lines
//! are written anyway.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, PullConsumer, pull};
use async_nats::jetstream::{self, AckKind};
use basis_events::run_dir::{LogDirectoryManager, RetentionOptions};
use futures_util::StreamExt;

use crate::error::{CollectError, NatsError};
use crate::message::Message;
use crate::nats::{self, DEFAULT_STREAM, Retry, StreamSettings};
use crate::sink::{Applied, Sink};
use crate::status::{Status, StatusFn};
use crate::subject::ALL_SUBJECTS;

/// The durable consumer's name when none is given.
pub const DEFAULT_DURABLE: &str = "basis-collect";

/// How to collect.
#[derive(Debug, Clone)]
pub struct CollectOptions {
    pub url: String,
    /// The stream, created with these settings if it does not exist.
    pub stream: StreamSettings,
    pub out: PathBuf,
    pub durable: String,
    /// Messages per fetch.
    pub batch: usize,
    /// How long the server waits for an acknowledgement before redelivering.
    pub ack_wait: Duration,
    /// Deliveries of a message that follows a gap before the gap is reported
    /// and the message written anyway.
    pub gap_patience: i64,
    /// Stop after this long without a message (`None`: run until killed or
    /// interrupted).
    pub idle_exit: Option<Duration>,
    /// Retention applied to the output tree at start and every `retention_every`.
    pub retention: Option<RetentionOptions>,
    pub retention_every: Duration,
    pub retry: Retry,
}

impl CollectOptions {
    /// Defaults: stream `BASIS`, consumer `basis-collect`, fetches of 256.
    pub fn new(url: impl Into<String>, out: impl Into<PathBuf>) -> Self {
        CollectOptions {
            url: url.into(),
            stream: StreamSettings::new(DEFAULT_STREAM),
            out: out.into(),
            durable: DEFAULT_DURABLE.to_owned(),
            batch: 256,
            ack_wait: Duration::from_secs(10),
            gap_patience: 20,
            idle_exit: None,
            retention: Some(RetentionOptions::new()),
            retention_every: Duration::from_secs(3600),
            retry: Retry::default(),
        }
    }
}

/// What a collector did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CollectReport {
    pub messages: u64,
    pub lines: u64,
    pub duplicates: u64,
    /// Messages refused (malformed, colliding): acknowledged as terminated,
    /// nothing written.
    pub refused: u64,
    /// Gaps reported and written over.
    pub gaps: u64,
    /// Run directories removed by retention.
    pub removed_runs: u64,
}

/// Collects until interrupted (or idle for `idle_exit`).
pub fn collect(
    options: &CollectOptions,
    status: StatusFn<'_>,
) -> Result<CollectReport, CollectError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CollectError::Runtime)?;
    runtime.block_on(collect_async(options, status))
}

async fn collect_async(
    options: &CollectOptions,
    status: StatusFn<'_>,
) -> Result<CollectReport, CollectError> {
    let url = &options.url;
    let client = nats::connect(url, &options.retry, status).await?;
    let js = jetstream::new(client.clone());
    let stream = nats::ensure_stream(&js, &options.stream, url).await?;
    let consumer = consumer(&stream, options).await?;
    let mut sink = Sink::new(&options.out);
    let mut report = CollectReport::default();
    let mut last_message = Instant::now();
    let mut next_retention = Instant::now();
    let mut delay = options.retry.initial;
    let mut failing_since: Option<Instant> = None;
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    loop {
        if let Some(retention) = &options.retention
            && Instant::now() >= next_retention
        {
            let removed = LogDirectoryManager::with_root(&options.out)
                .apply_retention(retention)?
                .removed
                .len();
            report.removed_runs += removed as u64;
            next_retention = Instant::now() + options.retention_every;
        }
        if let Some(idle) = options.idle_exit
            && last_message.elapsed() >= idle
        {
            return Ok(report);
        }
        let fetch = consumer
            .fetch()
            .max_messages(options.batch)
            .expires(Duration::from_millis(500))
            .messages();
        let batch = tokio::select! {
            _ = &mut interrupted => return Ok(report),
            batch = fetch_all(fetch) => batch,
        };
        let messages = match batch {
            Ok(messages) => {
                failing_since = None;
                delay = options.retry.initial;
                messages
            }
            Err(reason) => {
                let since = *failing_since.get_or_insert_with(Instant::now);
                if since.elapsed() > options.retry.give_up_after {
                    return Err(NatsError::Request {
                        op: "fetching messages",
                        url: url.clone(),
                        reason,
                    }
                    .into());
                }
                status(&Status::Retrying {
                    what: format!("fetch from stream `{}`", options.stream.name),
                    attempt: 0,
                    reason,
                    retry_in: delay,
                });
                tokio::time::sleep(delay).await;
                delay = options.retry.next(delay);
                continue;
            }
        };
        if messages.is_empty() {
            continue;
        }
        last_message = Instant::now();
        let mut verdicts = Vec::with_capacity(messages.len());
        let (mut written, mut lines) = (0, 0);
        for message in &messages {
            let verdict = apply(&mut sink, message, options, status, &mut report)?;
            if let Verdict::Ack { lines: n } = verdict {
                written += 1;
                lines += n;
            }
            verdicts.push(verdict);
        }
        // On disk first, then acknowledged.
        sink.sync()?;
        for (message, verdict) in messages.iter().zip(&verdicts) {
            let kind = match verdict {
                Verdict::Ack { .. } => AckKind::Ack,
                Verdict::Term => AckKind::Term,
                Verdict::Later => AckKind::Nak(Some(Duration::from_millis(200))),
            };
            // A lost acknowledgement only means a redelivery, which the sink
            // drops; the next fetch reports a broken connection.
            let _ = message.ack_with(kind).await;
        }
        let _ = client.flush().await;
        if written > 0 {
            status(&Status::Collected {
                messages: written,
                lines,
            });
        }
    }
}

enum Verdict {
    Ack { lines: u64 },
    Term,
    Later,
}

fn apply(
    sink: &mut Sink,
    message: &jetstream::Message,
    options: &CollectOptions,
    status: StatusFn<'_>,
    report: &mut CollectReport,
) -> Result<Verdict, CollectError> {
    let decoded = match Message::decode(
        message.subject.as_str(),
        message.headers.as_ref(),
        message.payload.clone(),
    ) {
        Ok(decoded) => decoded,
        Err(err) => {
            report.refused += 1;
            status(&Status::Refused {
                reason: err.to_string(),
            });
            return Ok(Verdict::Term);
        }
    };
    let deliveries = message.info().map_or(1, |info| info.delivered);
    let patience_over = deliveries >= options.gap_patience;
    Ok(match sink.apply(&decoded, patience_over)? {
        Applied::Written { lines, gap } => {
            if let Some((after, next)) = gap {
                report.gaps += 1;
                status(&Status::Gap {
                    file: decoded.origin.to_string(),
                    after,
                    next,
                });
            }
            report.messages += 1;
            report.lines += lines;
            Verdict::Ack { lines }
        }
        Applied::Duplicate => {
            report.duplicates += 1;
            Verdict::Ack { lines: 0 }
        }
        // An earlier message is still to come (redelivered): later.
        Applied::Gap { .. } => Verdict::Later,
        Applied::Refused(reason) => {
            report.refused += 1;
            status(&Status::Refused { reason });
            Verdict::Term
        }
    })
}

async fn fetch_all(
    fetch: impl Future<Output = Result<pull::Batch, pull::BatchError>>,
) -> Result<Vec<jetstream::Message>, String> {
    let mut batch = fetch.await.map_err(|err| err.to_string())?;
    let mut messages = Vec::new();
    while let Some(message) = batch.next().await {
        match message {
            Ok(message) => messages.push(message),
            Err(err) => {
                if messages.is_empty() {
                    return Err(err.to_string());
                }
                break;
            }
        }
    }
    Ok(messages)
}

/// The durable consumer; recreated from its acknowledgement floor when an
/// earlier collector left messages delivered and unacknowledged.
async fn consumer(
    stream: &jetstream::stream::Stream,
    options: &CollectOptions,
) -> Result<PullConsumer, CollectError> {
    let request = |op: &'static str| {
        let url = options.url.clone();
        move |err: &dyn std::fmt::Display| NatsError::Request {
            op,
            url,
            reason: err.to_string(),
        }
    };
    let mut deliver_policy = DeliverPolicy::All;
    if let Ok(info) = stream.consumer_info(&options.durable).await
        && info.num_ack_pending > 0
    {
        deliver_policy = DeliverPolicy::ByStartSequence {
            start_sequence: info.ack_floor.stream_sequence + 1,
        };
        stream
            .delete_consumer(&options.durable)
            .await
            .map_err(|err| request("recreating the consumer")(&err))?;
    }
    let config = pull::Config {
        durable_name: Some(options.durable.clone()),
        filter_subject: ALL_SUBJECTS.to_owned(),
        ack_policy: AckPolicy::Explicit,
        ack_wait: options.ack_wait,
        deliver_policy,
        max_ack_pending: 10_000,
        ..pull::Config::default()
    };
    stream
        .get_or_create_consumer(&options.durable, config)
        .await
        .map_err(|err| request("creating the consumer")(&err).into())
}
