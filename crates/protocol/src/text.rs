//! Checks for text that people type: display names and chat.
//!
//! Text is stored and relayed as plain text; the UI escapes it. These checks
//! keep it bounded and free of characters that corrupt layouts or spoof
//! names (control characters and bidirectional overrides).

/// Default longest display name, in characters.
pub const DEFAULT_MAX_DISPLAY_NAME_CHARS: usize = 64;

/// Default longest chat message, in characters.
pub const DEFAULT_MAX_CHAT_CHARS: usize = 4000;

/// Why a piece of text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Nothing but whitespace.
    #[error("it is empty")]
    Empty,
    /// More characters than allowed.
    #[error("it is longer than {max} characters")]
    TooLong {
        /// The limit.
        max: usize,
    },
    /// A control character or a bidirectional override.
    #[error("it contains a control or text-direction character")]
    BadCharacter,
}

fn is_direction_override(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Checks a display name and returns it trimmed.
pub fn display_name(raw: &str, max_chars: usize) -> Result<String, TextError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(TextError::Empty);
    }
    if name.chars().count() > max_chars {
        return Err(TextError::TooLong { max: max_chars });
    }
    if name
        .chars()
        .any(|c| c.is_control() || is_direction_override(c))
    {
        return Err(TextError::BadCharacter);
    }
    Ok(name.to_owned())
}

/// Checks a chat message (newlines and tabs allowed) and returns it without
/// leading or trailing whitespace.
pub fn chat_text(raw: &str, max_chars: usize) -> Result<String, TextError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(TextError::Empty);
    }
    if text.chars().count() > max_chars {
        return Err(TextError::TooLong { max: max_chars });
    }
    let bad = |c: char| (c.is_control() && c != '\n' && c != '\t') || is_direction_override(c);
    if text.chars().any(bad) {
        return Err(TextError::BadCharacter);
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_english_and_urdu_pass_trimmed() {
        assert_eq!(
            display_name("  Dr. Ayesha Khan ", 64).as_deref(),
            Ok("Dr. Ayesha Khan")
        );
        assert_eq!(
            display_name("ڈاکٹر عائشہ", 64).as_deref(),
            Ok("ڈاکٹر عائشہ")
        );
    }

    #[test]
    fn names_are_bounded_and_clean() {
        assert_eq!(display_name("   ", 64), Err(TextError::Empty));
        assert_eq!(
            display_name(&"a".repeat(65), 64),
            Err(TextError::TooLong { max: 64 })
        );
        assert_eq!(display_name("a\u{7}b", 64), Err(TextError::BadCharacter));
        assert_eq!(
            display_name("evil\u{202E}gpj.exe", 64),
            Err(TextError::BadCharacter)
        );
        assert_eq!(display_name("two\nlines", 64), Err(TextError::BadCharacter));
    }

    #[test]
    fn chat_keeps_newlines_but_not_other_controls() {
        assert_eq!(
            chat_text("line 1\nline 2", 100).as_deref(),
            Ok("line 1\nline 2")
        );
        assert_eq!(chat_text("bell\u{7}", 100), Err(TextError::BadCharacter));
        assert_eq!(chat_text("\n\n", 100), Err(TextError::Empty));
        assert_eq!(
            chat_text(&"é".repeat(101), 100),
            Err(TextError::TooLong { max: 100 })
        );
    }
}
