//! Typed connector configuration (Kafka's `ConfigDef`): keys with types, defaults,
//! importance, documentation and validators; parsing into typed values with Kafka's
//! exact rules and error messages; and the validation result shape of
//! `PUT /connector-plugins/{type}/config/validate` (`ConfigInfos`).
//!
//! ```
//! use connect_api::config::{ConfigDef, ConfigKey, ConfigType, Importance, Validator};
//! use connect_api::Props;
//!
//! let def = ConfigDef::new()
//!     .define(ConfigKey::new("file", ConfigType::String).importance(Importance::High).doc("Source filename."))
//!     .define(
//!         ConfigKey::new("batch.size", ConfigType::Int)
//!             .default_value(2000)
//!             .validator(Validator::at_least(1)),
//!     );
//!
//! let mut props = Props::new();
//! props.insert("batch.size".into(), "abc".into());
//! let infos = def.validate(&props);
//! // As in Kafka: "file" is missing; "abc" is not an INT, and the range validator then
//! // sees no value ("Invalid value null ...: Value must be non-null").
//! assert_eq!(infos.error_count, 3);
//! assert_eq!(
//!     def.parse(&props).unwrap_err().to_string(),
//!     "Missing required configuration \"file\" which has no default value."
//! );
//!
//! props.insert("file".into(), "/tmp/in.txt".into());
//! props.insert("batch.size".into(), " 100 ".into());
//! let parsed = def.parse(&props).unwrap();
//! assert_eq!(parsed.get_string("file"), Some("/tmp/in.txt"));
//! assert_eq!(parsed.get_int("batch.size"), 100);
//! ```
//!
//! [`properties`] reads configurations as users write them: Java `.properties` files and
//! JSON connector configs.

mod def;
mod error;
mod infos;
pub mod properties;
mod types;
mod validators;

/// Java's `Double.toString(double)`; see [`crate::java::double_to_string`].
pub use crate::java::double_to_string as java_double_to_string;
pub use def::{ConfigDef, ConfigKey, ParsedConfig};
pub use error::ConfigError;
pub use infos::{ConfigInfo, ConfigInfos, ConfigKeyInfo, ConfigValueInfo};
pub use properties::{
    load_connector_config_file, load_properties_file, parse_connector_config, parse_properties,
    PropertiesError,
};
pub use types::{ConfigType, ConfigValue, Importance, Password, Width};
pub use validators::{CustomCheck, Validator};
