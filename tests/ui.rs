//! Compile-fail and compile-pass tests of the macros, pinned by `.stderr` files.
//!
//! Regenerate with `TRYBUILD=overwrite cargo test -p basis-tests --test ui`
//! and read the diff before committing. The toolchain is pinned in
//! `rust-toolchain.toml`, so the messages are the same everywhere.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/domain_event/*.rs");
    t.compile_fail("ui/error_codes/*.rs");
    t.compile_fail("ui/component/*.rs");
    t.pass("ui/pass/*.rs");
}
