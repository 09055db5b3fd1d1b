//! Single Message Transforms (Kafka Connect SMTs) and predicates. The transformations land with their own issue; this crate holds the chain contract the runtime calls.
