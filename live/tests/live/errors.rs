//! Bad input and a bad broker: clear errors, nothing written wrong.

use std::time::Duration;

use async_nats::HeaderMap;
use basis_live::testing::free_port;
use basis_live::{
    CollectOptions, ForwardError, ForwardOptions, NatsError, Retry, collect, forward,
};

use crate::support::{Source, assert_collected, server, stream};

fn quiet(_: &basis_live::Status) {}

#[test]
fn test_a_stream_that_does_not_exist_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(server) = server(tmp.path()) else {
        return;
    };
    let mut source = Source::new(&tmp.path().join("logs"), "run", 7, "host-1", 1000);
    source.event("positions.jsonl", r#""i":1"#);
    let mut options = ForwardOptions::new(server.url());
    options.stream = "NOPE".into();
    let err = forward(&source.dir, &options, &quiet).unwrap_err();
    assert!(
        matches!(&err, ForwardError::Nats(NatsError::StreamNotFound { stream, .. }) if stream == "NOPE"),
        "{err}"
    );
    assert!(err.to_string().contains("`NOPE` does not exist"), "{err}");
    let cursor = basis_live::cursor::Cursor::load(&source.dir)
        .unwrap()
        .unwrap();
    assert!(
        !cursor.done && cursor.files.is_empty(),
        "nothing was acknowledged"
    );
}

#[test]
fn test_a_refused_connection_is_retried_then_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let mut source = Source::new(&tmp.path().join("logs"), "run", 7, "host-1", 1000);
    source.event("positions.jsonl", r#""i":1"#);
    let url = format!("nats://127.0.0.1:{}", free_port().unwrap());
    let mut options = ForwardOptions::new(url.clone());
    options.retry = Retry {
        initial: Duration::from_millis(50),
        max: Duration::from_millis(200),
        give_up_after: Duration::from_secs(1),
    };
    let lines = std::cell::RefCell::new(Vec::new());
    let status = |status: &basis_live::Status| lines.borrow_mut().push(status.to_string());
    let err = forward(&source.dir, &options, &status).unwrap_err();
    let ForwardError::Nats(NatsError::Connect { attempts, .. }) = &err else {
        panic!("{err}");
    };
    assert!(*attempts > 1, "not retried: {err}");
    assert!(err.to_string().contains(&url), "{err}");
    assert!(
        lines
            .borrow()
            .iter()
            .any(|l| l.contains("waiting for the broker")),
        "{:?}",
        lines.borrow()
    );
}

#[test]
fn test_malformed_messages_and_a_colliding_host_are_refused_and_nothing_wrong_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(server) = server(tmp.path()) else {
        return;
    };
    stream(&server, "BASIS", Duration::from_secs(120));
    let out = tmp.path().join("out");

    // Garbage on the subjects: no headers, a wrong CRC, a path that leaves
    // the tree, a subject of another shape.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = async_nats::connect(server.url()).await.unwrap();
        let js = async_nats::jetstream::new(client);
        let publish = |subject: &'static str, headers: Option<HeaderMap>, payload: &'static str| {
            let js = js.clone();
            async move {
                let ack = match headers {
                    Some(h) => js.publish_with_headers(subject, h, payload.into()).await,
                    None => js.publish(subject, payload.into()).await,
                };
                ack.unwrap().await.unwrap();
            }
        };
        publish("basis.run.7.engine~2Elog", None, "x\n").await;
        let mut bad_crc = HeaderMap::new();
        for (k, v) in [
            ("Basis-Format", "1"),
            ("Basis-Kind", "lines"),
            ("Basis-Host", "host-1"),
            ("Basis-Ids", "line"),
            ("Basis-Prev", "0"),
            ("Basis-First", "1"),
            ("Basis-Last", "1"),
            ("Basis-Lines", "1"),
            ("Basis-Crc32", "00000000"),
            ("Nats-Msg-Id", "host-1/run/7/engine.log/1-1"),
        ] {
            bad_crc.insert(k, v);
        }
        publish("basis.run.7.engine~2Elog", Some(bad_crc), "x\n").await;
        publish("basis.run.7.~2E~2E~2Fescape~2Elog", None, "x\n").await;
        publish("basis.nonsense", None, "x\n").await;
    });

    // Two hosts claim pid 7 of `run`: the first one's lines are kept.
    let logs_1 = tmp.path().join("logs-1");
    let logs_2 = tmp.path().join("logs-2");
    let mut first = Source::new(&logs_1, "run", 7, "host-1", 1000);
    let mut second = Source::new(&logs_2, "run", 7, "host-2", 1000);
    for i in 0..20 {
        first.event("positions.jsonl", &format!(r#""i":{i}"#));
        first.log("engine.log", &format!("first {i}"));
        second.event("positions.jsonl", &format!(r#""other":{i}"#));
        second.log("engine.log", &format!("second {i}"));
    }
    first.finish();
    second.finish();
    let options = ForwardOptions::new(server.url());
    forward(&first.dir, &options, &quiet).unwrap();
    let mut collect_options = CollectOptions::new(server.url(), &out);
    collect_options.idle_exit = Some(Duration::from_millis(1500));
    let refusals = std::cell::RefCell::new(Vec::new());
    let status = |status: &basis_live::Status| {
        if let basis_live::Status::Refused { reason } = status {
            refusals.borrow_mut().push(reason.clone());
        }
    };
    let report = collect(&collect_options, &status).unwrap();
    assert_eq!(report.refused, 4, "{:?}", refusals.borrow());
    // The second host's messages have the ids of the first's lines, but
    // another host in them: JetStream keeps both, the collector refuses.
    let shipped = forward(&second.dir, &options, &quiet).unwrap();
    assert_eq!(shipped.duplicates, 0);
    let report = collect(&collect_options, &status).unwrap();
    assert_eq!(report.refused, shipped.messages, "{:?}", refusals.borrow());
    assert!(
        refusals.borrow().iter().any(|r| r.contains("host-2")),
        "{:?}",
        refusals.borrow()
    );
    assert!(
        refusals.borrow().iter().any(|r| r.contains("CRC-32")),
        "{:?}",
        refusals.borrow()
    );
    assert_collected(&first.dir, &out);
    assert!(!tmp.path().join("escape.log").exists() && !out.join("run/escape.log").exists());
}
