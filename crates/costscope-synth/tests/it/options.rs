//! Generator options: the same seed gives the same bytes, a row target is honoured, and
//! malformed options are refused before anything is written.

use std::path::{Path, PathBuf};

use costscope_synth::{Error, GenerateOptions, generate};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::read_back::{all_files, parquet_files};

#[test]
fn the_same_seed_gives_identical_bytes_and_another_seed_does_not() {
    let options = |dir: &Path, seed| GenerateOptions {
        out: dir.to_path_buf(),
        seed,
        months: 1,
        ..GenerateOptions::default()
    };
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    generate(&options(a.path(), 7)).unwrap();
    generate(&options(b.path(), 7)).unwrap();
    generate(&options(c.path(), 8)).unwrap();
    let (files_a, files_b, files_c) = (
        all_files(a.path()),
        all_files(b.path()),
        all_files(c.path()),
    );
    assert!(files_a.len() > 10);
    assert_eq!(files_a, files_b);
    let parquet = PathBuf::from(
        "cur/costscope-demo/data/BILLING_PERIOD=2026-10/costscope-demo-00001.snappy.parquet",
    );
    assert_ne!(files_a[&parquet], files_c[&parquet]);
    assert_ne!(
        files_a[Path::new("ledger.csv")],
        files_c[Path::new("ledger.csv")]
    );
}

#[test]
fn a_row_target_is_honoured_within_ten_percent() {
    let dir = tempfile::tempdir().unwrap();
    let summary = generate(&GenerateOptions {
        out: dir.path().to_path_buf(),
        months: 2,
        rows: Some(200_000),
        ..GenerateOptions::default()
    })
    .unwrap();
    assert!(
        (180_000..=220_000).contains(&summary.cur_rows),
        "{}",
        summary.cur_rows
    );
    assert_eq!(summary.ledger.rows(), summary.cur_rows);
    let read: i64 = parquet_files(&all_files(dir.path()))
        .into_iter()
        .map(|(_, bytes)| {
            ParquetRecordBatchReaderBuilder::try_new(bytes)
                .unwrap()
                .metadata()
                .file_metadata()
                .num_rows()
        })
        .sum();
    assert_eq!(read as u64, summary.cur_rows);
    assert_eq!(summary.periods, ["2026-09", "2026-10"]);
}

#[test]
fn malformed_options_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    for options in [
        GenerateOptions {
            end_period: "2026-13".into(),
            ..GenerateOptions::default()
        },
        GenerateOptions {
            months: 0,
            ..GenerateOptions::default()
        },
        GenerateOptions {
            rows: Some(0),
            ..GenerateOptions::default()
        },
    ] {
        let options = GenerateOptions {
            out: dir.path().to_path_buf(),
            ..options
        };
        assert!(
            matches!(generate(&options), Err(Error::InvalidOption { .. })),
            "{options:?}"
        );
    }
    assert!(!dir.path().join("cur").exists());
}
