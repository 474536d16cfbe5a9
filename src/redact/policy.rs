//! What a redaction replaces: a short list of rules, kept as text so that a
//! user's comments survive editing in the window and in a file.

use std::fmt;

/// The policy `hookscope redact --print-policy` prints and exports use
/// unless told otherwise.
pub const DEFAULT_TEXT: &str = "\
# hookscope redaction policy: one rule per line, # starts a comment.
#   /pointer      a JSON pointer into each event (the body, or each item when
#                 the body is an array); * stands for any one key or array item
#   header NAME   the value of a header; * in NAME stands for any characters,
#                 case is ignored
#   query NAME    the value of a query parameter, named as headers are
# Replaced values become pseudonyms of the same shape: an email stays an
# email, a phone number keeps its digit count, null stays null.

# The candidate
/data/first_name
/data/last_name
/data/email
/data/tel_landline
/data/tel_mobile

# Attachments: names, stored file names and their text
/data/action/*/attachment/*/filename
/data/action/*/attachment/*/uniqfilename
/data/action/*/attachment/*/text

# Form answers (the questions stay)
/data/action/*/form/input/*/answer

# Recruiters named in actions and postes
/data/action/*/consultant/first_name
/data/action/*/consultant/last_name
/data/action/*/poste/consultant/first_name
/data/action/*/poste/consultant/last_name

# Job fields that name a person
/data/job_interlocutor_name

# Secrets in headers and query strings
header authorization
header proxy-authorization
header cookie
header set-cookie
header *token*
header *key*
header *secret*
header *signature*
query *token*
query *key*
query *secret*
query *signature*
";

/// One thing a redaction replaces.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Rule {
    /// A JSON pointer into each event, its tokens split (unescaped);
    /// a `*` token stands for any one key or array index.
    Body(Vec<String>),
    /// A header's value, by name (ASCII case ignored, `*` any characters).
    Header(String),
    /// A query parameter's value, named as headers are.
    Query(String),
}

impl Rule {
    /// Whether `name` (a header or query parameter name) is what this
    /// header or query rule names.
    pub fn names(pattern: &str, name: &str) -> bool {
        glob(pattern.as_bytes(), name.as_bytes())
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Body(tokens) => {
                for token in tokens {
                    write!(f, "/{}", token.replace('~', "~0").replace('/', "~1"))?;
                }
                Ok(())
            }
            Rule::Header(name) => write!(f, "header {name}"),
            Rule::Query(name) => write!(f, "query {name}"),
        }
    }
}

/// A policy: its rules in order, and the text they were read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    pub rules: Vec<Rule>,
    text: String,
}

impl Default for Policy {
    fn default() -> Self {
        match Policy::parse(DEFAULT_TEXT) {
            Ok(policy) => policy,
            // The default text is tested to parse; an empty policy is the
            // safe way to fail only if it someday does not.
            Err(_) => Policy {
                rules: Vec::new(),
                text: String::new(),
            },
        }
    }
}

/// Why a policy text does not read: its first bad line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct PolicyError {
    pub line: usize,
    pub message: String,
}

impl Policy {
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        let mut rules = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let error = |message: String| PolicyError {
                line: n + 1,
                message,
            };
            let rule = if let Some(pointer) = line.strip_prefix('/') {
                Rule::Body(pointer.split('/').map(unescape).collect())
            } else {
                let (kind, name) = line.split_once(char::is_whitespace).ok_or_else(|| {
                    error(format!(
                        "\"{line}\" is not a rule: write /pointer, header NAME or query NAME"
                    ))
                })?;
                let name = name.trim();
                if name.contains(char::is_whitespace) {
                    return Err(error(format!("a {kind} name has no spaces: \"{name}\"")));
                }
                match kind.to_ascii_lowercase().as_str() {
                    "header" => Rule::Header(name.to_ascii_lowercase()),
                    "query" => Rule::Query(name.to_ascii_lowercase()),
                    _ => {
                        return Err(error(format!(
                            "\"{kind}\" is not a kind of rule: write /pointer, header NAME or query NAME"
                        )));
                    }
                }
            };
            rules.push(rule);
        }
        Ok(Self {
            rules,
            text: text.to_owned(),
        })
    }

    /// The text the policy was read from, comments included.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether this is the default policy, whatever its comments.
    pub fn is_default(&self) -> bool {
        self.rules == Policy::default().rules
    }
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// `*` matches any run of bytes; the rest matches ASCII case-insensitively.
/// Backtracks only to the last star, so any pattern is O(pattern × name).
fn glob(pattern: &[u8], name: &[u8]) -> bool {
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, n));
                p += 1;
            }
            Some(c) if c.eq_ignore_ascii_case(&name[n]) => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    p = sp + 1;
                    n = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_text_reads_and_prints_back() {
        let policy = Policy::parse(DEFAULT_TEXT).unwrap();
        assert!(policy.rules.len() > 20);
        assert_eq!(policy.text(), DEFAULT_TEXT);
        assert_eq!(Policy::default(), policy);
        let printed: Vec<String> = policy.rules.iter().map(Rule::to_string).collect();
        let again = Policy::parse(&printed.join("\n")).unwrap();
        assert_eq!(again.rules, policy.rules);
        assert!(again.is_default());
    }

    #[test]
    fn rules_read_with_their_kinds() {
        let policy =
            Policy::parse("/data/a~1b/*  # note\n\nHeader X-Api-Key\nquery *token*").unwrap();
        assert_eq!(
            policy.rules,
            vec![
                Rule::Body(vec!["data".into(), "a/b".into(), "*".into()]),
                Rule::Header("x-api-key".into()),
                Rule::Query("*token*".into()),
            ]
        );
        assert_eq!(policy.rules[0].to_string(), "/data/a~1b/*");
    }

    #[test]
    fn bad_lines_are_named() {
        let error = Policy::parse("/data/email\ncookie").unwrap_err();
        assert_eq!(error.line, 2);
        assert!(error.message.contains("not a rule"), "{error}");
        let error = Policy::parse("body /x").unwrap_err();
        assert!(error.message.contains("not a kind of rule"), "{error}");
    }

    #[test]
    fn names_match_with_stars_and_any_case() {
        assert!(Rule::names("*token*", "X-Auth-Token"));
        assert!(Rule::names("authorization", "Authorization"));
        assert!(!Rule::names("authorization", "proxy-authorization"));
        assert!(Rule::names("*key*", "api_key"));
        assert!(!Rule::names("*key*", "monkee"));
    }
}
