//! The message format: a batch of complete lines, or a whole small file,
//! with headers that say where it comes from and which lines it holds.
//!
//! # Lines
//!
//! The payload is one or more complete lines of one file, each ending in
//! `\n`, in file order, at most [`MAX_BATCH_BYTES`] by default. Headers:
//!
//! | header | value |
//! | --- | --- |
//! | `Nats-Msg-Id` | `<host>/<correlation_id>/<pid>/<file>/<first>-<last>` (JetStream's de-duplication key) |
//! | `Basis-Format` | `1` |
//! | `Basis-Kind` | `lines` |
//! | `Basis-Host` | the host of the run manifest |
//! | `Basis-Ids` | `seq` or `line` (see [`crate::ids`]) |
//! | `Basis-Prev` | the id of the line before the first, `0` for none |
//! | `Basis-First`, `Basis-Last` | the ids of the first and last line |
//! | `Basis-Lines` | how many lines |
//! | `Basis-Crc32` | CRC-32 of the payload, hex |
//!
//! `Basis-Prev` lets the collector tell a missing message (a gap) from the
//! next one even when `seq` skips numbers inside one file (the process's
//! other files hold them).
//!
//! # Snapshots
//!
//! `metadata.json` and `catalog.json` are replaced, not appended to: the
//! payload is the whole file, `Basis-Kind: snapshot`, `Basis-Version` its
//! modification time in nanoseconds (the collector keeps the newest), and the
//! message id `<host>/<correlation_id>/<pid>/<file>@<version>-<crc32>`.

use async_nats::HeaderMap;
use bytes::Bytes;

use crate::error::MessageError;
use crate::ids::{IdKind, seq_of};
use crate::subject::FileOrigin;

/// The largest payload a batch is built to by default: half of the server's
/// default `max_payload` (1 MiB), so headers always fit.
pub const MAX_BATCH_BYTES: usize = 512 * 1024;
/// The most lines in one batch by default.
pub const MAX_BATCH_LINES: usize = 4096;

pub(crate) const MSG_ID: &str = "Nats-Msg-Id";
const FORMAT: &str = "Basis-Format";
const KIND: &str = "Basis-Kind";
const HOST: &str = "Basis-Host";
const IDS: &str = "Basis-Ids";
const PREV: &str = "Basis-Prev";
const FIRST: &str = "Basis-First";
const LAST: &str = "Basis-Last";
const LINES: &str = "Basis-Lines";
const CRC: &str = "Basis-Crc32";
const VERSION: &str = "Basis-Version";

/// A shipped message, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub origin: FileOrigin,
    /// The host of the run manifest: two hosts with the same run and pid
    /// collide, and the collector refuses the second.
    pub host: String,
    pub body: Body,
}

/// What a message carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    Lines(LineBatch),
    Snapshot { version: u64, bytes: Bytes },
}

/// Complete lines of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineBatch {
    pub ids: IdKind,
    /// The id of the line before the first; 0 if the first is the file's first.
    pub prev: u64,
    pub first: u64,
    pub last: u64,
    /// Every line with its `\n`.
    pub payload: Bytes,
    /// The id of each line, in order.
    pub line_ids: Vec<u64>,
}

impl Message {
    /// The JetStream message id: the same for the same lines on every retry,
    /// whatever the file's segments are called by then.
    pub fn msg_id(&self) -> String {
        let Message { origin, host, body } = self;
        let FileOrigin {
            correlation_id,
            pid,
            file,
        } = origin;
        match body {
            Body::Lines(batch) => {
                format!(
                    "{host}/{correlation_id}/{pid}/{file}/{}-{}",
                    batch.first, batch.last
                )
            }
            Body::Snapshot { version, bytes } => format!(
                "{host}/{correlation_id}/{pid}/{file}@{version}-{:08x}",
                crc32fast::hash(bytes)
            ),
        }
    }

    /// Headers and payload to publish.
    pub fn encode(&self) -> (HeaderMap, Bytes) {
        let mut headers = HeaderMap::new();
        headers.insert(MSG_ID, self.msg_id().as_str());
        headers.insert(FORMAT, "1");
        headers.insert(HOST, self.host.as_str());
        let payload = match &self.body {
            Body::Lines(batch) => {
                headers.insert(KIND, "lines");
                headers.insert(IDS, batch.ids.as_str());
                headers.insert(PREV, batch.prev.to_string().as_str());
                headers.insert(FIRST, batch.first.to_string().as_str());
                headers.insert(LAST, batch.last.to_string().as_str());
                headers.insert(LINES, batch.line_ids.len().to_string().as_str());
                batch.payload.clone()
            }
            Body::Snapshot { version, bytes } => {
                headers.insert(KIND, "snapshot");
                headers.insert(VERSION, version.to_string().as_str());
                bytes.clone()
            }
        };
        headers.insert(CRC, format!("{:08x}", crc32fast::hash(&payload)).as_str());
        (headers, payload)
    }

    /// Reads a received message back, checking everything a forwarder
    /// writes: a message that fails is malformed and must not be written.
    pub fn decode(
        subject: &str,
        headers: Option<&HeaderMap>,
        payload: Bytes,
    ) -> Result<Message, MessageError> {
        let origin = FileOrigin::from_subject(subject)?;
        let bad = |reason: String| MessageError::Malformed {
            subject: subject.to_owned(),
            reason,
        };
        let headers = headers.ok_or_else(|| bad("it has no headers".to_owned()))?;
        let get = |name: &str| -> Result<&str, MessageError> {
            headers
                .get(name)
                .map(|value| value.as_str())
                .ok_or_else(|| bad(format!("header `{name}` is missing")))
        };
        let number = |name: &str| -> Result<u64, MessageError> {
            get(name)?
                .parse()
                .map_err(|_| bad(format!("header `{name}` is not a number")))
        };
        if get(FORMAT)? != "1" {
            return Err(bad(format!("format `{}` is not 1", get(FORMAT)?)));
        }
        let crc = format!("{:08x}", crc32fast::hash(&payload));
        if get(CRC)? != crc {
            return Err(bad(format!(
                "its payload's CRC-32 is {crc}, the header says {}",
                get(CRC)?
            )));
        }
        let host = get(HOST)?.to_owned();
        let body = match get(KIND)? {
            "snapshot" => Body::Snapshot {
                version: number(VERSION)?,
                bytes: payload,
            },
            "lines" => {
                let ids_header = get(IDS)?;
                let ids = IdKind::parse(ids_header)
                    .ok_or_else(|| bad(format!("`{ids_header}` is neither seq nor line")))?;
                let (prev, first, last, count) =
                    (number(PREV)?, number(FIRST)?, number(LAST)?, number(LINES)?);
                let line_ids = line_ids(&payload, ids, prev).map_err(bad)?;
                if line_ids.len() as u64 != count
                    || line_ids.first() != Some(&first)
                    || line_ids.last() != Some(&last)
                {
                    return Err(bad(format!(
                        "its headers say lines {first}..={last} ({count}), its payload holds {} lines",
                        line_ids.len()
                    )));
                }
                Body::Lines(LineBatch {
                    ids,
                    prev,
                    first,
                    last,
                    payload,
                    line_ids,
                })
            }
            other => return Err(bad(format!("kind `{other}` is neither lines nor snapshot"))),
        };
        let message = Message { origin, host, body };
        if get(MSG_ID)? != message.msg_id() {
            return Err(bad(format!(
                "its id `{}` is not the id of its content, `{}`",
                get(MSG_ID)?,
                message.msg_id()
            )));
        }
        Ok(message)
    }
}

/// The id of every line of `payload`, checking each is complete and the ids
/// strictly increase after `prev`.
pub(crate) fn line_ids(payload: &[u8], ids: IdKind, prev: u64) -> Result<Vec<u64>, String> {
    if payload.last() != Some(&b'\n') {
        return Err("its payload does not end in a complete line".to_owned());
    }
    let mut out = Vec::new();
    let mut start = 0;
    let mut last = prev;
    for end in memchr::memchr_iter(b'\n', payload) {
        let line = &payload[start..end];
        let id = match ids {
            IdKind::Line => last + 1,
            IdKind::Seq => seq_of(line)
                .ok_or_else(|| format!("line {} of its payload has no seq", out.len() + 1))?,
        };
        if id <= last {
            return Err(format!(
                "line {} of its payload has id {id}, not above {last}",
                out.len() + 1
            ));
        }
        out.push(id);
        last = id;
        start = end + 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(ids: IdKind, prev: u64, text: &str) -> Message {
        let line_ids = line_ids(text.as_bytes(), ids, prev).unwrap();
        Message {
            origin: FileOrigin {
                correlation_id: "run".into(),
                pid: 7,
                file: "events/positions.jsonl".into(),
            },
            host: "h1".into(),
            body: Body::Lines(LineBatch {
                ids,
                prev,
                first: line_ids[0],
                last: *line_ids.last().unwrap(),
                payload: Bytes::from(text.to_owned()),
                line_ids,
            }),
        }
    }

    #[test]
    fn a_batch_round_trips_with_a_stable_id() {
        let message = lines(
            IdKind::Seq,
            3,
            "{\"pid\":7,\"seq\":5}\n{\"pid\":7,\"seq\":9}\n",
        );
        assert_eq!(message.msg_id(), "h1/run/7/events/positions.jsonl/5-9");
        let (headers, payload) = message.encode();
        let subject = message.origin.subject();
        assert_eq!(
            Message::decode(&subject, Some(&headers), payload).unwrap(),
            message
        );
        let by_line = lines(IdKind::Line, 10, "a\nb\n");
        assert_eq!(by_line.msg_id(), "h1/run/7/events/positions.jsonl/11-12");
    }

    #[test]
    fn tampered_messages_are_malformed() {
        let message = lines(IdKind::Line, 0, "a\nb\n");
        let subject = message.origin.subject();
        let (headers, _) = message.encode();
        // A payload that does not match its CRC.
        assert!(Message::decode(&subject, Some(&headers), Bytes::from_static(b"a\nc\n")).is_err());
        // No headers at all.
        assert!(Message::decode(&subject, None, Bytes::from_static(b"a\n")).is_err());
        // A line count that disagrees with the payload.
        let (mut headers, payload) = message.encode();
        headers.insert(LINES, "3");
        let err = Message::decode(&subject, Some(&headers), payload).unwrap_err();
        assert!(err.to_string().contains("3"), "{err}");
        // A torn payload.
        assert!(line_ids(b"a\nb", IdKind::Line, 0).is_err());
        // Seq that does not increase.
        assert!(line_ids(b"{\"seq\":2}\n{\"seq\":2}\n", IdKind::Seq, 0).is_err());
    }
}
