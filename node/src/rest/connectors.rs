//! `/connectors/...` (Kafka's `ConnectorsResource`).

use raftconnect_raft::TargetState;
use serde::Serialize;
use serde_json::{Map, Value};
use warp::http::StatusCode;
use warp::reply::Response;

use super::errors::ApiError;
use super::{config_from_json, empty, json, json_kind, with_location, Request};
use crate::herder::{Herder, HerderError, OffsetEntry};

/// `GET /connectors`: the names; with `?expand=status` and/or `?expand=info`
/// (repeatable), `{"<name>":{"status":{..},"info":{..}}}`. Unknown expansions are
/// ignored, and a connector deleted meanwhile is left out, as Kafka does.
pub fn list(herder: &Herder, request: &Request) -> Result<Response, ApiError> {
    let names = herder.connector_names();
    if request.query_first("expand").is_none() {
        return Ok(json(StatusCode::OK, &names));
    }
    let mut out = Map::new();
    'connectors: for name in names {
        let mut expansions = Map::new();
        for expansion in request.query_all("expand") {
            let value = match expansion {
                "status" => herder.connector_status(&name).map(to_value),
                "info" => herder.connector_info(&name).map(to_value),
                other => {
                    tracing::debug!(expansion = other, "ignoring unknown expansion type");
                    continue;
                }
            };
            match value {
                Ok(v) => {
                    expansions.insert(expansion.to_string(), v);
                }
                Err(HerderError::NotFound(_)) => continue 'connectors,
                Err(e) => return Err(e.into()),
            }
        }
        out.insert(name, Value::Object(expansions));
    }
    Ok(json(StatusCode::OK, &out))
}

fn to_value<T: Serialize>(value: T) -> Value {
    // The herder's entities are plain structs of strings and numbers: they serialize.
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// `POST /connectors` with `{"name","config"(,"initial_state")}`: 201 with the
/// ConnectorInfo and `Location: /connectors/{name}`.
pub async fn create(herder: &Herder, request: &Request) -> Result<Response, ApiError> {
    let Value::Object(mut body) = request.json()? else {
        return Err(ApiError::bad_request(
            "Request body must be a JSON object with \"name\" and \"config\"",
        ));
    };
    // As Kafka: the name trimmed, a missing name empty (and then refused).
    let name = match body.remove("name") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "\"name\" must be a string, not {}",
                json_kind(&other)
            )))
        }
    };
    let config = match body.remove("config") {
        None | Some(Value::Null) => return Err(ApiError::bad_request(
            "Missing \"config\" in the request body: {\"name\":..., \"config\":{...}} is expected",
        )),
        Some(v) => config_from_json(v, "\"config\"")?,
    };
    let initial = match body.remove("initial_state") {
        None | Some(Value::Null) => TargetState::Running,
        Some(Value::String(s)) => TargetState::parse(&s).ok_or_else(|| {
            ApiError::bad_request(format!(
                "Invalid initial_state {s}: must be one of RUNNING, PAUSED, STOPPED"
            ))
        })?,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "\"initial_state\" must be a string (RUNNING, PAUSED or STOPPED), not {}",
                json_kind(&other)
            )))
        }
    };
    let info = herder.create_connector(&name, config, initial).await?;
    Ok(with_location(json(StatusCode::CREATED, &info), &name))
}

/// `GET /connectors/{name}`.
pub fn info(herder: &Herder, name: &str) -> Result<Response, ApiError> {
    Ok(json(StatusCode::OK, &herder.connector_info(name)?))
}

/// `GET /connectors/{name}/config`.
pub fn config(herder: &Herder, name: &str) -> Result<Response, ApiError> {
    Ok(json(StatusCode::OK, &herder.connector_config(name)?))
}

/// `PUT /connectors/{name}/config`: 201 (with `Location`) when created, 200 when
/// updated, with the ConnectorInfo.
pub async fn put_config(
    herder: &Herder,
    name: &str,
    request: &Request,
) -> Result<Response, ApiError> {
    let config = config_from_json(request.json()?, "The connector config")?;
    let (created, info) = herder.put_connector_config(name, config).await?;
    Ok(if created {
        with_location(json(StatusCode::CREATED, &info), name)
    } else {
        json(StatusCode::OK, &info)
    })
}

/// `GET /connectors/{name}/status`.
pub fn status(herder: &Herder, name: &str) -> Result<Response, ApiError> {
    Ok(json(StatusCode::OK, &herder.connector_status(name)?))
}

/// `GET /connectors/{name}/tasks`: `[{"id":{"connector","task"},"config":{..}}]`.
pub fn tasks(herder: &Herder, name: &str) -> Result<Response, ApiError> {
    Ok(json(StatusCode::OK, &herder.task_configs(name)?))
}

/// `GET /connectors/{name}/tasks/{task}/status`.
pub fn task_status(herder: &Herder, name: &str, task: u32) -> Result<Response, ApiError> {
    Ok(json(StatusCode::OK, &herder.task_status(name, task)?))
}

/// `PUT /connectors/{name}/pause`: 202, no body.
pub async fn pause(herder: &Herder, name: &str) -> Result<Response, ApiError> {
    herder.set_target_state(name, TargetState::Paused).await?;
    Ok(empty(StatusCode::ACCEPTED))
}

/// `PUT /connectors/{name}/resume`: 202, no body.
pub async fn resume(herder: &Herder, name: &str) -> Result<Response, ApiError> {
    herder.set_target_state(name, TargetState::Running).await?;
    Ok(empty(StatusCode::ACCEPTED))
}

/// `PUT /connectors/{name}/stop`: 204.
pub async fn stop(herder: &Herder, name: &str) -> Result<Response, ApiError> {
    herder.set_target_state(name, TargetState::Stopped).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `DELETE /connectors/{name}`: 204.
pub async fn delete(herder: &Herder, name: &str) -> Result<Response, ApiError> {
    herder.delete_connector(name).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `PATCH /connectors/{name}/config` (Kafka 3.6+): the body's keys merged into the
/// config, a null value removing the key; 200 with the ConnectorInfo.
pub async fn patch_config(
    herder: &Herder,
    name: &str,
    request: &Request,
) -> Result<Response, ApiError> {
    let body = request.json()?;
    let Value::Object(map) = body else {
        return Err(ApiError::bad_request(format!(
            "The connector config patch must be a JSON object of string (or null) values, not {}",
            json_kind(&body)
        )));
    };
    let mut patch = Vec::with_capacity(map.len());
    for (key, value) in map {
        let value = match value {
            Value::Null => None,
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            other => {
                return Err(ApiError::bad_request(format!(
                    "The connector config patch: the value of \"{key}\" must be a string or null, not {}",
                    json_kind(&other)
                )))
            }
        };
        patch.push((key, value));
    }
    let info = herder.patch_connector_config(name, patch).await?;
    Ok(json(StatusCode::OK, &info))
}

/// A boolean query parameter as JAX-RS reads one (`Boolean.valueOf`, default false).
fn query_flag(request: &Request, key: &str) -> bool {
    request
        .query_first(key)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// `POST /connectors/{name}/restart[?includeTasks=..&onlyFailed=..]`: the plain form
/// restarts the connector instance only (204); otherwise 202 with the restart plan.
pub async fn restart(herder: &Herder, name: &str, request: &Request) -> Result<Response, ApiError> {
    let include_tasks = query_flag(request, "includeTasks");
    let only_failed = query_flag(request, "onlyFailed");
    if !include_tasks && !only_failed {
        herder.restart_connector(name).await?;
        return Ok(empty(StatusCode::NO_CONTENT));
    }
    let plan = herder
        .restart_connector_and_tasks(name, include_tasks, only_failed)
        .await?;
    Ok(json(StatusCode::ACCEPTED, &plan))
}

/// `PATCH /connectors/{name}/offsets` with `{"offsets":[{"partition":{..},"offset":{..}|null}]}`.
pub async fn alter_offsets(
    herder: &Herder,
    name: &str,
    request: &Request,
) -> Result<Response, ApiError> {
    let body = request.json()?;
    let offsets = match body {
        Value::Object(mut map) => match map.remove("offsets") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    let Value::Object(mut entry) = item else {
                        return Err(ApiError::bad_request(format!(
                            "Each element of \"offsets\" must be an object with \"partition\" and \"offset\", not {}",
                            json_kind(&item)
                        )));
                    };
                    out.push(OffsetEntry {
                        partition: entry.remove("partition").unwrap_or(Value::Null),
                        offset: entry.remove("offset").unwrap_or(Value::Null),
                    });
                }
                out
            }
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "\"offsets\" must be an array, not {}",
                    json_kind(&other)
                )))
            }
        },
        other => {
            return Err(ApiError::bad_request(format!(
                "Request body must be a JSON object with \"offsets\", not {}",
                json_kind(&other)
            )))
        }
    };
    Ok(json(
        StatusCode::OK,
        &herder.alter_offsets(name, offsets).await?,
    ))
}
