//! An OpenSearch-compatible server (osmem-server) for the Elasticsearch sink's tests.
