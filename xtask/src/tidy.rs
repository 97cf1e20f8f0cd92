//! House-style checks that run as a test: every source file says why it exists.

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

    #[test]
    fn finds_the_workspace_sources() {
        let files = source_files();
        assert!(files.iter().any(|path| path.ends_with("macros/src/lib.rs")));
        assert!(files.iter().any(|path| path.ends_with("events/src/lib.rs")));
    }
}
