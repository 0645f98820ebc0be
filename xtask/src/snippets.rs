//! The getting-started guides' code, compiled with the Kotlin and Swift tests: every fenced
//! block of the guide's language becomes one source file of the test program, so a snippet
//! that does not compile fails `kotlin-test` / `swift-test` (and the tests may call what the
//! snippets define, to run the guide's story too).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// The fenced blocks tagged `lang` in `markdown`, in order.
pub fn blocks(markdown: &str, lang: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        let fence = line.trim_start();
        match current.as_mut() {
            None if fence.starts_with("```") && fence.trim_start_matches('`').trim() == lang => {
                current = Some(String::new());
            }
            Some(_) if fence.starts_with("```") => {
                if let Some(block) = current.take() {
                    found.push(block);
                }
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    found
}

/// Writes each `lang` block of `doc` to `out/<stem><n>.<ext>` (with `header` before it) and
/// returns the files; fails when the guide has none (a moved or renamed guide).
pub fn extract(
    doc: &Path,
    lang: &str,
    out: &Path,
    stem: &str,
    ext: &str,
    header: &str,
) -> Result<Vec<PathBuf>> {
    let text =
        std::fs::read_to_string(doc).with_context(|| format!("reading {}", doc.display()))?;
    let found = blocks(&text, lang);
    if found.is_empty() {
        bail!("{} has no ```{lang} snippet", doc.display());
    }
    std::fs::create_dir_all(out)?;
    let mut files = Vec::new();
    for (i, block) in found.iter().enumerate() {
        let file = out.join(format!("{stem}{}.{ext}", i + 1));
        std::fs::write(
            &file,
            format!(
                "// From {} (snippet {})\n{header}{block}",
                doc.display(),
                i + 1
            ),
        )?;
        files.push(file);
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_blocks_of_the_language_are_taken() {
        let md = "text\n```kotlin\nval a = 1\n```\n```swift\nlet b = 2\n```\n```kotlin\nval c = 3\nval d = 4\n```\n";
        assert_eq!(
            blocks(md, "kotlin"),
            vec!["val a = 1\n", "val c = 3\nval d = 4\n"]
        );
        assert_eq!(blocks(md, "swift"), vec!["let b = 2\n"]);
        assert!(blocks(md, "rust").is_empty());
    }
}
