//! SQL text handed to a database client (`psql -c`, `mysql -e`, `sqlite3 db '…'`, a
//! here-string or a literal piped in) → one word list per statement, so rules can match
//! statements the way they match commands (`sql drop database`).
//!
//! This is not a SQL parser: it splits statements on `;` outside quotes, comments and
//! dollar-quoted bodies, keeps the words of each (keywords and identifiers lowercased, string
//! literals as their content) and leaves parenthesised parts out (`COPY (SELECT …) TO` is a
//! `copy-to`). A `COPY … TO` (and psql's `\copy … to`) becomes `copy-to`, the one form whose
//! meaning depends on a later word. Work is linear in the text and bounded by
//! [`MAX_STATEMENTS`] and [`MAX_WORDS`].

/// The most statements read from one text; the rest is ignored (the client still runs it, so
/// callers mark the command opaque when this is reached).
pub const MAX_STATEMENTS: usize = 256;

/// The most words kept per statement.
pub const MAX_WORDS: usize = 32;

/// The statements of `text`, each as its words. `None` when there were more than
/// [`MAX_STATEMENTS`].
pub fn statements(text: &str) -> Option<Vec<Vec<String>>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut chars = text.char_indices().peekable();
    let mut depth = 0usize;
    let finish = |words: &mut Vec<String>, out: &mut Vec<Vec<String>>| {
        if !words.is_empty() {
            out.push(normalize(std::mem::take(words)));
        }
    };
    while let Some((i, c)) = chars.next() {
        if out.len() > MAX_STATEMENTS {
            return None;
        }
        match c {
            ';' => {
                depth = 0;
                finish(&mut words, &mut out);
            }
            // psql meta-commands end at the end of their line.
            '\n' if words.first().is_some_and(|w| w.starts_with('\\')) => {
                finish(&mut words, &mut out);
            }
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            '-' if chars.peek().is_some_and(|(_, n)| *n == '-') => {
                for (_, n) in chars.by_ref() {
                    if n == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek().is_some_and(|(_, n)| *n == '*') => {
                chars.next();
                let mut prev = ' ';
                for (_, n) in chars.by_ref() {
                    if prev == '*' && n == '/' {
                        break;
                    }
                    prev = n;
                }
            }
            '\'' | '"' | '`' => {
                let mut lit = String::new();
                while let Some((_, n)) = chars.next() {
                    if n == c {
                        // A doubled quote is the quote itself.
                        if chars.peek().is_some_and(|(_, m)| *m == c) {
                            chars.next();
                            lit.push(c);
                            continue;
                        }
                        break;
                    }
                    if n == '\\' && c != '"' {
                        if let Some((_, m)) = chars.next() {
                            lit.push(m);
                        }
                        continue;
                    }
                    lit.push(n);
                }
                if depth == 0 && words.len() < MAX_WORDS {
                    // An identifier in quotes is a word; a string literal keeps its text.
                    words.push(if c == '\'' { lit } else { lit.to_lowercase() });
                }
            }
            '$' => {
                // `$tag$ … $tag$`: a dollar-quoted body (function source), skipped whole.
                let rest = text.get(i + 1..).unwrap_or("");
                let tag_len = rest
                    .find('$')
                    .filter(|&n| rest.get(..n).is_some_and(is_tag));
                if let Some(n) = tag_len {
                    let tag = text.get(i..i + n + 2).unwrap_or("$$");
                    let body_from = i + n + 2;
                    let end = text
                        .get(body_from..)
                        .and_then(|b| b.find(tag))
                        .map_or(text.len(), |k| body_from + k + tag.len());
                    while chars.peek().is_some_and(|(j, _)| *j < end) {
                        chars.next();
                    }
                }
            }
            c if c.is_alphanumeric() || c == '_' || c == '\\' => {
                let mut w = String::new();
                w.push(c);
                while let Some((_, n)) = chars.peek() {
                    if n.is_alphanumeric() || matches!(n, '_' | '.') {
                        w.push(*n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                if depth == 0 && words.len() < MAX_WORDS {
                    words.push(w.to_lowercase());
                }
            }
            _ => {}
        }
    }
    finish(&mut words, &mut out);
    (out.len() <= MAX_STATEMENTS).then_some(out)
}

fn is_tag(s: &str) -> bool {
    s.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// `\copy` is `copy`; a `copy … to` is `copy-to`.
fn normalize(mut words: Vec<String>) -> Vec<String> {
    if let Some(first) = words.first_mut() {
        if first == "\\copy" {
            "copy".clone_into(first);
        }
        if first == "copy" && words.iter().skip(1).any(|w| w == "to") {
            words.truncate(MAX_WORDS);
            if let Some(first) = words.first_mut() {
                "copy-to".clone_into(first);
            }
        }
    }
    words
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn first_words(text: &str) -> Vec<String> {
        statements(text)
            .unwrap()
            .iter()
            .map(|s| s.iter().take(2).cloned().collect::<Vec<_>>().join(" "))
            .collect()
    }

    #[test]
    fn statements_split_on_semicolons_outside_quotes() {
        assert_eq!(
            first_words("select 'a;b'; DROP DATABASE prod; -- drop table x\n"),
            ["select a;b", "drop database"]
        );
        assert_eq!(first_words("/* DROP DATABASE x; */ select 1"), ["select 1"]);
        assert_eq!(
            first_words(
                "create function f() returns int as $$ begin; drop database x; end $$ language sql"
            ),
            ["create function"]
        );
    }

    #[test]
    fn words_inside_string_literals_are_not_statements() {
        let s = statements("select 'drop database prod' as x").unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0][0], "select");
    }

    #[test]
    fn copy_to_is_told_from_copy_from() {
        assert_eq!(
            first_words("COPY users TO '/tmp/u.csv' CSV"),
            ["copy-to users"]
        );
        assert_eq!(
            first_words("copy (select * from users) to stdout"),
            ["copy-to to"]
        );
        assert_eq!(first_words("COPY users FROM STDIN"), ["copy users"]);
        assert_eq!(
            first_words("\\copy users to 'u.csv'\nselect 1"),
            ["copy-to users", "select 1"]
        );
    }

    #[test]
    fn quoted_identifiers_are_words() {
        assert_eq!(first_words("DROP DATABASE \"Prod\""), ["drop database"]);
        assert_eq!(statements("DROP DATABASE \"Prod\"").unwrap()[0][2], "prod");
    }

    #[test]
    fn too_many_statements_is_refused() {
        let text = "select 1;".repeat(MAX_STATEMENTS + 2);
        assert!(statements(&text).is_none());
        assert!(statements(&"select 1;".repeat(10)).is_some());
    }
}
