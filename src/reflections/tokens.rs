//! Which characters make up a word, as the text index's tokenizer sees them.
//!
//! Searches cut `q` into words themselves ([`super::search`]) and quote each one, so that no
//! input is ever search syntax. A quoted word must then be exactly one of the index's tokens:
//! the index keeps no word positions (`detail = none`, see the migration
//! `search_index_without_positions`), and FTS5 refuses a quoted string that its tokenizer
//! splits in two, as a phrase query it cannot answer. So a word here never holds a character at
//! which `unicode61` would split it.

use std::cmp::Ordering;

/// Whether `c` belongs inside a word: a letter or digit (Rust's Unicode tables) or a combining
/// mark of decomposed text (`o` + U+0308 is `ö`, which the tokenizer folds to `o`), unless the
/// tokenizer separates words at it.
pub fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    (c.is_alphanumeric() || is_combining_mark(c)) && !separates_tokens(c)
}

/// The token that `unicode61 remove_diacritics 2` makes of `word` (a run of
/// [`is_word_char`]s), when that is plain ASCII and known here: ASCII letters lowercased, and
/// the letters with diacritics of Latin-1 (`ö`, `É`, `ç`) as their lowercase base letter. `None`
/// when `word` holds any other character (`ß`, `ø`, `ł`, a combining mark): then only the
/// tokenizer knows its token.
pub fn ascii_token(word: &str) -> Option<String> {
    word.chars()
        .map(|c| {
            if c.is_ascii() {
                Some(c.to_ascii_lowercase())
            } else {
                latin1_base(c)
            }
        })
        .collect()
}

/// What the tokenizer folds each character from U+00C0 to U+00FF to, where that is an ASCII
/// letter; `_` where it is not. Checked against the bundled SQLite by the test below.
const LATIN1_BASES: &[u8; 64] = b"aaaaaa_ceeeeiiii_nooooo__uuuuy__aaaaaa_ceeeeiiii_nooooo__uuuuy_y";

fn latin1_base(c: char) -> Option<char> {
    let index = usize::try_from(u32::from(c).checked_sub(0xC0)?).ok()?;
    let base = *LATIN1_BASES.get(index)?;
    (base != b'_').then_some(char::from(base))
}

fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

fn separates_tokens(c: char) -> bool {
    SEPARATORS
        .binary_search_by(|&(first, last)| {
            if last < c {
                Ordering::Less
            } else if first > c {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        })
        .is_ok()
}

/// Characters that [`is_word_char`] would otherwise keep but at which `unicode61` separates
/// words: its tables (Unicode 6.1 categories `L*`, `N*` and `Co`, plus the diacritics it folds)
/// leave out most combining marks, letters-as-symbols such as Ⓐ, and a few letters Unicode
/// added later. Inclusive ranges in order; ranges may span characters that are no word
/// characters anyway. Generated, and checked against the bundled SQLite for every code point,
/// by the test below: when SQLite or Rust's Unicode version changes, it prints the new table.
const SEPARATORS: &[(char, char)] = &[
    ('\u{305}', '\u{305}'),
    ('\u{30D}', '\u{30E}'),
    ('\u{310}', '\u{310}'),
    ('\u{312}', '\u{31A}'),
    ('\u{31C}', '\u{322}'),
    ('\u{329}', '\u{32C}'),
    ('\u{32F}', '\u{32F}'),
    ('\u{332}', '\u{36F}'),
    ('\u{5B0}', '\u{5C7}'),
    ('\u{610}', '\u{61A}'),
    ('\u{64B}', '\u{65F}'),
    ('\u{670}', '\u{670}'),
    ('\u{6D6}', '\u{6E4}'),
    ('\u{6E7}', '\u{6ED}'),
    ('\u{711}', '\u{711}'),
    ('\u{730}', '\u{73F}'),
    ('\u{7A6}', '\u{7B0}'),
    ('\u{816}', '\u{817}'),
    ('\u{81B}', '\u{823}'),
    ('\u{825}', '\u{827}'),
    ('\u{829}', '\u{82C}'),
    ('\u{8E4}', '\u{8FE}'),
    ('\u{900}', '\u{903}'),
    ('\u{93A}', '\u{93B}'),
    ('\u{93E}', '\u{94F}'),
    ('\u{955}', '\u{957}'),
    ('\u{962}', '\u{963}'),
    ('\u{981}', '\u{983}'),
    ('\u{9BE}', '\u{9CC}'),
    ('\u{9D7}', '\u{9D7}'),
    ('\u{9E2}', '\u{9E3}'),
    ('\u{A01}', '\u{A03}'),
    ('\u{A3E}', '\u{A51}'),
    ('\u{A70}', '\u{A71}'),
    ('\u{A75}', '\u{A83}'),
    ('\u{ABE}', '\u{ACC}'),
    ('\u{AE2}', '\u{AE3}'),
    ('\u{B01}', '\u{B03}'),
    ('\u{B3E}', '\u{B57}'),
    ('\u{B62}', '\u{B63}'),
    ('\u{B82}', '\u{B82}'),
    ('\u{BBE}', '\u{BCC}'),
    ('\u{BD7}', '\u{BD7}'),
    ('\u{C01}', '\u{C03}'),
    ('\u{C3E}', '\u{C56}'),
    ('\u{C62}', '\u{C63}'),
    ('\u{C82}', '\u{C83}'),
    ('\u{CBE}', '\u{CD6}'),
    ('\u{CE2}', '\u{CE3}'),
    ('\u{D02}', '\u{D03}'),
    ('\u{D3E}', '\u{D4C}'),
    ('\u{D57}', '\u{D57}'),
    ('\u{D62}', '\u{D63}'),
    ('\u{D82}', '\u{D83}'),
    ('\u{DCF}', '\u{DDF}'),
    ('\u{DF2}', '\u{DF3}'),
    ('\u{E31}', '\u{E31}'),
    ('\u{E34}', '\u{E3A}'),
    ('\u{E4D}', '\u{E4D}'),
    ('\u{EB1}', '\u{EB1}'),
    ('\u{EB4}', '\u{EBC}'),
    ('\u{ECD}', '\u{ECD}'),
    ('\u{F71}', '\u{F83}'),
    ('\u{F8D}', '\u{FBC}'),
    ('\u{102B}', '\u{103E}'),
    ('\u{1056}', '\u{1059}'),
    ('\u{105E}', '\u{1060}'),
    ('\u{1062}', '\u{1064}'),
    ('\u{1067}', '\u{106D}'),
    ('\u{1071}', '\u{1074}'),
    ('\u{1082}', '\u{108D}'),
    ('\u{108F}', '\u{108F}'),
    ('\u{109A}', '\u{109D}'),
    ('\u{1712}', '\u{1713}'),
    ('\u{1732}', '\u{1733}'),
    ('\u{1752}', '\u{1753}'),
    ('\u{1772}', '\u{1773}'),
    ('\u{17B6}', '\u{17C8}'),
    ('\u{18A9}', '\u{18A9}'),
    ('\u{1920}', '\u{1938}'),
    ('\u{19B0}', '\u{19C0}'),
    ('\u{19C8}', '\u{19C9}'),
    ('\u{1A17}', '\u{1A1B}'),
    ('\u{1A55}', '\u{1A74}'),
    ('\u{1B00}', '\u{1B04}'),
    ('\u{1B35}', '\u{1B43}'),
    ('\u{1B80}', '\u{1B82}'),
    ('\u{1BA1}', '\u{1BAD}'),
    ('\u{1BE7}', '\u{1BF1}'),
    ('\u{1C24}', '\u{1C36}'),
    ('\u{1CF2}', '\u{1CF3}'),
    ('\u{1DC0}', '\u{1DE6}'),
    ('\u{1DFC}', '\u{1DFF}'),
    ('\u{20D0}', '\u{20F0}'),
    ('\u{24B6}', '\u{24E9}'),
    ('\u{2DE0}', '\u{2DFF}'),
    ('\u{A674}', '\u{A67B}'),
    ('\u{A69F}', '\u{A69F}'),
    ('\u{A802}', '\u{A802}'),
    ('\u{A80B}', '\u{A80B}'),
    ('\u{A823}', '\u{A827}'),
    ('\u{A880}', '\u{A881}'),
    ('\u{A8B4}', '\u{A8C3}'),
    ('\u{A926}', '\u{A92A}'),
    ('\u{A947}', '\u{A952}'),
    ('\u{A980}', '\u{A983}'),
    ('\u{A9B4}', '\u{A9BF}'),
    ('\u{AA29}', '\u{AA36}'),
    ('\u{AA43}', '\u{AA43}'),
    ('\u{AA4C}', '\u{AA4D}'),
    ('\u{AA7B}', '\u{AA7B}'),
    ('\u{AAB0}', '\u{AAB0}'),
    ('\u{AAB2}', '\u{AAB4}'),
    ('\u{AAB7}', '\u{AAB8}'),
    ('\u{AABE}', '\u{AABE}'),
    ('\u{AAEB}', '\u{AAEF}'),
    ('\u{AAF5}', '\u{AAF5}'),
    ('\u{ABE3}', '\u{ABEA}'),
    ('\u{FB1E}', '\u{FB1E}'),
    ('\u{FE20}', '\u{FE26}'),
    ('\u{10A01}', '\u{10A0F}'),
    ('\u{11000}', '\u{11002}'),
    ('\u{11038}', '\u{11045}'),
    ('\u{11080}', '\u{11082}'),
    ('\u{110B0}', '\u{110B8}'),
    ('\u{11100}', '\u{11102}'),
    ('\u{11127}', '\u{11132}'),
    ('\u{11180}', '\u{11182}'),
    ('\u{111B3}', '\u{111BF}'),
    ('\u{116AB}', '\u{116B5}'),
    ('\u{16F51}', '\u{16F7E}'),
    ('\u{16F8F}', '\u{16F92}'),
    ('\u{1F130}', '\u{1F189}'),
];

#[cfg(test)]
mod tests {
    use diesel::sql_types::Text;
    use diesel::{Connection, RunQueryDsl, SqliteConnection};

    use super::*;

    /// Every character kept inside a word is one the tokenizer keeps inside a token: a quoted
    /// word is one term, never a phrase, on a table like ours.
    #[test]
    fn every_word_character_is_a_token_character() {
        let mut conn = SqliteConnection::establish(":memory:").expect("in-memory database");
        diesel::sql_query(
            "CREATE VIRTUAL TABLE t USING fts5 (x, tokenize = 'unicode61 remove_diacritics 2', detail = none)",
        )
        .execute(&mut conn)
        .expect("table");
        // Ranges of wrong ones, spanning characters that are no word characters anyway.
        let mut wrong: Vec<(u32, u32)> = Vec::new();
        let mut last_word_char = None;
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            if !(c.is_alphanumeric() || is_combining_mark(c)) {
                continue;
            }
            let single = diesel::sql_query("SELECT 1 FROM t WHERE t MATCH ?")
                .bind::<Text, _>(format!("\"a{c}b\""))
                .execute(&mut conn)
                .is_ok();
            let c = u32::from(c);
            if !single {
                match wrong.last_mut() {
                    Some((_, last)) if Some(*last) == last_word_char => *last = c,
                    _ => wrong.push((c, c)),
                }
            }
            last_word_char = Some(c);
        }
        let table: Vec<(char, char)> = wrong
            .iter()
            .filter_map(|&(a, b)| Some((char::from_u32(a)?, char::from_u32(b)?)))
            .collect();
        let shown: Vec<String> = table
            .iter()
            .map(|(a, b)| {
                format!(
                    "    ('\\u{{{:X}}}', '\\u{{{:X}}}'),",
                    u32::from(*a),
                    u32::from(*b)
                )
            })
            .collect();
        assert!(
            table == SEPARATORS,
            "SEPARATORS should be:\n{}",
            shown.join("\n")
        );
    }

    /// [`LATIN1_BASES`] is what the tokenizer makes of each Latin-1 letter: the token of a
    /// document holding only that letter, read back from the index's vocabulary.
    #[test]
    fn latin1_letters_fold_as_the_tokenizer_folds_them() {
        #[derive(diesel::QueryableByName)]
        struct Term {
            #[diesel(sql_type = Text)]
            term: String,
        }
        let mut conn = SqliteConnection::establish(":memory:").expect("in-memory database");
        diesel::sql_query(
            "CREATE VIRTUAL TABLE t USING fts5 (x, tokenize = 'unicode61 remove_diacritics 2', detail = none)",
        )
        .execute(&mut conn)
        .expect("table");
        diesel::sql_query("CREATE VIRTUAL TABLE v USING fts5vocab (t, row)")
            .execute(&mut conn)
            .expect("vocabulary");
        let mut expected = String::new();
        for c in '\u{C0}'..='\u{FF}' {
            diesel::sql_query("DELETE FROM t")
                .execute(&mut conn)
                .expect("empty");
            diesel::sql_query("INSERT INTO t (x) VALUES (?)")
                .bind::<Text, _>(c.to_string())
                .execute(&mut conn)
                .expect("insert");
            let terms: Vec<Term> = diesel::sql_query("SELECT term FROM v")
                .load(&mut conn)
                .expect("terms");
            let folded: Vec<String> = terms.into_iter().map(|t| t.term).collect();
            expected.push(match folded.as_slice() {
                [one] if one.len() == 1 && one.is_ascii() => one.chars().next().unwrap_or('_'),
                _ => '_',
            });
        }
        assert_eq!(
            std::str::from_utf8(LATIN1_BASES).expect("ascii"),
            expected,
            "LATIN1_BASES should be {expected:?}"
        );
    }

    #[test]
    fn tokens_of_words_with_latin1_diacritics_are_ascii() {
        assert_eq!(ascii_token("Coördinatie").as_deref(), Some("coordinatie"));
        assert_eq!(ascii_token("ÉÉN").as_deref(), Some("een"));
        assert_eq!(ascii_token("façade2").as_deref(), Some("facade2"));
        assert_eq!(ascii_token("straße"), None);
        assert_eq!(ascii_token("o\u{308}"), None);
        assert_eq!(ascii_token("łódź"), None);
    }

    #[test]
    fn words_split_where_the_tokenizer_does() {
        assert!(is_word_char('é'));
        assert!(is_word_char('\u{308}'));
        assert!(is_word_char('7'));
        assert!(!is_word_char('-'));
        assert!(!is_word_char('Ⓐ'));
        assert!(!is_word_char('\u{305}'));
    }
}
