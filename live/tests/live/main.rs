//! basis-live against a real nats-server on 127.0.0.1: one test binary, one
//! module per concern (style: one link step).

mod errors;
mod faults;
mod roundtrip;
mod support;
