//! Include and exclude patterns of a batch, with the rules people know from `.gitignore` and
//! rsync, matched against the path relative to the batch's folder (`a/b/x.log`, no leading
//! `/`; the same relative path on the local and the remote side):
//!
//! - a pattern without `/` matches a name at any depth (`*.log` matches `a/b/x.log`);
//! - a pattern with a `/` matches the whole relative path (a leading `/` is dropped:
//!   `/build` and `build/out` are anchored at the batch's folder);
//! - `*`, `?` and `[...]` stay within one segment, `**` crosses segments;
//! - a trailing `/` matches folders only (`cache/`);
//! - trailing spaces are dropped unless escaped with a backslash (`name\ ` keeps one), as in
//!   `.gitignore`: a pattern line with a stray space would otherwise match nothing, and an
//!   exclude meant to protect a path from `--delete` would not.
//!
//! An excluded folder is excluded with everything below it. When includes are given, a file
//! (or an empty folder) is selected only when it, or a folder above it, matches one; folders
//! are still walked to find them. Exclusion wins over inclusion. The patterns are compiled once
//! into two [`GlobSet`]s (globset, the matcher of ripgrep).

use crate::error::{Error, Result};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

/// Compiled include and exclude patterns; the default selects everything.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    include: Patterns,
    exclude: Patterns,
}

/// One side's patterns: those for any path, and those for folders only (a trailing `/`).
#[derive(Clone, Debug, Default)]
struct Patterns {
    any: Option<GlobSet>,
    folders: Option<GlobSet>,
    sources: Vec<String>,
}

impl Filter {
    /// Compiles the patterns; a pattern that is empty or not a valid glob is a usage error
    /// naming it.
    pub fn new<I, E>(include: I, exclude: E) -> Result<Filter>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
        E: IntoIterator,
        E::Item: AsRef<str>,
    {
        Ok(Filter {
            include: Patterns::compile("include", include)?,
            exclude: Patterns::compile("exclude", exclude)?,
        })
    }

    /// True when no pattern is set (everything is selected).
    pub fn is_empty(&self) -> bool {
        self.include.sources.is_empty() && self.exclude.sources.is_empty()
    }

    /// The include patterns, as given.
    pub fn includes(&self) -> &[String] {
        &self.include.sources
    }

    /// The exclude patterns, as given.
    pub fn excludes(&self) -> &[String] {
        &self.exclude.sources
    }

    /// Whether the folder at `rel` (relative, no trailing `/`) is excluded itself; what lies
    /// below an excluded folder is never visited.
    pub(crate) fn prunes(&self, rel: &str) -> bool {
        self.exclude.matches(rel, true)
    }

    /// Whether the item at `rel` — a file, or a folder when `is_folder` — is selected: neither
    /// it nor a folder above it excluded, and, when includes are given, it or a folder above it
    /// included.
    pub(crate) fn selects(&self, rel: &str, is_folder: bool) -> bool {
        if self.exclude.sources.is_empty() && self.include.sources.is_empty() {
            return true;
        }
        let above = ancestors(rel);
        if self.exclude.matches(rel, is_folder)
            || above.clone().any(|a| self.exclude.matches(a, true))
        {
            return false;
        }
        self.include.sources.is_empty()
            || self.include.matches(rel, is_folder)
            || above.into_iter().any(|a| self.include.matches(a, true))
    }
}

/// `given` without its trailing spaces, but for one escaped with a backslash (`a\ `).
fn trim_trailing_spaces(given: &str) -> &str {
    let mut end = given.len();
    while given[..end].ends_with(' ') {
        let escapes = given[..end - 1]
            .bytes()
            .rev()
            .take_while(|&b| b == b'\\')
            .count();
        if escapes % 2 == 1 {
            break;
        }
        end -= 1;
    }
    &given[..end]
}

/// `a`, `a/b` for `a/b/c`.
fn ancestors(rel: &str) -> impl Iterator<Item = &str> + Clone {
    rel.match_indices('/').map(move |(i, _)| &rel[..i])
}

impl Patterns {
    fn compile<P>(what: &str, patterns: P) -> Result<Patterns>
    where
        P: IntoIterator,
        P::Item: AsRef<str>,
    {
        let (mut any, mut folders) = (GlobSetBuilder::new(), GlobSetBuilder::new());
        let (mut any_n, mut folders_n) = (0, 0);
        let mut sources = Vec::new();
        for p in patterns {
            let given = p.as_ref();
            let bad = |why: &str| Error::usage(format!("{what} pattern {given:?}: {why}"));
            // As .gitignore: trailing spaces are dropped unless escaped with a backslash.
            let trimmed = trim_trailing_spaces(given);
            let folder_only = trimmed.ends_with('/');
            let body = trimmed.trim_end_matches('/');
            let anchored = body.contains('/');
            let body = body.trim_start_matches('/');
            if body.is_empty() {
                return Err(bad("it is empty (or only '/')"));
            }
            if body.chars().any(char::is_control) {
                return Err(bad("it contains a control character"));
            }
            let full = if anchored {
                body.to_string()
            } else {
                format!("**/{body}")
            };
            let glob = GlobBuilder::new(&full)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|e| bad(&e.kind().to_string()))?;
            if folder_only {
                folders.add(glob);
                folders_n += 1;
            } else {
                any.add(glob);
                any_n += 1;
            }
            sources.push(given.to_string());
        }
        let build = |b: GlobSetBuilder, n: usize| -> Result<Option<GlobSet>> {
            if n == 0 {
                return Ok(None);
            }
            b.build()
                .map(Some)
                .map_err(|e| Error::usage(format!("{what} patterns: {e}")))
        };
        Ok(Patterns {
            any: build(any, any_n)?,
            folders: build(folders, folders_n)?,
            sources,
        })
    }

    fn matches(&self, rel: &str, is_folder: bool) -> bool {
        self.any.as_ref().is_some_and(|s| s.is_match(rel))
            || (is_folder && self.folders.as_ref().is_some_and(|s| s.is_match(rel)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(include: &[&str], exclude: &[&str]) -> Filter {
        Filter::new(include, exclude).unwrap()
    }

    #[test]
    fn a_name_pattern_matches_at_any_depth_a_path_pattern_from_the_top() {
        let x = f(&[], &["*.log", "build/out", "/top.txt"]);
        assert!(!x.selects("x.log", false));
        assert!(!x.selects("a/b/x.log", false));
        assert!(x.selects("a/b/x.logs", false));
        assert!(!x.selects("build/out", false));
        assert!(
            !x.selects("build/out/deep/file", false),
            "below an excluded path"
        );
        assert!(x.selects("src/build/out", false), "anchored at the top");
        assert!(!x.selects("top.txt", false));
        assert!(x.selects("a/top.txt", false));
    }

    #[test]
    fn star_stays_in_a_segment_and_double_star_crosses() {
        let x = f(&[], &["a/*.txt", "b/**/z"]);
        assert!(!x.selects("a/x.txt", false));
        assert!(x.selects("a/sub/x.txt", false));
        assert!(!x.selects("b/z", false));
        assert!(!x.selects("b/1/2/z", false));
    }

    #[test]
    fn a_trailing_slash_matches_folders_only() {
        let x = f(&[], &["cache/"]);
        assert!(x.selects("cache", false), "a file named cache stays");
        assert!(!x.selects("cache", true));
        assert!(!x.selects("a/cache/f", false));
        assert!(x.prunes("a/cache"));
        assert!(!x.prunes("a/cachet"));
    }

    #[test]
    fn includes_select_files_and_what_is_below_an_included_folder() {
        let x = f(&["*.jpg", "docs/"], &["secret.jpg"]);
        assert!(x.selects("a/b/p.jpg", false));
        assert!(!x.selects("a/b/p.png", false));
        assert!(x.selects("docs/readme.md", false));
        assert!(x.selects("docs/deep/x", false));
        assert!(!x.selects("a/secret.jpg", false), "exclusion wins");
        assert!(!x.prunes("a"), "folders are still walked");
    }

    #[test]
    fn trailing_spaces_are_dropped_unless_escaped() {
        let x = f(&[], &["secret.db ", "logs/  ", "keep\\ "]);
        assert!(!x.selects("secret.db", false));
        assert!(x.prunes("logs"));
        assert!(!x.selects("keep ", false));
        assert!(x.selects("keep", false));
    }

    #[test]
    fn no_pattern_selects_everything() {
        let x = Filter::default();
        assert!(x.is_empty());
        assert!(x.selects("any/thing", false) && x.selects("d", true));
    }

    #[test]
    fn bad_patterns_are_usage_errors_naming_them() {
        for bad in ["", "/", "a[", "x\u{1}"] {
            let e = Filter::new([bad], [] as [&str; 0]).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::Usage, "{bad:?}");
            assert!(e.to_string().contains("include pattern"), "{e}");
        }
    }
}
