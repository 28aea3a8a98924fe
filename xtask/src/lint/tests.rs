//! Fixture tests: each file in `xtask/fixtures/lint/` marks the lines that
//! must be reported with a trailing `//~ rule-name`; the lint must report
//! exactly those (rule, line) pairs.

use std::path::PathBuf;

use super::{lint_source, FileContext, FileReport, Rule};

fn fixture_source(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/lint")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The `(line, rule)` pairs a fixture's `//~` markers ask for.
fn expected_findings(source: &str) -> Vec<(usize, Rule)> {
    let mut expected = Vec::new();
    for (index, text) in source.lines().enumerate() {
        // The fixtures' `//!` headers explain the marker; they hold none.
        if text.trim_start().starts_with("//!") {
            continue;
        }
        let Some((_, markers)) = text.split_once("//~") else {
            continue;
        };
        for name in markers.split_whitespace() {
            let rule = Rule::from_name(name)
                .unwrap_or_else(|| panic!("line {}: unknown rule {name}", index + 1));
            expected.push((index + 1, rule));
        }
    }
    expected
}

fn lint_fixture(name: &str, crate_name: &str) -> (String, FileReport) {
    let source = fixture_source(name);
    let context = FileContext {
        crate_name,
        is_test_file: false,
    };
    let report = lint_source(&source, &context).expect("fixture parses");
    (source, report)
}

/// Lints `name` as part of `crate_name` and compares with its markers.
fn check(name: &str, crate_name: &str) -> FileReport {
    let (source, report) = lint_fixture(name, crate_name);
    let expected = expected_findings(&source);
    let actual: Vec<(usize, Rule)> = report
        .findings
        .iter()
        .map(|finding| (finding.line, finding.rule))
        .collect();
    assert_eq!(
        actual, expected,
        "{name}: findings (left) differ from the //~ markers (right); full report: {report:#?}"
    );
    report
}

fn assert_only_rule(report: &FileReport, rule: Rule) {
    assert!(
        !report.findings.is_empty(),
        "a fixture for {rule:?} must break it"
    );
    for finding in &report.findings {
        assert_eq!(finding.rule, rule, "unexpected rule in {finding:?}");
    }
}

#[test]
fn no_abort_fixture() {
    let report = check("no_abort.rs", "server");
    assert_only_rule(&report, Rule::NoAbort);
}

#[test]
fn bounded_channels_fixture() {
    let report = check("bounded_channels.rs", "persistence");
    assert_only_rule(&report, Rule::BoundedChannels);
}

#[test]
fn no_tokio_mutex_fixture_in_server() {
    let report = check("no_tokio_mutex.rs", "server");
    assert_only_rule(&report, Rule::NoTokioMutex);
}

#[test]
fn no_tokio_mutex_is_limited_to_the_async_crates() {
    let (_, report) = lint_fixture("no_tokio_mutex.rs", "cli");
    assert_eq!(report.findings, Vec::new());
    let (_, report) = lint_fixture("no_tokio_mutex.rs", "persistence");
    assert_eq!(report.findings.len(), 4);
}

#[test]
fn tracked_spawn_fixture() {
    let report = check("tracked_spawn.rs", "server");
    assert_only_rule(&report, Rule::TrackedSpawn);
}

#[test]
fn clean_fixture_passes() {
    let report = check("clean.rs", "server");
    assert_eq!(report.findings, Vec::new());
    assert!(report.escapes_used.is_empty());
}

#[test]
fn escapes_need_a_reason_and_the_right_rule() {
    let report = check("escapes.rs", "server");
    assert_only_rule(&report, Rule::NoAbort);
    let used: Vec<(usize, Rule)> = report
        .escapes_used
        .iter()
        .map(|escape| (escape.line, escape.rule))
        .collect();
    assert_eq!(used, vec![(4, Rule::NoAbort), (8, Rule::TrackedSpawn)]);
    assert_eq!(
        report.escapes_used[0].reason,
        "the fixture shows an escape suppresses"
    );
    let unused_lines: Vec<usize> = report
        .escapes_unused
        .iter()
        .map(|(line, _)| *line)
        .collect();
    assert_eq!(unused_lines, vec![12, 16, 19]);
    assert!(report.escapes_unused[2].1.contains("unknown rule"));
}

#[test]
fn whole_test_files_are_exempt() {
    let source = fixture_source("no_abort.rs");
    let context = FileContext {
        crate_name: "server",
        is_test_file: true,
    };
    let report = lint_source(&source, &context).expect("fixture parses");
    assert_eq!(report.findings, Vec::new());
}

#[test]
fn a_file_that_does_not_parse_is_an_error() {
    let context = FileContext {
        crate_name: "server",
        is_test_file: false,
    };
    assert!(lint_source("fn broken( {", &context).is_err());
}

#[test]
fn engine_purity_fixture_in_kv_engine() {
    let report = check("engine_purity.rs", "kv-engine");
    assert_only_rule(&report, Rule::EnginePurity);
    let (_, report) = lint_fixture("engine_purity.rs", "server");
    assert_eq!(report.findings, Vec::new());
}
