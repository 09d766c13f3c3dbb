//! Flow-log text files (gzip or plain), parsed as a stream: a thread reads and
//! decompresses the file in chunks of whole lines while this one finds every field of a
//! chunk in one pass (no allocation per line), checks each record, and appends the
//! records column by column into the builders of their partition.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use arrow::datatypes::DataType;
use costscope_core::tables::FLOW_LOG_FIELDS;

use super::Malformed;
use super::partitions::{Column, Partitions};
use crate::{Error, Result};

/// Bytes handed over by the reading thread at a time. Records are appended one column at a
/// time, so a chunk and its field spans are walked once per column: small enough to stay
/// in a core's L2 cache, that costs no memory traffic.
const CHUNK_BYTES: usize = 128 << 10;
/// The default (version 2) format, used when a file has no header line.
pub(super) const DEFAULT_FIELDS: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";

/// One text file to read.
pub(super) struct TextFile<'a> {
    pub path: &'a Path,
    /// The name used in messages (the S3 key or local path).
    pub name: &'a str,
    pub gzip: bool,
    /// The delivering account, when the file's key names it.
    pub account: Option<&'a str>,
    pub strict: bool,
}

/// Reads one file into `partitions`; returns the number of records.
pub(super) fn read(
    file: &TextFile,
    malformed: &mut Malformed,
    ignored: &mut BTreeSet<String>,
    partitions: &mut Partitions,
) -> Result<u64> {
    read_in_chunks(file, CHUNK_BYTES, malformed, ignored, partitions)
}

fn read_in_chunks(
    file: &TextFile,
    chunk_bytes: usize,
    malformed: &mut Malformed,
    ignored: &mut BTreeSet<String>,
    partitions: &mut Partitions,
) -> Result<u64> {
    let handle = std::fs::File::open(file.path).map_err(|e| Error::io(file.path, e))?;
    let (chunks, recycle, reader) = spawn_reader(handle, file.gzip, chunk_bytes);
    let mut parser = Parser::new(file, malformed, ignored);
    let outcome = parser.run(&chunks, &recycle, partitions);
    drop(chunks);
    // The reader stops on its own once the receiving end is gone.
    let _ = reader.join();
    outcome.map(|()| parser.records)
}

/// A buffer and the length of its whole lines.
type Chunk = (Vec<u8>, usize);

/// Starts the thread that reads (and decompresses) the file into chunks of whole lines:
/// the part of a line that does not fit is carried into the next chunk, and a line longer
/// than a chunk grows it.
fn spawn_reader(
    file: std::fs::File,
    gzip: bool,
    chunk_bytes: usize,
) -> (
    Receiver<std::io::Result<Chunk>>,
    SyncSender<Vec<u8>>,
    std::thread::JoinHandle<()>,
) {
    let (sender, chunks) = sync_channel::<std::io::Result<Chunk>>(2);
    let (recycle, recycled) = sync_channel::<Vec<u8>>(4);
    let handle = std::thread::spawn(move || {
        let mut input: Box<dyn Read> = if gzip {
            Box::new(flate2::read::MultiGzDecoder::new(
                std::io::BufReader::with_capacity(256 * 1024, file),
            ))
        } else {
            Box::new(file)
        };
        let mut carry: Vec<u8> = Vec::new();
        loop {
            let mut buffer = recycled.try_recv().unwrap_or_default();
            let mut filled = carry.len();
            let mut wanted = filled + chunk_bytes;
            if buffer.len() < wanted {
                buffer.resize(wanted, 0);
            }
            buffer[..filled].copy_from_slice(&carry);
            carry.clear();
            let end = loop {
                match input.read(&mut buffer[filled..wanted]) {
                    Ok(0) => break filled,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        let _ = sender.send(Err(e));
                        return;
                    }
                }
                if filled < wanted {
                    continue;
                }
                match buffer[..filled].iter().rposition(|b| *b == b'\n') {
                    Some(newline) => break newline + 1,
                    None => {
                        wanted += chunk_bytes;
                        buffer.resize(wanted, 0);
                    }
                }
            };
            if end == 0 {
                return;
            }
            carry.extend_from_slice(&buffer[end..filled]);
            if sender.send(Ok((buffer, end))).is_err() {
                return;
            }
        }
    });
    (chunks, recycle, handle)
}

/// Where a table column's value comes from in a line.
struct Present {
    column: usize,
    token: usize,
    kind: Kind,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Str,
    I32,
    I64,
}

/// An integer field's `-`: counters and times are never negative.
const NULL_INT: i64 = i64::MIN;

/// Consecutive records of one partition, parsed but not yet appended: the spans of their
/// fields in the current chunk and their integers, appended column by column on flush.
#[derive(Default)]
struct Run {
    partition: usize,
    day: i64,
    account: String,
    rows: usize,
    capacity: usize,
    spans: Vec<(u32, u32)>,
    ints: Vec<i64>,
}

struct Parser<'a> {
    file: &'a TextFile<'a>,
    malformed: &'a mut Malformed,
    ignored: &'a mut BTreeSet<String>,
    header_seen: bool,
    field_count: usize,
    present: Vec<Present>,
    absent: Vec<usize>,
    /// How many of the present columns are integers.
    int_count: usize,
    start_token: usize,
    account_token: Option<usize>,
    /// The current line's field spans, in the chunk.
    tokens: Vec<(u32, u32)>,
    /// The current line's integers, in the order of the integer columns of `present`.
    ints: Vec<i64>,
    run: Run,
    line_number: u64,
    records: u64,
}

impl<'a> Parser<'a> {
    fn new(
        file: &'a TextFile<'a>,
        malformed: &'a mut Malformed,
        ignored: &'a mut BTreeSet<String>,
    ) -> Self {
        Parser {
            file,
            malformed,
            ignored,
            header_seen: false,
            field_count: 0,
            present: Vec::new(),
            absent: Vec::new(),
            int_count: 0,
            start_token: 0,
            account_token: None,
            tokens: Vec::with_capacity(64),
            ints: Vec::with_capacity(64),
            run: Run::default(),
            line_number: 0,
            records: 0,
        }
    }

    fn run(
        &mut self,
        chunks: &Receiver<std::io::Result<Chunk>>,
        recycle: &SyncSender<Vec<u8>>,
        partitions: &mut Partitions,
    ) -> Result<()> {
        for chunk in chunks {
            let (buffer, len) = chunk.map_err(|source| {
                if self.file.gzip {
                    Error::Gzip {
                        file: self.file.name.into(),
                        source,
                    }
                } else {
                    Error::io(self.file.path, source)
                }
            })?;
            self.chunk(&buffer[..len], partitions)?;
            let _ = recycle.try_send(buffer);
        }
        Ok(())
    }

    /// Parses the whole lines of one chunk: a single pass finds every separator.
    fn chunk(&mut self, data: &[u8], partitions: &mut Partitions) -> Result<()> {
        let sanitized;
        let (text, invalid_lines) = match std::str::from_utf8(data) {
            Ok(text) => (text, Vec::new()),
            Err(_) => {
                let (text, invalid) = without_invalid_lines(data);
                sanitized = text;
                (sanitized.as_str(), invalid)
            }
        };
        let bytes = text.as_bytes();
        let mut invalid = invalid_lines.into_iter().peekable();
        let mut line_index = 0;
        let mut line_start = 0;
        let mut token_start = 0;
        self.tokens.clear();
        for at in Separators::new(bytes) {
            if at > token_start {
                self.tokens.push((token_start as u32, at as u32));
            }
            token_start = at + 1;
            if bytes[at] == b'\n' {
                let valid = invalid.next_if_eq(&line_index).is_none();
                self.line(text, line_start..at, valid, partitions)?;
                line_index += 1;
                line_start = at + 1;
            }
        }
        if line_start < bytes.len() {
            if token_start < bytes.len() {
                self.tokens.push((token_start as u32, bytes.len() as u32));
            }
            let valid = invalid.next_if_eq(&line_index).is_none();
            self.line(text, line_start..bytes.len(), valid, partitions)?;
        }
        // The run's spans point into this chunk: append them before it is reused.
        self.flush_run(text, partitions)
    }

    /// Takes one line whose fields are in `self.tokens`.
    fn line(
        &mut self,
        text: &str,
        line: std::ops::Range<usize>,
        valid: bool,
        partitions: &mut Partitions,
    ) -> Result<()> {
        self.line_number += 1;
        let outcome = self.record(text, line, valid, partitions);
        self.tokens.clear();
        outcome
    }

    fn record(
        &mut self,
        text: &str,
        mut line: std::ops::Range<usize>,
        valid: bool,
        partitions: &mut Partitions,
    ) -> Result<()> {
        if !valid {
            return self.bad("not valid UTF-8".into());
        }
        let bytes = text.as_bytes();
        if line.end > line.start && bytes[line.end - 1] == b'\r' {
            line.end -= 1;
            if let Some(last) = self.tokens.last_mut()
                && last.1 as usize == line.end + 1
            {
                last.1 -= 1;
                if last.0 == last.1 {
                    self.tokens.pop();
                }
            }
        }
        let Some(&(b, e)) = self.tokens.first() else {
            return Ok(());
        };
        if !self.header_seen {
            self.header_seen = true;
            if text[b as usize..e as usize].parse::<i64>().is_err() {
                return self.header(&text[line]);
            }
            self.header(DEFAULT_FIELDS)?;
        }
        if self.tokens.len() != self.field_count {
            let reason = format!(
                "expected {} fields, found {}",
                self.field_count,
                self.tokens.len()
            );
            return self.bad(reason);
        }
        // Validate every integer before keeping anything, so a row goes in whole or not.
        self.ints.clear();
        for present in self.present.iter().filter(|p| p.kind != Kind::Str) {
            let (b, e) = span(self.tokens[present.token]);
            let raw = &bytes[b..e];
            // A pattern, not `==`: comparing slices calls `memcmp`, too slow this often.
            let value = if let [b'-'] = raw {
                NULL_INT
            } else {
                match parse_int(raw) {
                    Some(v) if present.kind == Kind::I64 || i32::try_from(v).is_ok() => v,
                    _ => {
                        let name = FLOW_LOG_FIELDS[present.column].0.replace('_', "-");
                        let reason = format!("field `{name}` is not an integer: `{}`", &text[b..e]);
                        return self.bad(reason);
                    }
                }
            };
            self.ints.push(value);
        }
        let (b, e) = span(self.tokens[self.start_token]);
        let Some(start) = parse_int(&bytes[b..e]) else {
            return self.bad("no usable `start` time".into());
        };
        let account = match (self.file.account, self.account_token) {
            (Some(account), _) => account,
            (None, Some(token)) => {
                let (b, e) = span(self.tokens[token]);
                record_account(&text[b..e])
            }
            (None, None) => "unknown",
        };
        let day = start.div_euclid(86_400);
        // The file's own account is the same for every record.
        let new_account = self.file.account.is_none() && self.run.account != account;
        if self.run.rows > 0 && (self.run.day != day || new_account) {
            self.flush_run(text, partitions)?;
        }
        if self.run.rows == 0 {
            let partition = partitions.index(day, account)?;
            self.run.partition = partition;
            self.run.day = day;
            self.run.account.clear();
            self.run.account.push_str(account);
            self.run.capacity = partitions.room(partition);
        }
        self.run.spans.extend_from_slice(&self.tokens);
        self.run.ints.extend_from_slice(&self.ints);
        self.run.rows += 1;
        self.records += 1;
        if self.run.rows >= self.run.capacity {
            self.flush_run(text, partitions)?;
        }
        Ok(())
    }

    /// Appends the run's records to its partition, one column at a time.
    fn flush_run(&mut self, text: &str, partitions: &mut Partitions) -> Result<()> {
        let rows = self.run.rows;
        if rows == 0 {
            return Ok(());
        }
        let bytes = text.as_bytes();
        let open = partitions.get(self.run.partition);
        let spans = &self.run.spans;
        let fields = self.field_count;
        let int_fields = self.int_count;
        let mut int_field = 0;
        for present in &self.present {
            match &mut open.columns[present.column] {
                Column::Str(builder) => {
                    for row in spans[present.token..].iter().step_by(fields).take(rows) {
                        let (b, e) = span(*row);
                        if e - b == 1 && bytes[b] == b'-' {
                            builder.append_null();
                        } else {
                            builder.append_value(&text[b..e]);
                        }
                    }
                }
                Column::I32(builder) => {
                    for value in self.run.ints[int_field..].iter().step_by(int_fields) {
                        if *value == NULL_INT {
                            builder.append_null();
                        } else {
                            builder.append_value(*value as i32);
                        }
                    }
                    int_field += 1;
                }
                Column::I64(builder) => {
                    for value in self.run.ints[int_field..].iter().step_by(int_fields) {
                        if *value == NULL_INT {
                            builder.append_null();
                        } else {
                            builder.append_value(*value);
                        }
                    }
                    int_field += 1;
                }
            }
        }
        for column in &self.absent {
            open.columns[*column].append_nulls(rows);
        }
        self.run.rows = 0;
        self.run.spans.clear();
        self.run.ints.clear();
        partitions.rows_added(self.run.partition, rows)
    }

    /// Maps the header's hyphenated field names to the table's columns. Names the table has
    /// no column for are skipped and reported.
    fn header(&mut self, header: &str) -> Result<()> {
        let names: Vec<String> = header
            .split_ascii_whitespace()
            .map(|n| n.replace('-', "_"))
            .collect();
        let Some(start) = names.iter().position(|n| n == "start") else {
            return Err(Error::Malformed {
                file: self.file.name.into(),
                line: self.line_number,
                message: format!("the header line has no `start` field: `{header}`"),
            });
        };
        self.start_token = start;
        self.account_token = names.iter().position(|n| n == "account_id");
        self.field_count = names.len();
        self.present.clear();
        self.absent.clear();
        for (column, (field, data_type)) in FLOW_LOG_FIELDS.iter().enumerate() {
            match names.iter().position(|n| n == field) {
                Some(token) => self.present.push(Present {
                    column,
                    token,
                    kind: match data_type {
                        DataType::Int32 => Kind::I32,
                        DataType::Int64 => Kind::I64,
                        _ => Kind::Str,
                    },
                }),
                None => self.absent.push(column),
            }
        }
        self.int_count = self.present.iter().filter(|p| p.kind != Kind::Str).count();
        for name in &names {
            if !FLOW_LOG_FIELDS.iter().any(|(field, _)| field == name) {
                self.ignored.insert(name.replace('_', "-"));
            }
        }
        Ok(())
    }

    fn bad(&mut self, reason: String) -> Result<()> {
        self.malformed
            .record(self.file.name, self.line_number, &reason, self.file.strict)
    }
}

/// The positions of the spaces, tabs and line breaks of a chunk, in order. Found 64 bytes
/// at a time: one comparison per byte (which the compiler turns into vector code) gives a
/// flag per byte, packed into a bit mask that is then read set bit by set bit.
struct Separators<'a> {
    blocks: std::slice::ChunksExact<'a, u8>,
    tail: Option<[u8; 64]>,
    /// Where the block in `mask` starts.
    base: usize,
    /// Where the next block starts.
    next: usize,
    mask: u64,
}

impl<'a> Separators<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        let blocks = bytes.chunks_exact(64);
        let rest = blocks.remainder();
        // The last partial block, padded with bytes that are not separators.
        let tail = (!rest.is_empty()).then(|| {
            let mut block = [b'x'; 64];
            block[..rest.len()].copy_from_slice(rest);
            block
        });
        Separators {
            blocks,
            tail,
            base: 0,
            next: 0,
            mask: 0,
        }
    }
}

impl Iterator for Separators<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        while self.mask == 0 {
            self.mask = match self.blocks.next() {
                Some(block) => separator_mask(block.try_into().ok()?),
                None => separator_mask(&self.tail.take()?),
            };
            self.base = self.next;
            self.next += 64;
        }
        let at = self.base + self.mask.trailing_zeros() as usize;
        self.mask &= self.mask - 1;
        Some(at)
    }
}

/// Bit `i` is set when byte `i` of the block is a space, tab or line break.
fn separator_mask(block: &[u8; 64]) -> u64 {
    let mut flags = [0u8; 64];
    for (flag, byte) in flags.iter_mut().zip(block) {
        *flag = u8::from((*byte == b' ') | (*byte == b'\t') | (*byte == b'\n'));
    }
    let mut mask = 0u64;
    for (i, eight) in flags.chunks_exact(8).enumerate() {
        let mut word = [0u8; 8];
        word.copy_from_slice(eight);
        // Gathers the low bit of each of the eight bytes into the top byte, in order.
        let bits = u64::from_le_bytes(word).wrapping_mul(0x0102_0408_1020_4080) >> 56;
        mask |= bits << (i * 8);
    }
    mask
}

fn span((begin, end): (u32, u32)) -> (usize, usize) {
    (begin as usize, end as usize)
}

/// A chunk with its lines that are not UTF-8 emptied (line breaks kept, so line numbers
/// hold), and the indexes of those lines.
fn without_invalid_lines(data: &[u8]) -> (String, Vec<usize>) {
    let mut text = String::with_capacity(data.len());
    let mut invalid = Vec::new();
    for (index, line) in data.split(|b| *b == b'\n').enumerate() {
        if index > 0 {
            text.push('\n');
        }
        match std::str::from_utf8(line) {
            Ok(line) => text.push_str(line),
            Err(_) => invalid.push(index),
        }
    }
    (text, invalid)
}

/// The partition account of a record without an account in its key.
pub(super) fn record_account(value: &str) -> &str {
    if !value.is_empty() && value.len() <= 32 && value.bytes().all(|b| b.is_ascii_digit()) {
        value
    } else {
        "unknown"
    }
}

/// A non-negative decimal integer (flow-log counters and times), or None.
fn parse_int(raw: &[u8]) -> Option<i64> {
    if raw.is_empty() || raw.len() > 18 {
        return raw
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| std::str::from_utf8(raw).ok()?.parse().ok())
            .flatten();
    }
    let mut value: i64 = 0;
    for b in raw {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        value = value * 10 + i64::from(digit);
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::flowlogs::flow_logs_layout;
    use crate::writer::TableWriter;
    use arrow::array::{Array, AsArray, RecordBatch};
    use arrow::datatypes::Int64Type;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    /// Lines of every shape the parser meets: a custom header, tabs and repeated spaces,
    /// CRLF, `-` values, two days, a short line, a bad integer, bytes that are not UTF-8,
    /// a blank line and no line break at the end.
    fn awkward_file() -> Vec<u8> {
        let mut text = Vec::new();
        text.extend_from_slice(b"version account-id start end srcaddr bytes action extra\n");
        for n in 0..400u64 {
            let day = if n < 250 {
                1_790_812_800
            } else {
                1_790_899_200
            };
            let start = day + n;
            let separator: &[u8] = match n % 3 {
                0 => b" ",
                1 => b"\t",
                _ => b"  ",
            };
            let bytes = if n % 7 == 0 {
                "-".to_string()
            } else {
                (n * 40).to_string()
            };
            let fields = [
                "2".to_string(),
                "222222222222".to_string(),
                start.to_string(),
                (start + 60).to_string(),
                format!("10.0.{}.{}", n / 250, n % 250),
                bytes,
                if n % 2 == 0 { "ACCEPT" } else { "REJECT" }.to_string(),
                "x".to_string(),
            ];
            text.extend_from_slice(
                &fields
                    .join(std::str::from_utf8(separator).unwrap())
                    .into_bytes(),
            );
            text.extend_from_slice(if n % 5 == 0 { b"\r\n" } else { b"\n" });
            match n {
                100 => text.extend_from_slice(b"2 222222222222 1790812900 1790812960\n"),
                200 => text.extend_from_slice(
                    b"2 222222222222 1790813000 1790813060 10.0.0.1 12x ACCEPT x\n",
                ),
                300 => text.extend_from_slice(
                    b"2 222222222222 1790899500 1790899560 10.0.\xff.1 5 ACCEPT x\n",
                ),
                350 => text.extend_from_slice(b"\n"),
                _ => {}
            }
        }
        text.extend_from_slice(b"2 222222222222 1790899999 1790900059 10.9.9.9 7 ACCEPT x");
        text
    }

    /// Reads `content` with chunks of `chunk_bytes` into a fresh lake folder; returns the
    /// rows of each partition and the malformed lines reported.
    fn ingest(content: &[u8], chunk_bytes: usize) -> (Vec<(String, RecordBatch)>, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("flows.log");
        std::fs::write(&path, content).unwrap();
        let lake = dir.path().join("lake");
        let writer = TableWriter::new(&lake, flow_logs_layout(), "test", "test").spawn();
        let file = TextFile {
            path: &path,
            name: "flows.log",
            gzip: false,
            account: None,
            strict: false,
        };
        let mut malformed = Malformed::default();
        let mut ignored = BTreeSet::new();
        let mut partitions = Partitions::new(&writer);
        let records = read_in_chunks(
            &file,
            chunk_bytes,
            &mut malformed,
            &mut ignored,
            &mut partitions,
        )
        .unwrap();
        partitions.finish().unwrap();
        let written = writer.finish().unwrap();
        assert_eq!(ignored.into_iter().collect::<Vec<_>>(), ["extra"]);
        let mut out = Vec::new();
        for (key, entry) in written {
            let mut batches = Vec::new();
            for file in &entry.files {
                let handle = std::fs::File::open(lake.join(&file.path)).unwrap();
                let reader = ParquetRecordBatchReaderBuilder::try_new(handle)
                    .unwrap()
                    .build()
                    .unwrap();
                batches.extend(reader.map(|b| b.unwrap()));
            }
            let batch = arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap();
            out.push((key, batch));
        }
        let total: usize = out.iter().map(|(_, b)| b.num_rows()).sum();
        assert_eq!(total as u64, records);
        (out, malformed.quoted)
    }

    #[test]
    fn records_do_not_depend_on_where_chunks_end() {
        let content = awkward_file();
        let (expected, expected_malformed) = ingest(&content, CHUNK_BYTES);
        assert_eq!(
            expected_malformed,
            [
                "flows.log, line 103: expected 8 fields, found 4",
                "flows.log, line 204: field `bytes` is not an integer: `12x`",
                "flows.log, line 305: not valid UTF-8",
            ]
        );
        let keys: Vec<&str> = expected.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "date=2026-10-01/aws_account_id=222222222222",
                "date=2026-10-02/aws_account_id=222222222222",
            ]
        );
        let (first, second) = (&expected[0].1, &expected[1].1);
        assert_eq!((first.num_rows(), second.num_rows()), (250, 151));
        let bytes = first
            .column_by_name("bytes")
            .unwrap()
            .as_primitive::<Int64Type>();
        assert_eq!(bytes.null_count(), 36, "every 7th `bytes` is `-`");
        assert_eq!(bytes.value(1), 40);
        let actions = first.column_by_name("action").unwrap().as_string::<i32>();
        assert_eq!((actions.value(0), actions.value(5)), ("ACCEPT", "REJECT"));
        let last = second.column_by_name("srcaddr").unwrap().as_string::<i32>();
        assert_eq!(last.value(150), "10.9.9.9");
        let absent = first.column_by_name("interface_id").unwrap();
        assert_eq!(absent.null_count(), 250);
        for chunk_bytes in [1, 7, 64, 1000] {
            let (got, malformed) = ingest(&content, chunk_bytes);
            assert_eq!(
                malformed, expected_malformed,
                "chunks of {chunk_bytes} bytes"
            );
            assert_eq!(got, expected, "chunks of {chunk_bytes} bytes");
        }
    }

    #[test]
    fn separators_are_found_in_every_block() {
        let text: Vec<u8> = (0..1000u32)
            .map(|i| match i.wrapping_mul(2_654_435_761) % 7 {
                0 => b' ',
                1 => b'\t',
                2 => b'\n',
                _ => b'a' + (i % 26) as u8,
            })
            .collect();
        for len in [0, 1, 63, 64, 65, 128, 999, 1000] {
            let expected: Vec<usize> = (0..len)
                .filter(|i| matches!(text[*i], b' ' | b'\t' | b'\n'))
                .collect();
            assert_eq!(
                Separators::new(&text[..len]).collect::<Vec<_>>(),
                expected,
                "{len}"
            );
        }
    }

    #[test]
    fn integers_parse_without_allocation() {
        assert_eq!(parse_int(b"0"), Some(0));
        assert_eq!(parse_int(b"1790812800"), Some(1_790_812_800));
        assert_eq!(parse_int(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_int(b"9223372036854775808"), None);
        assert_eq!(parse_int(b""), None);
        assert_eq!(parse_int(b"-"), None);
        assert_eq!(parse_int(b"12x"), None);
        assert_eq!(parse_int(b"-5"), None);
    }

    #[test]
    fn record_accounts_are_safe_folder_names() {
        assert_eq!(record_account("222222222222"), "222222222222");
        assert_eq!(record_account("unknown"), "unknown");
        assert_eq!(record_account("-"), "unknown");
        assert_eq!(record_account("../x"), "unknown");
    }
}
