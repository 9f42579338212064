//! The domain's layout: its modules import each other without a cycle, so each subject can be
//! read (and changed) from its types up to its use cases.
//!
//! The graph's nodes are the source files (one module each). An edge goes from a file to every
//! file that defines something it names through `crate::…`; a name re-exported by a subject's
//! `mod.rs` (`pub use booking::*`) leads to the file that defines it, so re-exports never hide
//! an edge nor make one up.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path (`["bookings", "booking"]`) and its file.
struct Module {
    path: Vec<String>,
    file: PathBuf,
    text: String,
}

fn modules(root: &Path) -> Vec<Module> {
    fn walk(dir: &Path, prefix: &[String], out: &mut Vec<Module>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("a source folder")
            .map(|entry| entry.expect("an entry").path())
            .collect();
        entries.sort();
        for file in entries {
            let name = file
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_owned();
            if file.is_dir() {
                let mut path = prefix.to_vec();
                path.push(name);
                walk(&file, &path, out);
            } else if file.extension().is_some_and(|e| e == "rs") {
                let mut path = prefix.to_vec();
                if name != "mod" && name != "lib" {
                    path.push(name);
                }
                let text = strip_comments(&std::fs::read_to_string(&file).expect("a source file"));
                out.push(Module { path, file, text });
            }
        }
    }
    let mut out = Vec::new();
    walk(root, &[], &mut out);
    out
}

/// The text without comments, string literals or the unit tests (`#[cfg(test)]` onwards): only
/// what the module itself depends on counts.
fn strip_comments(text: &str) -> String {
    let text = match text.find("#[cfg(test)]") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .map(|line| {
            // Drop string literals (a message may mention `crate::`).
            let mut kept = String::new();
            let mut quoted = false;
            for c in line.chars() {
                if c == '"' {
                    quoted = !quoted;
                } else if !quoted {
                    kept.push(c);
                }
            }
            kept
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path named from `crate::`, with `use` trees (`crate::a::{b, c::D}`) expanded.
fn crate_paths(text: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        let (tree, _) = use_tree(rest);
        for path in tree {
            paths.push(path);
        }
    }
    paths
}

/// Parses a path or use tree at the start of `text`: the paths it names, and the rest.
fn use_tree(text: &str) -> (Vec<Vec<String>>, &str) {
    let text = text.trim_start();
    if let Some(inner) = text.strip_prefix('{') {
        let mut paths = Vec::new();
        let mut rest = inner;
        loop {
            rest = rest.trim_start();
            if let Some(after) = rest.strip_prefix('}') {
                return (paths, after);
            }
            let (tree, after) = use_tree(rest);
            paths.extend(tree);
            rest = after.trim_start();
            rest = rest.strip_prefix(',').unwrap_or(rest);
            if rest.is_empty() {
                return (paths, rest);
            }
        }
    }
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    let segment = &text[..end];
    let rest = &text[end..];
    if segment.is_empty() {
        return (vec![vec![]], rest);
    }
    if let Some(after) = rest.strip_prefix("::") {
        let (tree, rest) = use_tree(after);
        let paths = tree
            .into_iter()
            .map(|mut path| {
                path.insert(0, segment.to_owned());
                path
            })
            .collect();
        return (paths, rest);
    }
    (vec![vec![segment.to_owned()]], rest)
}

/// Whether `text` defines the item `name` itself (not by re-export).
fn defines(text: &str, name: &str) -> bool {
    [
        "struct", "enum", "fn", "trait", "type", "const", "static", "mod",
    ]
    .iter()
    .any(|kind| {
        text.match_indices(&format!("{kind} {name}"))
            .any(|(at, found)| {
                let after = text[at + found.len()..].chars().next();
                after.is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
            })
    })
}

/// The file a path leads to: the deepest module it names, or, when the path goes on to an item
/// a `mod.rs` re-exports, the child module that defines it.
fn resolve(modules: &[Module], path: &[String]) -> Option<usize> {
    let module_at = |prefix: &[String]| modules.iter().position(|m| m.path == prefix);
    let mut depth = path.len();
    let index = loop {
        if let Some(index) = module_at(&path[..depth]) {
            break index;
        }
        if depth == 0 {
            return None;
        }
        depth -= 1;
    };
    let Some(item) = path.get(depth) else {
        return Some(index);
    };
    if defines(&modules[index].text, item) {
        return Some(index);
    }
    // Re-exported from elsewhere (`pub use crate::language::Language`): where that leads.
    let text = &modules[index].text;
    for (at, _) in text.match_indices("pub use crate::") {
        let statement = &text[at + "pub use ".len()..];
        let statement = &statement[..statement.find(';').unwrap_or(statement.len())];
        for reexported in crate_paths(statement) {
            if reexported.last() == Some(item) && reexported != path {
                return resolve(modules, &reexported);
            }
        }
    }
    // Re-exported: the child (or grandchild) of this module that defines it.
    let here = &modules[index].path;
    modules
        .iter()
        .position(|m| {
            m.path.len() > here.len() && m.path.starts_with(here) && defines(&m.text, item)
        })
        .or(Some(index))
}

#[test]
fn the_domain_modules_import_each_other_without_a_cycle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules = modules(&root);
    let name = |i: usize| {
        modules[i]
            .file
            .strip_prefix(&root)
            .unwrap_or(&modules[i].file)
            .display()
            .to_string()
    };
    let mut edges: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for (from, module) in modules.iter().enumerate() {
        for path in crate_paths(&module.text) {
            if let Some(to) = resolve(&modules, &path)
                && to != from
                // A module's parent only declares and re-exports it.
                && !module.path.starts_with(&modules[to].path)
            {
                edges.entry(from).or_default().insert(to);
            }
        }
    }
    // Depth-first search for a back edge, reporting the cycle it closes.
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    fn visit(
        node: usize,
        edges: &BTreeMap<usize, BTreeSet<usize>>,
        marks: &mut [Mark],
        stack: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        marks[node] = Mark::Open;
        stack.push(node);
        for &next in edges.get(&node).into_iter().flatten() {
            match marks[next] {
                Mark::Open => {
                    let start = stack.iter().position(|&n| n == next).unwrap_or(0);
                    let mut cycle = stack[start..].to_vec();
                    cycle.push(next);
                    return Some(cycle);
                }
                Mark::New => {
                    if let Some(cycle) = visit(next, edges, marks, stack) {
                        return Some(cycle);
                    }
                }
                Mark::Done => {}
            }
        }
        stack.pop();
        marks[node] = Mark::Done;
        None
    }
    let mut marks = vec![Mark::New; modules.len()];
    for node in 0..modules.len() {
        if marks[node] == Mark::New {
            let mut stack = Vec::new();
            if let Some(cycle) = visit(node, &edges, &mut marks, &mut stack) {
                let cycle: Vec<String> = cycle.into_iter().map(name).collect();
                panic!(
                    "the domain's modules import each other in a cycle: {}",
                    cycle.join(" → ")
                );
            }
        }
    }
    assert!(
        edges.len() > 20,
        "the check found the modules' imports ({} files import others)",
        edges.len()
    );
}

#[test]
fn a_cycle_is_found() {
    // The check itself: two modules naming each other's items.
    let a = "use crate::b::Thing;\npub struct Other;";
    let b = "pub struct Thing(crate::a::Other);";
    let paths_a = crate_paths(a);
    let paths_b = crate_paths(b);
    assert_eq!(paths_a, vec![vec!["b".to_owned(), "Thing".to_owned()]]);
    assert_eq!(paths_b, vec![vec!["a".to_owned(), "Other".to_owned()]]);
    let nested = crate_paths("use crate::{bookings::{Booking, rules::check}, error::Result};");
    assert_eq!(nested.len(), 3, "{nested:?}");
}
