//! `/connector-plugins/...` (Kafka's `ConnectorPluginsResource`).

use warp::http::StatusCode;
use warp::reply::Response;

use super::errors::ApiError;
use super::{config_from_json, json, Request};
use crate::herder::Herder;

/// `GET /connector-plugins[?connectorsOnly=true|false]`: `[{"class","type","version"}]`;
/// `connectorsOnly` defaults to true, and any value but `true` lists converters too
/// (JAX-RS reads a boolean parameter with `Boolean.valueOf`).
pub fn list(herder: &Herder, request: &Request) -> Response {
    let connectors_only = request
        .query_first("connectorsOnly")
        .filter(|v| !v.is_empty())
        .is_none_or(|v| v.eq_ignore_ascii_case("true"));
    let plugins = if connectors_only {
        herder.connector_plugins()
    } else {
        herder.all_plugins()
    };
    json(StatusCode::OK, &plugins)
}

/// Kafka's `normalizedPluginName`: `%2E` left encoded by some clients is a dot.
fn normalized(name: &str) -> String {
    name.replace("%2E", ".").replace("%2e", ".")
}

/// `PUT /connector-plugins/{plugin}/config/validate` with a config: Kafka's
/// ConfigInfos, 200 even when the config has errors. An included `connector.class`
/// must match the path's plugin (Kafka's suffix match, or the same plugin by alias);
/// without one, the path's plugin is validated.
pub async fn validate(
    herder: &Herder,
    plugin: &str,
    request: &Request,
) -> Result<Response, ApiError> {
    let mut config = config_from_json(request.json()?, "The connector config")?;
    match config.get("connector.class") {
        Some(included) => {
            let suffix = normalized(included).ends_with(&normalized(plugin));
            let same_plugin = match (
                herder.plugins().find(included),
                herder.plugins().find(plugin),
            ) {
                (Some(a), Some(b)) => a.class == b.class,
                _ => false,
            };
            if !suffix && !same_plugin {
                return Err(ApiError::bad_request(format!(
                    "Included connector type {included} does not match request type {plugin}"
                )));
            }
        }
        None => {
            config.insert("connector.class".to_string(), plugin.to_string());
        }
    }
    // Off the executor, with a timeout: a connector's validate() may block.
    Ok(json(
        StatusCode::OK,
        &herder.validate_isolated(config).await?,
    ))
}

/// `GET /connector-plugins/{plugin}/config` (Kafka 3.2+): the plugin's ConfigKeyInfos.
pub fn config(herder: &Herder, plugin: &str) -> Result<Response, ApiError> {
    let plugin = normalized(plugin);
    match herder.plugin_config(&plugin) {
        Some(keys) => Ok(json(StatusCode::OK, &keys)),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("Unknown plugin {plugin}."),
        )),
    }
}
