//! Config providers (Kafka's KIP-297 / KIP-421): `${provider:[path:]key}` placeholders in
//! connector configs, resolved by the worker right before a connector or task starts.
//!
//! Worker keys, as Kafka's:
//!
//! ```properties
//! config.providers=file,env,directory
//! config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider
//! config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider
//! config.providers.env.param.allowlist.pattern=^APP_.*
//! config.providers.directory.class=org.apache.kafka.common.config.provider.DirectoryConfigProvider
//! # optional, file and directory providers (Kafka 3.8+, KIP-993):
//! config.providers.file.param.allowed.paths=/etc/connect,/run/secrets
//! ```
//!
//! * `${file:/path/to/file.properties:key}`: `key` of a properties file;
//! * `${env:VAR}`: an environment variable whose name matches the allowlist pattern
//!   (default `.*`; found anywhere in the name, as Kafka's `asPredicate`, so anchor it
//!   with `^...$`); a path is an error, as in Kafka;
//! * `${directory:/dir:filename}`: the contents of the file `filename` in `/dir`.
//!
//! As in Kafka's `ConfigTransformer`, a placeholder whose provider is not configured, or
//! whose provider has no value for the key (or, for the directory provider, whose path
//! is not a directory), is left as it is; a provider that fails (an unreadable
//! properties file, a path given to the env provider) is an error naming the path.
//! The stored config and every REST response keep the unresolved text; only the
//! worker's running instances see resolved values.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use connect_api::config::load_properties_file;
use connect_api::Props;
use regex::Regex;

pub const FILE_PROVIDER: &str = "org.apache.kafka.common.config.provider.FileConfigProvider";
pub const ENV_PROVIDER: &str = "org.apache.kafka.common.config.provider.EnvVarConfigProvider";
pub const DIRECTORY_PROVIDER: &str =
    "org.apache.kafka.common.config.provider.DirectoryConfigProvider";

/// Kafka's `ConfigTransformer.DEFAULT_PATTERN`: `${provider:[path:]key}`.
fn pattern() -> &'static Regex {
    static P: OnceLock<Regex> = OnceLock::new();
    P.get_or_init(|| {
        Regex::new(r"\$\{([^}]*?):(([^}]*?):)?([^}]*?)\}").expect("the placeholder pattern")
    })
}

/// Whether `value` contains a `${provider:[path:]key}` placeholder.
pub fn has_placeholder(value: &str) -> bool {
    pattern().is_match(value)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// A worker key is wrong (names the key).
    #[error("Invalid value {value} for configuration {key}: {reason}")]
    WorkerConfig {
        key: String,
        value: String,
        reason: String,
    },
    /// A provider could not produce values (Kafka's ConfigException from `get`).
    #[error("{0}")]
    Resolve(String),
}

#[derive(Debug, Clone)]
enum Kind {
    File,
    Env { allowlist: Regex },
    Directory,
}

#[derive(Debug, Clone)]
struct Provider {
    kind: Kind,
    /// KIP-993 `allowed.paths` (file and directory providers): None allows every path.
    allowed_paths: Option<Vec<PathBuf>>,
}

/// The worker's configured providers (empty: no `config.providers`).
#[derive(Debug, Clone, Default)]
pub struct ConfigProviders {
    providers: BTreeMap<String, Provider>,
}

impl ConfigProviders {
    /// Reads `config.providers` and `config.providers.<name>.class` / `.param.*`.
    pub fn from_worker_props(props: &Props) -> Result<Self, ProviderError> {
        let mut providers = BTreeMap::new();
        let Some(names) = props.get("config.providers") else {
            return Ok(ConfigProviders { providers });
        };
        for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let class_key = format!("config.providers.{name}.class");
            let class = props.get(&class_key).map(|c| c.trim()).ok_or_else(|| {
                ProviderError::WorkerConfig {
                    key: class_key.clone(),
                    value: "null".into(),
                    reason: format!(
                        "config provider {name} is listed in config.providers but has no class"
                    ),
                }
            })?;
            let param = |p: &str| props.get(&format!("config.providers.{name}.param.{p}"));
            let kind = match class {
                FILE_PROVIDER | "FileConfigProvider" => Kind::File,
                DIRECTORY_PROVIDER | "DirectoryConfigProvider" => Kind::Directory,
                ENV_PROVIDER | "EnvVarConfigProvider" => {
                    let key = format!("config.providers.{name}.param.allowlist.pattern");
                    let text = param("allowlist.pattern").map(String::as_str).unwrap_or(".*");
                    // Unanchored, as Kafka's `Pattern.asPredicate()` (a find, not a
                    // full match): anchor it with ^...$ to match whole names.
                    let allowlist = Regex::new(text).map_err(|e| {
                        ProviderError::WorkerConfig {
                            key,
                            value: text.to_string(),
                            reason: format!("not a valid regular expression: {e}"),
                        }
                    })?;
                    Kind::Env { allowlist }
                }
                other => {
                    return Err(ProviderError::WorkerConfig {
                        key: class_key,
                        value: other.to_string(),
                        reason: format!(
                            "unknown config provider class; raftconnect provides {FILE_PROVIDER}, {ENV_PROVIDER} and {DIRECTORY_PROVIDER}"
                        ),
                    })
                }
            };
            let allowed_paths = match (&kind, param("allowed.paths")) {
                (Kind::File | Kind::Directory, Some(list)) => {
                    let key = format!("config.providers.{name}.param.allowed.paths");
                    let mut paths = Vec::new();
                    for p in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                        let path = PathBuf::from(p);
                        if !path.is_absolute() {
                            return Err(ProviderError::WorkerConfig {
                                key,
                                value: list.clone(),
                                reason: format!("path {p} is not absolute"),
                            });
                        }
                        paths.push(normalize(&path));
                    }
                    Some(paths)
                }
                _ => None,
            };
            providers.insert(
                name.to_string(),
                Provider {
                    kind,
                    allowed_paths,
                },
            );
        }
        Ok(ConfigProviders { providers })
    }

    pub fn is_empty(&self) -> bool {
        self.providers.is_empty()
    }

    /// The names of the configured providers.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.providers.keys().map(String::as_str)
    }

    /// `config` with every placeholder whose provider has a value replaced (Kafka's
    /// `ConfigTransformer.transform`). Providers are asked once per (provider, path).
    pub fn resolve(&self, config: &Props) -> Result<Props, ProviderError> {
        let data = self.lookup(config.values().map(String::as_str))?;
        Ok(config
            .iter()
            .map(|(k, v)| (k.clone(), replace(v, &data)))
            .collect())
    }

    /// Resolves one value.
    pub fn resolve_value(&self, value: &str) -> Result<String, ProviderError> {
        let data = self.lookup(std::iter::once(value))?;
        Ok(replace(value, &data))
    }

    /// Asks each provider for the keys the values refer to.
    fn lookup<'a>(&self, values: impl Iterator<Item = &'a str>) -> Result<Data, ProviderError> {
        // provider -> path -> keys
        let mut wanted: BTreeMap<&str, BTreeMap<&str, BTreeSet<&str>>> = BTreeMap::new();
        for v in values {
            for c in pattern().captures_iter(v) {
                let provider = c.get(1).map_or("", |m| m.as_str());
                if !self.providers.contains_key(provider) {
                    continue;
                }
                let path = c.get(3).map_or("", |m| m.as_str());
                let key = c.get(4).map_or("", |m| m.as_str());
                wanted
                    .entry(provider)
                    .or_default()
                    .entry(path)
                    .or_default()
                    .insert(key);
            }
        }
        let mut data = Data::new();
        for (name, paths) in wanted {
            let provider = &self.providers[name];
            for (path, keys) in paths {
                let values = provider.get(path, &keys)?;
                data.insert((name.to_string(), path.to_string()), values);
            }
        }
        Ok(data)
    }
}

/// (provider, path) -> key -> value.
type Data = BTreeMap<(String, String), BTreeMap<String, String>>;

fn replace(value: &str, data: &Data) -> String {
    pattern()
        .replace_all(value, |c: &regex::Captures| {
            let provider = c.get(1).map_or("", |m| m.as_str());
            let path = c.get(3).map_or("", |m| m.as_str());
            let key = c.get(4).map_or("", |m| m.as_str());
            data.get(&(provider.to_string(), path.to_string()))
                .and_then(|d| d.get(key))
                .cloned()
                .unwrap_or_else(|| c[0].to_string())
        })
        .into_owned()
}

/// Lexically normalized (`.` and `..` removed), as Java's `Path.normalize`.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

impl Provider {
    fn check_allowed(&self, path: &str) -> Result<(), ProviderError> {
        let Some(allowed) = &self.allowed_paths else {
            return Ok(());
        };
        let p = normalize(Path::new(path));
        if allowed.iter().any(|a| p.starts_with(a)) {
            Ok(())
        } else {
            Err(ProviderError::Resolve(format!(
                "The path {path} is not allowed to be accessed (allowed.paths)"
            )))
        }
    }

    fn get(
        &self,
        path: &str,
        keys: &BTreeSet<&str>,
    ) -> Result<BTreeMap<String, String>, ProviderError> {
        let mut out = BTreeMap::new();
        match &self.kind {
            Kind::Env { allowlist } => {
                if !path.is_empty() {
                    return Err(ProviderError::Resolve(format!(
                        "Path is not supported for EnvVarConfigProvider, invalid value '{path}'"
                    )));
                }
                for key in keys {
                    if !allowlist.is_match(key) {
                        continue;
                    }
                    if let Ok(v) = std::env::var(key) {
                        out.insert(key.to_string(), v);
                    }
                }
            }
            Kind::File => {
                if path.is_empty() {
                    return Ok(out);
                }
                self.check_allowed(path)?;
                let props = load_properties_file(Path::new(path)).map_err(|e| {
                    ProviderError::Resolve(format!(
                        "Could not read properties from file {path}: {e}"
                    ))
                })?;
                for key in keys {
                    if let Some(v) = props.get(*key) {
                        out.insert(key.to_string(), v.clone());
                    }
                }
            }
            Kind::Directory => {
                if path.is_empty() {
                    return Ok(out);
                }
                self.check_allowed(path)?;
                let dir = Path::new(path);
                if !dir.is_dir() {
                    // Kafka's: a warning, and no values (placeholders stay).
                    tracing::warn!("The path {path} is not a directory (DirectoryConfigProvider)");
                    return Ok(out);
                }
                for key in keys {
                    // Only regular files directly in the directory, as Kafka's.
                    if key.is_empty() || key.contains('/') || *key == "." || *key == ".." {
                        continue;
                    }
                    let file = dir.join(key);
                    if !file.is_file() {
                        continue;
                    }
                    let text = std::fs::read(&file).map_err(|e| {
                        ProviderError::Resolve(format!(
                            "Could not read file {} for property {key}: {e}",
                            file.display()
                        ))
                    })?;
                    out.insert(key.to_string(), String::from_utf8_lossy(&text).into_owned());
                }
            }
        }
        Ok(out)
    }
}

/// Kafka's `AbstractHerder.reverseTransform`: task configs computed from a resolved
/// connector config get, for every key whose raw connector value has a placeholder and
/// whose task value equals the resolved one, the raw text back, so resolved secrets
/// are never stored.
pub fn reverse_transform(raw: &Props, resolved: &Props, tasks: Vec<Props>) -> Vec<Props> {
    tasks
        .into_iter()
        .map(|mut task| {
            for (key, raw_value) in raw {
                if !has_placeholder(raw_value) {
                    continue;
                }
                if task.get(key).is_some_and(|v| Some(v) == resolved.get(key)) {
                    task.insert(key.clone(), raw_value.clone());
                }
            }
            task
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> Props {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn all() -> ConfigProviders {
        ConfigProviders::from_worker_props(&props(&[
            ("config.providers", "file, env,directory"),
            ("config.providers.file.class", FILE_PROVIDER),
            ("config.providers.env.class", ENV_PROVIDER),
            ("config.providers.env.param.allowlist.pattern", "RC_TEST_.*"),
            ("config.providers.directory.class", DIRECTORY_PROVIDER),
        ]))
        .unwrap()
    }

    #[test]
    fn parses_the_placeholder_syntax() {
        let c = pattern().captures("${file:/a/b.properties:k}").unwrap();
        assert_eq!(&c[1], "file");
        assert_eq!(&c[3], "/a/b.properties");
        assert_eq!(&c[4], "k");
        let c = pattern().captures("${env:VAR}").unwrap();
        assert_eq!(&c[1], "env");
        assert!(c.get(3).is_none());
        assert_eq!(&c[4], "VAR");
        assert!(has_placeholder("jdbc:${env:HOST}:5432"));
        assert!(!has_placeholder("${novalue}"));
        assert!(!has_placeholder("plain"));
    }

    #[test]
    fn env_with_allowlist_and_nested_text() {
        std::env::set_var("RC_TEST_HOST", "db.example");
        std::env::set_var("RC_OTHER_SECRET", "nope");
        let p = all();
        assert_eq!(
            p.resolve_value("jdbc:${env:RC_TEST_HOST}:5432/${env:RC_TEST_HOST}")
                .unwrap(),
            "jdbc:db.example:5432/db.example"
        );
        // Not on the allowlist, or not set: left as it is (Kafka's behaviour).
        assert_eq!(
            p.resolve_value("${env:RC_OTHER_SECRET}").unwrap(),
            "${env:RC_OTHER_SECRET}"
        );
        assert_eq!(
            p.resolve_value("${env:RC_TEST_MISSING}").unwrap(),
            "${env:RC_TEST_MISSING}"
        );
        // A path is an error for the env provider.
        let e = p.resolve_value("${env:/x:RC_TEST_HOST}").unwrap_err();
        assert!(e.to_string().contains("Path is not supported"), "{e}");
        // Default allowlist: everything.
        let open = ConfigProviders::from_worker_props(&props(&[
            ("config.providers", "env"),
            ("config.providers.env.class", ENV_PROVIDER),
        ]))
        .unwrap();
        assert_eq!(
            open.resolve_value("${env:RC_OTHER_SECRET}").unwrap(),
            "nope"
        );
    }

    #[test]
    fn file_and_directory() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("creds.properties");
        std::fs::write(&file, "user=alice\npassword = s3cret\n").unwrap();
        std::fs::write(dir.path().join("token"), "tok\n").unwrap();
        let p = all();
        let f = file.display();
        let d = dir.path().display();
        let config = props(&[
            ("a", &format!("${{file:{f}:user}}")),
            ("b", &format!("${{file:{f}:password}}")),
            ("c", &format!("${{file:{f}:missing}}")),
            ("d", &format!("${{directory:{d}:token}}")),
            ("e", &format!("${{directory:{d}:absent}}")),
            ("f", "${nosuch:x}"),
            ("g", "plain"),
        ]);
        let r = p.resolve(&config).unwrap();
        assert_eq!(r["a"], "alice");
        assert_eq!(r["b"], "s3cret");
        assert_eq!(r["c"], config["c"]);
        assert_eq!(r["d"], "tok\n");
        assert_eq!(r["e"], config["e"]);
        assert_eq!(r["f"], "${nosuch:x}");
        assert_eq!(r["g"], "plain");

        let e = p
            .resolve_value("${file:/no/such/file.properties:k}")
            .unwrap_err();
        assert!(e.to_string().contains("/no/such/file.properties"), "{e}");
        // Not a directory: Kafka warns and resolves nothing.
        assert_eq!(
            p.resolve_value("${directory:/no/such/dir:k}").unwrap(),
            "${directory:/no/such/dir:k}"
        );
    }

    #[test]
    fn allowed_paths() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.properties");
        std::fs::write(&file, "k=v").unwrap();
        let p = ConfigProviders::from_worker_props(&props(&[
            ("config.providers", "file"),
            ("config.providers.file.class", FILE_PROVIDER),
            (
                "config.providers.file.param.allowed.paths",
                &dir.path().display().to_string(),
            ),
        ]))
        .unwrap();
        assert_eq!(
            p.resolve_value(&format!("${{file:{}:k}}", file.display()))
                .unwrap(),
            "v"
        );
        let e = p
            .resolve_value(&format!(
                "${{file:{}/../../etc/passwd:k}}",
                dir.path().display()
            ))
            .unwrap_err();
        assert!(e.to_string().contains("not allowed"), "{e}");
    }

    #[test]
    fn unknown_provider_classes_name_the_key() {
        let e = ConfigProviders::from_worker_props(&props(&[
            ("config.providers", "vault"),
            (
                "config.providers.vault.class",
                "com.example.VaultConfigProvider",
            ),
        ]))
        .unwrap_err();
        assert!(
            e.to_string().contains("config.providers.vault.class"),
            "{e}"
        );
        assert!(
            e.to_string().contains("com.example.VaultConfigProvider"),
            "{e}"
        );
        let e =
            ConfigProviders::from_worker_props(&props(&[("config.providers", "x")])).unwrap_err();
        assert!(e.to_string().contains("config.providers.x.class"), "{e}");
        let e = ConfigProviders::from_worker_props(&props(&[
            ("config.providers", "env"),
            ("config.providers.env.class", ENV_PROVIDER),
            ("config.providers.env.param.allowlist.pattern", "("),
        ]))
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("config.providers.env.param.allowlist.pattern"),
            "{e}"
        );
        assert!(ConfigProviders::from_worker_props(&Props::new())
            .unwrap()
            .is_empty());
    }

    #[test]
    fn reverse_transform_restores_placeholders() {
        let raw = props(&[("pw", "${env:X}"), ("file", "/tmp/a")]);
        let resolved = props(&[("pw", "secret"), ("file", "/tmp/a")]);
        let tasks = vec![props(&[
            ("pw", "secret"),
            ("file", "/tmp/a"),
            ("other", "secret"),
        ])];
        let t = reverse_transform(&raw, &resolved, tasks);
        assert_eq!(t[0]["pw"], "${env:X}");
        assert_eq!(t[0]["file"], "/tmp/a");
        assert_eq!(t[0]["other"], "secret");
    }
}
