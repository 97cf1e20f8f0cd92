//! Faults at random moments, driving the real binaries: added next.
