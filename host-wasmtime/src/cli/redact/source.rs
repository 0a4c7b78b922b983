//! Buffered standard input for `redact`: bytes are looked at before they are consumed, so that
//! the choice between JSON and text can be made (and undone) without losing what was read, and
//! the text reader can take whole windows without splitting a UTF-8 character.

use std::io::{ErrorKind, Read};

use agent_policy_host::HostError;

/// Bytes asked of the reader at a time at least (a pipe hands over at most 64 KiB per read).
const READ_CHUNK: usize = 64 * 1024;

/// A reader with a growable look-ahead buffer.
#[derive(Debug)]
pub(super) struct Source<R> {
    /// Where the bytes come from.
    reader: R,
    /// Bytes read and not yet consumed start at `start`.
    buf: Vec<u8>,
    /// Start of the unconsumed bytes in `buf`.
    start: usize,
    /// The reader has reported the end of its input.
    eof: bool,
    /// The input's name in error messages.
    name: &'static str,
}

impl<R: Read> Source<R> {
    /// A source over `reader`, named `name` in errors.
    pub(super) fn new(reader: R, name: &'static str) -> Source<R> {
        Source {
            reader,
            buf: Vec::new(),
            start: 0,
            eof: false,
            name,
        }
    }

    /// The bytes read and not yet consumed.
    pub(super) fn available(&self) -> &[u8] {
        self.buf.get(self.start..).unwrap_or_default()
    }

    /// Whether everything the reader will ever give is in [`Source::available`].
    pub(super) fn at_eof(&self) -> bool {
        self.eof
    }

    /// Reads until at least `want` bytes are available or the input ends.
    pub(super) fn fill(&mut self, want: usize) -> Result<(), HostError> {
        if self.available().len() >= want || self.eof {
            return Ok(());
        }
        if self.start > 0 {
            // Keep the buffer as small as what is asked of it: drop the consumed bytes.
            self.buf.drain(..self.start);
            self.start = 0;
        }
        while !self.eof && self.buf.len() < want {
            let len = self.buf.len();
            self.buf.resize(len + READ_CHUNK, 0);
            let result = match self.buf.get_mut(len..) {
                Some(spare) => self.reader.read(spare),
                None => Ok(0),
            };
            match result {
                Ok(0) => {
                    self.buf.truncate(len);
                    self.eof = true;
                }
                Ok(n) => self.buf.truncate(len + n),
                Err(e) if e.kind() == ErrorKind::Interrupted => self.buf.truncate(len),
                Err(e) => {
                    self.buf.truncate(len);
                    return Err(HostError::read(self.name, e));
                }
            }
        }
        Ok(())
    }

    /// Marks the first `n` available bytes as consumed.
    pub(super) fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.buf.len());
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
    }
}

/// The longest prefix of `bytes` that does not end inside a UTF-8 character that the next
/// bytes could complete. Decoding the input piece by piece at such points with
/// [`String::from_utf8_lossy`] gives the same text as decoding it whole: an invalid sequence
/// never spans a point before a non-continuation byte.
pub(super) fn utf8_safe_len(bytes: &[u8]) -> usize {
    let len = bytes.len();
    // The last byte that is not a continuation byte (10xxxxxx), within a character's length.
    for back in 1..=len.min(4) {
        let i = len - back;
        let Some(&b) = bytes.get(i) else { break };
        if b & 0xC0 == 0x80 {
            continue;
        }
        let needed = match b {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => 1,
        };
        return if back < needed { i } else { len };
    }
    len
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    #[test]
    fn pieces_cut_at_safe_points_decode_like_the_whole() {
        let inputs: Vec<Vec<u8>> = vec![
            "héllo wörld €uro 😀 end".as_bytes().to_vec(),
            b"ab\xE2\x82cd\xFF\xF0\x9F\x98ef\x80\x80gh\xE2".to_vec(),
        ];
        for input in inputs {
            let whole = String::from_utf8_lossy(&input).into_owned();
            for piece in 1..=input.len() {
                let mut text = String::new();
                let mut rest = &input[..];
                while !rest.is_empty() {
                    // As the stream does: when the piece ends inside a character, read more.
                    let mut k = piece;
                    let take = loop {
                        let take = k.min(rest.len());
                        let safe = if take == rest.len() {
                            take
                        } else {
                            utf8_safe_len(&rest[..take])
                        };
                        if safe > 0 {
                            break safe;
                        }
                        k += 1;
                    };
                    text.push_str(&String::from_utf8_lossy(&rest[..take]));
                    rest = &rest[take..];
                }
                assert_eq!(text, whole, "pieces of {piece} bytes");
            }
        }
    }

    #[test]
    fn fill_reads_until_enough_and_consume_forgets() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let mut source = Source::new(&data[..], "<test>");
        source.fill(100_000).unwrap();
        assert!(source.available().len() >= 100_000);
        assert_eq!(source.available()[..10], data[..10]);
        source.consume(150_000.min(source.available().len()));
        source.fill(1 << 20).unwrap();
        assert!(source.at_eof());
        let consumed = data.len() - source.available().len();
        assert_eq!(source.available(), &data[consumed..]);
    }
}
