//! `cargo xtask layers`: the import graph between source files, and its cycles.
//!
//! The house rule (ARCHITECTURE.md) is that every crate's files form layers: no file
//! depends, directly or through others, on a file that depends on it. This check reads
//! each crate's sources with `syn` and draws an edge `a.rs -> b.rs` when `a.rs` names an
//! item that `b.rs` defines, through a `use` or a qualified path (`crate::`, `super::`,
//! `self::`, or a child module of a `mod.rs`/`lib.rs`). Re-exports are followed: naming
//! `crate::diary::Diary` where `diary/mod.rs` says `pub use handle::Diary` is an edge to
//! `diary/handle.rs`, so a facade that only declares modules and re-exports never closes a
//! cycle; a facade that defines items its children use, while using them, does. Test
//! modules (`#[cfg(test)]`) are left out: a test may reach anywhere.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use syn::visit::Visit;

/// A module path inside a crate: `[]` is the crate root, `["diary", "handle"]` a file.
type ModPath = Vec<String>;

/// What one file defines and names.
#[derive(Debug, Default)]
struct FileFacts {
    /// Top-level items it defines (types, functions, constants, traits, macros).
    defines: BTreeSet<String>,
    /// `pub use` re-exports: the name it exports and the absolute path it points at.
    reexports: BTreeMap<String, ModPath>,
    /// Every absolute path it names (from `use` and from qualified paths).
    names: Vec<ModPath>,
}

/// The crates whose sources are checked, relative to the workspace root.
pub const CRATES: &[&str] = &[
    "protocol", "core", "bindings", "cli", "server", "console", "tests", "xtask",
];

/// Runs the check over every crate; fails when any crate has a cycle.
pub fn run(_rest: &[String]) -> Result<()> {
    let root = workspace_root()?;
    let mut bad = 0;
    for name in CRATES {
        let cycles = crate_cycles(&root.join(name).join("src"))?;
        println!("{name}: {} cycles", cycles.len());
        for cycle in &cycles {
            println!("  cycle among: {}", cycle.join(", "));
        }
        bad += cycles.len();
    }
    anyhow::ensure!(bad == 0, "{bad} import cycles between source files");
    Ok(())
}

fn workspace_root() -> Result<PathBuf> {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent()
        .map(Path::to_path_buf)
        .context("xtask has no parent folder")
}

/// The cycles among the files of the crate whose sources are in `src`, each as the list
/// of its files (`diary/handle.rs`), sorted.
pub fn crate_cycles(src: &Path) -> Result<Vec<Vec<String>>> {
    let files = module_files(src)?;
    let mut facts: HashMap<ModPath, FileFacts> = HashMap::new();
    for (module, path) in &files {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let ast = syn::parse_file(&text).with_context(|| format!("parsing {}", path.display()))?;
        let is_facade = is_facade(path);
        facts.insert(
            module.clone(),
            file_facts(&ast, module, is_facade, &|m: &ModPath| {
                files.contains_key(m)
            }),
        );
    }
    let mut edges: BTreeMap<ModPath, BTreeSet<ModPath>> = BTreeMap::new();
    for (module, f) in &facts {
        let out = edges.entry(module.clone()).or_default();
        for name in &f.names {
            if let Some(target) = resolve(&facts, name, 0)
                && &target != module
            {
                out.insert(target);
            }
        }
    }
    let label = |m: &ModPath| {
        files
            .get(m)
            .and_then(|p| p.strip_prefix(src).ok())
            .map_or_else(|| m.join("/"), |p| p.display().to_string())
    };
    let mut cycles: Vec<Vec<String>> = strongly_connected(&edges)
        .into_iter()
        .filter(|c| c.len() > 1)
        .map(|c| {
            let mut names: Vec<String> = c.iter().map(label).collect();
            names.sort();
            names
        })
        .collect();
    cycles.sort();
    Ok(cycles)
}

/// Every source file of the crate (binaries under `src/bin` are separate crates and
/// left out), by module path.
fn module_files(src: &Path) -> Result<BTreeMap<ModPath, PathBuf>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("listing {}", dir.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                if path != src.join("bin") {
                    stack.push(path);
                }
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src)?.with_extension("");
            let mut module: ModPath = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if module
                .last()
                .is_some_and(|l| l == "mod" || l == "lib" || l == "main")
            {
                module.pop();
            }
            out.insert(module, path);
        }
    }
    Ok(out)
}

fn is_facade(path: &Path) -> bool {
    path.file_stem()
        .is_some_and(|s| s == "mod" || s == "lib" || s == "main")
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Meta>()
                .is_ok_and(|m| matches!(&m, syn::Meta::Path(p) if p.is_ident("test")))
    })
}

/// Reads what a file defines, re-exports and names.
fn file_facts(
    ast: &syn::File,
    module: &ModPath,
    facade: bool,
    exists: &dyn Fn(&ModPath) -> bool,
) -> FileFacts {
    let mut facts = FileFacts::default();
    let mut collector = Names {
        module,
        facade,
        exists,
        names: Vec::new(),
    };
    for item in &ast.items {
        if item_attrs(item).is_some_and(is_cfg_test) {
            continue;
        }
        if let Some(ident) = item_ident(item) {
            facts.defines.insert(ident);
        }
        if let syn::Item::Use(u) = item {
            let public = !matches!(u.vis, syn::Visibility::Inherited);
            let mut flat = Vec::new();
            flatten_use(&u.tree, Vec::new(), &mut flat);
            for (segments, alias) in flat {
                if let Some(abs) = absolute(module, facade, exists, &segments) {
                    if public
                        && let Some(name) = alias.or_else(|| segments.last().cloned())
                        && name != "self"
                        && name != "*"
                    {
                        facts.reexports.insert(name, abs.clone());
                    }
                    collector.names.push(abs);
                }
            }
            continue;
        }
        collector.visit_item(item);
    }
    facts.names = collector.names;
    facts
}

fn item_attrs(item: &syn::Item) -> Option<&[syn::Attribute]> {
    Some(match item {
        syn::Item::Const(i) => &i.attrs,
        syn::Item::Enum(i) => &i.attrs,
        syn::Item::Fn(i) => &i.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Macro(i) => &i.attrs,
        syn::Item::Mod(i) => &i.attrs,
        syn::Item::Static(i) => &i.attrs,
        syn::Item::Struct(i) => &i.attrs,
        syn::Item::Trait(i) => &i.attrs,
        syn::Item::Type(i) => &i.attrs,
        syn::Item::Union(i) => &i.attrs,
        syn::Item::Use(i) => &i.attrs,
        _ => return None,
    })
}

fn item_ident(item: &syn::Item) -> Option<String> {
    let ident = match item {
        syn::Item::Const(i) => &i.ident,
        syn::Item::Enum(i) => &i.ident,
        syn::Item::Fn(i) => &i.sig.ident,
        syn::Item::Static(i) => &i.ident,
        syn::Item::Struct(i) => &i.ident,
        syn::Item::Trait(i) => &i.ident,
        syn::Item::Type(i) => &i.ident,
        syn::Item::Union(i) => &i.ident,
        syn::Item::Macro(i) => i.ident.as_ref()?,
        _ => return None,
    };
    Some(ident.to_string())
}

/// Every leaf of a use tree, as its segments and its alias (`use a::b as c`).
fn flatten_use(
    tree: &syn::UseTree,
    prefix: Vec<String>,
    out: &mut Vec<(Vec<String>, Option<String>)>,
) {
    match tree {
        syn::UseTree::Path(p) => {
            let mut next = prefix;
            next.push(p.ident.to_string());
            flatten_use(&p.tree, next, out);
        }
        syn::UseTree::Name(n) => {
            let mut next = prefix;
            next.push(n.ident.to_string());
            out.push((next, None));
        }
        syn::UseTree::Rename(r) => {
            let mut next = prefix;
            next.push(r.ident.to_string());
            out.push((next, Some(r.rename.to_string())));
        }
        syn::UseTree::Glob(_) => {
            let mut next = prefix;
            next.push("*".into());
            out.push((next, None));
        }
        syn::UseTree::Group(g) => {
            for t in &g.items {
                flatten_use(t, prefix.clone(), out);
            }
        }
    }
}

/// The absolute path (from the crate root) that `segments`, written in `module`, names;
/// `None` for paths into other crates.
fn absolute(
    module: &ModPath,
    facade: bool,
    exists: &dyn Fn(&ModPath) -> bool,
    segments: &[String],
) -> Option<ModPath> {
    let first = segments.first()?;
    match first.as_str() {
        "crate" => Some(segments[1..].to_vec()),
        "super" | "self" => {
            // Inside a non-facade file `a/b.rs`, `self` is `a::b` and `super` is `a`.
            let mut base = module.clone();
            let mut rest = segments;
            while let Some(s) = rest.first() {
                match s.as_str() {
                    "super" => {
                        base.pop();
                    }
                    "self" => {}
                    _ => break,
                }
                rest = &rest[1..];
            }
            base.extend(rest.iter().cloned());
            Some(base)
        }
        _ => {
            // A bare path is a child module when the file is a facade (2018 edition).
            let mut child = module.clone();
            child.push(first.clone());
            (facade && exists(&child)).then(|| {
                let mut p = module.clone();
                p.extend(segments.iter().cloned());
                p
            })
        }
    }
}

/// Collects qualified paths in expressions, types and patterns outside test modules.
struct Names<'a> {
    module: &'a ModPath,
    facade: bool,
    exists: &'a dyn Fn(&ModPath) -> bool,
    names: Vec<ModPath>,
}

impl<'ast> Visit<'ast> for Names<'_> {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if !is_cfg_test(&m.attrs) {
            syn::visit::visit_item_mod(self, m);
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        if path.segments.len() > 1 {
            let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
            if let Some(abs) = absolute(self.module, self.facade, self.exists, &segments) {
                self.names.push(abs);
            }
        }
        syn::visit::visit_path(self, path);
    }
}

/// The file that defines what `path` names, following re-exports.
fn resolve(facts: &HashMap<ModPath, FileFacts>, path: &ModPath, depth: u8) -> Option<ModPath> {
    for k in (0..=path.len()).rev() {
        let module = path[..k].to_vec();
        let Some(f) = facts.get(&module) else {
            continue;
        };
        let Some(name) = path.get(k) else {
            return Some(module);
        };
        if f.defines.contains(name) || depth > 16 {
            return Some(module);
        }
        if let Some(target) = f.reexports.get(name) {
            let mut next = target.clone();
            next.extend(path[k + 1..].iter().cloned());
            return resolve(facts, &next, depth + 1).or(Some(module));
        }
        return Some(module);
    }
    None
}

/// Tarjan's strongly connected components.
fn strongly_connected(edges: &BTreeMap<ModPath, BTreeSet<ModPath>>) -> Vec<Vec<ModPath>> {
    struct State<'e> {
        edges: &'e BTreeMap<ModPath, BTreeSet<ModPath>>,
        index: HashMap<ModPath, usize>,
        low: HashMap<ModPath, usize>,
        stack: Vec<ModPath>,
        on_stack: BTreeSet<ModPath>,
        next: usize,
        out: Vec<Vec<ModPath>>,
    }
    fn visit(s: &mut State<'_>, v: &ModPath) {
        s.index.insert(v.clone(), s.next);
        s.low.insert(v.clone(), s.next);
        s.next += 1;
        s.stack.push(v.clone());
        s.on_stack.insert(v.clone());
        let targets: Vec<ModPath> = s
            .edges
            .get(v)
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default();
        for w in &targets {
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low[v];
                s.low.insert(v.clone(), lv.min(lw));
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low[v];
                s.low.insert(v.clone(), lv.min(iw));
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(&w);
                let done = &w == v;
                component.push(w);
                if done {
                    break;
                }
            }
            s.out.push(component);
        }
    }
    let mut s = State {
        edges,
        index: HashMap::new(),
        low: HashMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> tempfile_dir::Dir {
        let dir = tempfile_dir::Dir::new();
        for (path, text) in files {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        dir
    }

    /// A tiny temporary folder without a dependency.
    mod tempfile_dir {
        pub struct Dir(std::path::PathBuf);
        impl Dir {
            pub fn new() -> Self {
                let mut p = std::env::temp_dir();
                p.push(format!(
                    "xtask-layers-{}-{}",
                    std::process::id(),
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .unwrap()
                        .as_nanos()
                ));
                std::fs::create_dir_all(&p).unwrap();
                Self(p)
            }
            pub fn path(&self) -> &std::path::Path {
                &self.0
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    #[test]
    fn a_facade_that_only_reexports_closes_no_cycle() {
        let dir = tree(&[
            ("lib.rs", "mod a;\npub use a::{Handle, Error};\n"),
            (
                "a/mod.rs",
                "mod handle;\nmod error;\nmod area;\npub use handle::Handle;\npub use error::Error;\n",
            ),
            (
                "a/handle.rs",
                "use super::error::Error;\npub struct Handle;\n",
            ),
            ("a/error.rs", "pub enum Error { X }\n"),
            (
                "a/area.rs",
                "use super::Handle;\nuse crate::Error;\nimpl Handle { fn f() -> Result<(), Error> { Ok(()) } }\n",
            ),
        ]);
        assert!(crate_cycles(dir.path()).unwrap().is_empty());
    }

    #[test]
    fn a_facade_that_defines_what_its_children_use_is_a_cycle() {
        let dir = tree(&[
            ("lib.rs", "mod a;\n"),
            (
                "a/mod.rs",
                "mod child;\npub struct Handle;\nfn f() { child::g(); }\n",
            ),
            (
                "a/child.rs",
                "use super::Handle;\npub fn g() -> Option<Handle> { None }\n",
            ),
        ]);
        assert_eq!(
            crate_cycles(dir.path()).unwrap(),
            vec![vec!["a/child.rs".to_owned(), "a/mod.rs".to_owned()]]
        );
    }

    #[test]
    fn two_files_naming_each_other_are_a_cycle_but_tests_may_reach_anywhere() {
        let dir = tree(&[
            ("lib.rs", "pub mod x;\npub mod y;\npub mod z;\n"),
            (
                "x.rs",
                "pub struct X;\npub fn f() -> crate::y::Y { crate::y::Y }\n",
            ),
            ("y.rs", "pub struct Y;\nfn g(_: super::x::X) {}\n"),
            (
                "z.rs",
                "pub struct Z;\n#[cfg(test)]\nmod tests { use crate::x::X; }\n",
            ),
        ]);
        assert_eq!(
            crate_cycles(dir.path()).unwrap(),
            vec![vec!["x.rs".to_owned(), "y.rs".to_owned()]]
        );
    }

    /// The house rule, on the real workspace: no crate has a cycle between its files.
    #[test]
    fn the_workspace_has_no_import_cycles() {
        let root = workspace_root().unwrap();
        for name in CRATES {
            let cycles = crate_cycles(&root.join(name).join("src")).unwrap();
            assert!(cycles.is_empty(), "{name}: {cycles:?}");
        }
    }
}
