//! Flow-log text files (gzip or plain), parsed as a stream: a thread reads and
//! decompresses the file in large chunks while this one splits lines and fields in place
//! (no allocation per line) and appends them straight into the column builders.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use arrow::datatypes::DataType;
use costscope_core::tables::FLOW_LOG_FIELDS;

use super::Malformed;
use super::partitions::{Column, Partitions};
use crate::{Error, Result};

/// Bytes handed over by the reading thread at a time.
const CHUNK_BYTES: usize = 1 << 20;
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
    let handle = std::fs::File::open(file.path).map_err(|e| Error::io(file.path, e))?;
    let (chunks, recycle, reader) = spawn_reader(handle, file.gzip);
    let mut parser = Parser::new(file, malformed, ignored);
    let outcome = parser.run(&chunks, &recycle, partitions);
    drop(chunks);
    // The reader stops on its own once the receiving end is gone.
    let _ = reader.join();
    outcome.map(|()| parser.records)
}

type Chunk = (Vec<u8>, usize);

/// Starts the thread that reads (and decompresses) the file into chunks.
fn spawn_reader(
    file: std::fs::File,
    gzip: bool,
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
        loop {
            let mut buffer = recycled
                .try_recv()
                .unwrap_or_else(|_| vec![0u8; CHUNK_BYTES]);
            let mut filled = 0;
            while filled < buffer.len() {
                match input.read(&mut buffer[filled..]) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        let _ = sender.send(Err(e));
                        return;
                    }
                }
            }
            if filled == 0 || sender.send(Ok((buffer, filled))).is_err() {
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

struct Parser<'a> {
    file: &'a TextFile<'a>,
    malformed: &'a mut Malformed,
    ignored: &'a mut BTreeSet<String>,
    header_seen: bool,
    field_count: usize,
    present: Vec<Present>,
    absent: Vec<usize>,
    start_token: usize,
    account_token: Option<usize>,
    tokens: Vec<(usize, usize)>,
    ints: Vec<Option<i64>>,
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
            start_token: 0,
            account_token: None,
            tokens: Vec::with_capacity(64),
            ints: Vec::with_capacity(64),
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
        let mut carry: Vec<u8> = Vec::new();
        for chunk in chunks {
            let (buffer, filled) = chunk.map_err(|source| {
                if self.file.gzip {
                    Error::Gzip {
                        file: self.file.name.into(),
                        source,
                    }
                } else {
                    Error::io(self.file.path, source)
                }
            })?;
            let mut data = &buffer[..filled];
            if !carry.is_empty() {
                match data.iter().position(|b| *b == b'\n') {
                    Some(end) => {
                        carry.extend_from_slice(&data[..end]);
                        data = &data[end + 1..];
                        let line = std::mem::take(&mut carry);
                        self.line(&line, partitions)?;
                        carry = line;
                        carry.clear();
                    }
                    None => {
                        carry.extend_from_slice(data);
                        data = &[];
                    }
                }
            }
            while !data.is_empty() {
                match data.iter().position(|b| *b == b'\n') {
                    Some(end) => {
                        self.line(&data[..end], partitions)?;
                        data = &data[end + 1..];
                    }
                    None => {
                        carry.extend_from_slice(data);
                        break;
                    }
                }
            }
            let _ = recycle.try_send(buffer);
        }
        if !carry.is_empty() {
            self.line(&carry, partitions)?;
        }
        Ok(())
    }

    fn line(&mut self, line: &[u8], partitions: &mut Partitions) -> Result<()> {
        self.line_number += 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Ok(text) = std::str::from_utf8(line) else {
            return self.bad("not valid UTF-8".into());
        };
        self.tokens.clear();
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') {
                i += 1;
            }
            let begin = i;
            while i < bytes.len() && bytes[i] != b' ' && bytes[i] != b'\t' {
                i += 1;
            }
            if i > begin {
                self.tokens.push((begin, i));
            }
        }
        if self.tokens.is_empty() {
            return Ok(());
        }
        if !self.header_seen {
            self.header_seen = true;
            let (b, e) = self.tokens[0];
            if text[b..e].parse::<i64>().is_err() {
                return self.header(text);
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
        // Validate every integer before appending anything, so a row goes in whole or not.
        self.ints.clear();
        for present in &self.present {
            if present.kind == Kind::Str {
                continue;
            }
            let (b, e) = self.tokens[present.token];
            let raw = &bytes[b..e];
            let value = if raw == b"-" {
                None
            } else {
                match parse_int(raw) {
                    Some(v) if present.kind == Kind::I64 || i32::try_from(v).is_ok() => Some(v),
                    _ => {
                        let name = FLOW_LOG_FIELDS[present.column].0.replace('_', "-");
                        let reason = format!("field `{name}` is not an integer: `{}`", &text[b..e]);
                        return self.bad(reason);
                    }
                }
            };
            self.ints.push(value);
        }
        let (b, e) = self.tokens[self.start_token];
        let Some(start) = parse_int(&bytes[b..e]) else {
            return self.bad("no usable `start` time".into());
        };
        let account = match (self.file.account, self.account_token) {
            (Some(account), _) => account,
            (None, Some(token)) => {
                let (b, e) = self.tokens[token];
                record_account(&text[b..e])
            }
            (None, None) => "unknown",
        };
        let index = partitions.index(start.div_euclid(86_400), account)?;
        let open = partitions.get(index);
        let mut ints = self.ints.iter();
        for present in &self.present {
            let column = &mut open.columns[present.column];
            match column {
                Column::Str(builder) => {
                    let (b, e) = self.tokens[present.token];
                    if &bytes[b..e] == b"-" {
                        builder.append_null();
                    } else {
                        builder.append_value(&text[b..e]);
                    }
                }
                Column::I32(builder) => {
                    builder.append_option(ints.next().copied().flatten().map(|v| v as i32))
                }
                Column::I64(builder) => builder.append_option(ints.next().copied().flatten()),
            }
        }
        for column in &self.absent {
            open.columns[*column].append_null();
        }
        self.records += 1;
        partitions.row_added(index)
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
