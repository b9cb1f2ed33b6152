//! The README stands alone and cannot rot: every client setup it shows is the very code
//! the SDK suites run (the blocks between `README:<name>:begin` and `README:<name>:end`
//! markers in the test sources must appear verbatim in a README code block), and no
//! link points outside the repository.

use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// (test source, marker name): each block the README must show.
const BLOCKS: [(&str, &str); 7] = [
    ("tests/sdk/test_python_sdks.py", "python-tea"),
    ("tests/sdk/test_python_sdks.py", "python-legacy"),
    ("tests/sdk/node/ecs.test.js", "node-ecs"),
    ("tests/sdk/node/ecs.test.js", "node-pop-core"),
    ("tests/integration/rust_sdk.rs", "rust-sdk"),
    ("tests/sdk/conftest.py", "pytest-account"),
    ("tests/sdk/node/ecs.test.js", "node-account"),
];

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The lines strictly between the markers of `name` in `text`.
fn block(text: &str, name: &str) -> String {
    let begin = format!("README:{name}:begin");
    let end = format!("README:{name}:end");
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.contains(&begin))
        .unwrap_or_else(|| panic!("no {begin} marker"));
    let stop = lines
        .iter()
        .position(|l| l.contains(&end))
        .unwrap_or_else(|| panic!("no {end} marker"));
    assert!(start < stop, "{name}: markers out of order");
    lines[start + 1..stop].join("\n")
}

#[test]
fn every_client_setup_in_the_readme_is_the_tested_code() {
    let readme = read("README.md");
    for (file, name) in BLOCKS {
        let code = block(&read(file), name);
        assert!(
            readme.contains(&code),
            "README.md does not show the `{name}` block of {file} verbatim:\n{code}"
        );
    }
}

#[test]
fn no_link_leaves_the_repository() {
    let readme = read("README.md");
    assert!(
        !readme.contains("../"),
        "README.md refers outside the repository"
    );
    // Markdown links: web addresses, or files of this repository.
    for (i, _) in readme.match_indices("](") {
        let rest = &readme[i + 2..];
        let target = &rest[..rest.find(')').expect("a closed link")];
        if target.starts_with("http://")
            || target.starts_with("https://")
            || target.starts_with('#')
        {
            continue;
        }
        let path = target.split('#').next().unwrap_or("");
        assert!(
            Path::new(ROOT).join(path).exists(),
            "README.md links to {target}, which is not in the repository"
        );
    }
}
