//! The `_bulk` API: items as NDJSON (an action line, then the document line), and the
//! per-item answers sorted into what the sink does with them.

use serde_json::{json, Value as Json};

use crate::error::EsError;

/// What one bulk item does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `index`: create or replace the document.
    Index,
    /// `update` with `doc_as_upsert`: merge into the document, creating it if missing.
    Upsert,
    Delete,
}

/// One document write.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkItem {
    pub action: Action,
    pub index: String,
    pub id: String,
    /// An external version (`version_type=external`): the server keeps the highest.
    pub version: Option<i64>,
    /// The document as JSON text (None for deletes).
    pub doc: Option<String>,
}

/// `retry_on_conflict` of upserts: updates of one document racing each other (several
/// tasks, or a retried request) are re-applied rather than failed, as Confluent's.
const UPSERT_RETRY_ON_CONFLICT: u32 = 5;

impl BulkItem {
    pub fn new(
        action: Action,
        index: String,
        id: String,
        version: Option<i64>,
        doc: Option<String>,
    ) -> Self {
        BulkItem {
            action,
            index,
            id,
            version,
            doc,
        }
    }

    /// Roughly the bytes this item adds to a request, for `bulk.size.bytes`.
    pub fn size_hint(&self) -> usize {
        64 + self.index.len() + self.id.len() + self.doc.as_ref().map_or(0, String::len)
    }

    /// Appends the item's NDJSON lines to `out`.
    pub fn write_ndjson(&self, out: &mut Vec<u8>) {
        let mut meta = json!({"_index": self.index, "_id": self.id});
        if let Some(version) = self.version {
            meta["version"] = json!(version);
            meta["version_type"] = json!("external");
        }
        let action = match self.action {
            Action::Index => "index",
            Action::Upsert => {
                meta["retry_on_conflict"] = json!(UPSERT_RETRY_ON_CONFLICT);
                "update"
            }
            Action::Delete => "delete",
        };
        out.extend_from_slice(json!({ action: meta }).to_string().as_bytes());
        out.push(b'\n');
        match (&self.action, &self.doc) {
            (Action::Delete, _) | (_, None) => {}
            (Action::Index, Some(doc)) => {
                out.extend_from_slice(doc.as_bytes());
                out.push(b'\n');
            }
            (Action::Upsert, Some(doc)) => {
                out.extend_from_slice(b"{\"doc\":");
                out.extend_from_slice(doc.as_bytes());
                out.extend_from_slice(b",\"doc_as_upsert\":true}\n");
            }
        }
    }
}

/// The NDJSON body of a `_bulk` request for `items`.
pub fn request_body<'a>(items: impl IntoIterator<Item = &'a BulkItem>) -> Vec<u8> {
    let mut out = Vec::new();
    for item in items {
        item.write_ndjson(&mut out);
    }
    out
}

/// The error types Confluent treats as a malformed document
/// (`behavior.on.malformed.documents`), plus Elasticsearch 8's name for mapping errors.
const MALFORMED_DOC_ERRORS: [&str; 4] = [
    "mapper_parsing_exception",
    "document_parsing_exception",
    "illegal_argument_exception",
    "action_request_validation_exception",
];

const VERSION_CONFLICT: &str = "version_conflict_engine_exception";

/// What the server said about one item.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemOutcome {
    /// Written (or, for a delete, already absent).
    Done,
    /// A version conflict: the server holds this or a newer version of the document.
    VersionConflict(String),
    /// The document itself was refused (a mapping conflict, an illegal field name).
    Malformed(String),
    /// Worth trying again (429, 5xx): the server could not take it now.
    Retriable(String),
    /// Any other refusal.
    Failed(String),
}

/// "type: reason" of an error object and its `caused_by` chain, the server's own words.
fn failure_message(error: &Json) -> String {
    let mut parts = Vec::new();
    let mut cur = Some(error);
    while let Some(e) = cur {
        let kind = e.get("type").and_then(Json::as_str).unwrap_or("error");
        let reason = e.get("reason").and_then(Json::as_str).unwrap_or("");
        parts.push(format!("{kind}: {reason}"));
        cur = e.get("caused_by");
    }
    if parts.is_empty() {
        error.to_string()
    } else {
        parts.join("; caused by ")
    }
}

fn error_types(error: &Json) -> Vec<&str> {
    let mut types = Vec::new();
    let mut cur = Some(error);
    while let Some(e) = cur {
        if let Some(t) = e.get("type").and_then(Json::as_str) {
            types.push(t);
        }
        cur = e.get("caused_by");
    }
    types
}

/// Sorts one item's answer (the object inside `{"index": {...}}`).
pub fn classify(item: &Json) -> ItemOutcome {
    let status = item.get("status").and_then(Json::as_u64).unwrap_or(0);
    let Some(error) = item.get("error") else {
        return ItemOutcome::Done;
    };
    let message = match error {
        Json::String(s) => s.clone(),
        other => failure_message(other),
    };
    let types = error_types(error);
    if status == 429 || status >= 500 {
        return ItemOutcome::Retriable(message);
    }
    if status == 409 || types.contains(&VERSION_CONFLICT) {
        return ItemOutcome::VersionConflict(message);
    }
    if types.iter().any(|t| MALFORMED_DOC_ERRORS.contains(t)) {
        return ItemOutcome::Malformed(message);
    }
    ItemOutcome::Failed(message)
}

/// The outcome of each of the `expected` items of a `_bulk` answer, in request order.
pub fn parse_response(body: &[u8], expected: usize) -> Result<Vec<ItemOutcome>, EsError> {
    let answer: Json = serde_json::from_slice(body).map_err(|e| {
        EsError::Failed(format!(
            "Elasticsearch answered a bulk request with something that is not JSON ({e}): {:.300}",
            String::from_utf8_lossy(body)
        ))
    })?;
    let items = answer
        .get("items")
        .and_then(Json::as_array)
        .ok_or_else(|| {
            EsError::Failed(format!(
                "Elasticsearch answered a bulk request without items: {answer:.300}"
            ))
        })?;
    if items.len() != expected {
        return Err(EsError::Failed(format!(
            "Elasticsearch answered a bulk request of {expected} items with {} items",
            items.len()
        )));
    }
    Ok(items
        .iter()
        .map(
            |wrapped| match wrapped.as_object().and_then(|o| o.values().next()) {
                Some(item) => classify(item),
                None => ItemOutcome::Failed(format!("unexpected bulk item answer: {wrapped}")),
            },
        )
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndjson_lines_per_action() {
        let items = [
            BulkItem::new(
                Action::Index,
                "orders".into(),
                "7".into(),
                Some(42),
                Some(r#"{"a":1}"#.into()),
            ),
            BulkItem::new(
                Action::Upsert,
                "orders".into(),
                "8".into(),
                None,
                Some(r#"{"b":2}"#.into()),
            ),
            BulkItem::new(Action::Delete, "orders".into(), "9".into(), Some(43), None),
            BulkItem::new(
                Action::Index,
                "logs".into(),
                "logs+0+1".into(),
                None,
                Some("{}".into()),
            ),
        ];
        let body = String::from_utf8(request_body(&items)).expect("utf8");
        let lines: Vec<&str> = body.lines().collect();
        assert_eq!(
            lines,
            vec![
                r#"{"index":{"_index":"orders","_id":"7","version":42,"version_type":"external"}}"#,
                r#"{"a":1}"#,
                r#"{"update":{"_index":"orders","_id":"8","retry_on_conflict":5}}"#,
                r#"{"doc":{"b":2},"doc_as_upsert":true}"#,
                r#"{"delete":{"_index":"orders","_id":"9","version":43,"version_type":"external"}}"#,
                r#"{"index":{"_index":"logs","_id":"logs+0+1"}}"#,
                "{}",
            ]
        );
        assert!(body.ends_with('\n'));
    }

    #[test]
    fn item_answers_are_sorted_by_what_to_do() {
        let body = br#"{"took":1,"errors":true,"items":[
            {"index":{"_id":"a","status":201,"result":"created"}},
            {"index":{"_id":"a","status":409,"error":{"type":"version_conflict_engine_exception","reason":"[a]: version conflict, current version [5] is higher or equal to the one provided [3]"}}},
            {"index":{"_id":"b","status":400,"error":{"type":"mapper_parsing_exception","reason":"failed to parse field [n] of type [long]","caused_by":{"type":"illegal_argument_exception","reason":"For input string: \"x\""}}}},
            {"index":{"_id":"c","status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected execution"}}},
            {"delete":{"_id":"d","status":404,"result":"not_found"}},
            {"index":{"_id":"e","status":403,"error":{"type":"cluster_block_exception","reason":"index [x] blocked by: [FORBIDDEN/8/index write (api)]"}}},
            {"index":{"_id":"f","status":503,"error":{"type":"unavailable_shards_exception","reason":"primary shard is not active"}}}
        ]}"#;
        let outcomes = parse_response(body, 7).expect("parsed");
        assert_eq!(outcomes[0], ItemOutcome::Done);
        assert!(matches!(outcomes[1], ItemOutcome::VersionConflict(_)));
        assert_eq!(
            outcomes[2],
            ItemOutcome::Malformed(
                "mapper_parsing_exception: failed to parse field [n] of type [long]; caused by illegal_argument_exception: For input string: \"x\"".into()
            )
        );
        assert!(
            matches!(outcomes[3], ItemOutcome::Retriable(ref m) if m.contains("rejected execution"))
        );
        assert_eq!(outcomes[4], ItemOutcome::Done);
        assert!(matches!(outcomes[5], ItemOutcome::Failed(ref m) if m.contains("FORBIDDEN")));
        assert!(matches!(outcomes[6], ItemOutcome::Retriable(_)));
        assert!(parse_response(body, 6).is_err());
        assert!(parse_response(b"<html>", 1).is_err());
    }
}
