//! House-style checks that run as a test: every source file says why it
//! exists, and README's "Guarantees" section is `reliability/GUARANTEES.md`.

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::{Path, PathBuf};

    use crate::codegen::project_root;

    /// Library and binary sources, not test inputs: ui cases are deliberately
    /// minimal and start with the code under test.
    fn source_files() -> Vec<PathBuf> {
        let root = project_root();
        let mut files = Vec::new();
        for entry in fs::read_dir(&root).unwrap() {
            let crate_dir = entry.unwrap().path();
            let src = crate_dir.join("src");
            if crate_dir.join("Cargo.toml").is_file() && src.is_dir() {
                collect(&src, &mut files);
            }
        }
        files.sort();
        files
    }

    fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                collect(&path, out);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn every_source_file_starts_with_a_module_comment() {
        let missing: Vec<String> = source_files()
            .into_iter()
            .filter(|path| {
                let text = fs::read_to_string(path).unwrap();
                !text.trim_start().starts_with("//!")
            })
            .map(|path| path.display().to_string())
            .collect();
        assert!(
            missing.is_empty(),
            "these files do not start with a `//!` comment saying why they exist:\n{}",
            missing.join("\n")
        );
    }

    #[test]
    fn no_trailing_whitespace_in_sources() {
        let mut offenders = Vec::new();
        for path in source_files() {
            let text = fs::read_to_string(&path).unwrap();
            for (number, line) in text.lines().enumerate() {
                if line.ends_with(' ') || line.ends_with('\t') {
                    offenders.push(format!("{}:{}", path.display(), number + 1));
                }
            }
        }
        assert!(
            offenders.is_empty(),
            "trailing whitespace at:\n{}",
            offenders.join("\n")
        );
    }

    /// README's "Guarantees" section: from its heading to the next `## `.
    fn readme_guarantees(readme: &str) -> Option<&str> {
        let start = readme.find("\n## Guarantees\n")? + 1;
        let end = readme[start + 1..]
            .find("\n## ")
            .map_or(readme.len(), |at| start + 1 + at + 1);
        Some(&readme[start..end])
    }

    /// `reliability/GUARANTEES.md` is the source; README carries a copy so a
    /// reader of the front page sees the claims. Nothing else keeps the two
    /// together, so this fails when they differ.
    #[test]
    fn readme_guarantees_are_reliability_guarantees_md() {
        let root = project_root();
        let readme = fs::read_to_string(root.join("README.md")).unwrap();
        let source = fs::read_to_string(root.join("reliability/GUARANTEES.md")).unwrap();
        let section = readme_guarantees(&readme).expect("README has a `## Guarantees` section");
        assert!(
            section.trim_end() == source.trim_end(),
            "README's Guarantees section differs from reliability/GUARANTEES.md; \
             edit GUARANTEES.md and copy it into README between `## Guarantees` and \
             the next `## ` heading"
        );
    }

    #[test]
    fn the_guarantees_section_ends_at_the_next_heading() {
        let readme = "intro\n## Guarantees\n\nclaim\n\n## Reliability\nmore\n";
        assert_eq!(
            readme_guarantees(readme),
            Some("## Guarantees\n\nclaim\n\n")
        );
        assert_eq!(readme_guarantees("## Guarantees\n"), None);
        assert_eq!(
            readme_guarantees("x\n## Guarantees\nlast\n"),
            Some("## Guarantees\nlast\n")
        );
    }

    #[test]
    fn finds_the_workspace_sources() {
        let files = source_files();
        assert!(files.iter().any(|path| path.ends_with("macros/src/lib.rs")));
        assert!(files.iter().any(|path| path.ends_with("events/src/lib.rs")));
    }
}
