//! An S3-compatible server (s3s-fs over a temporary directory) for the S3 sink's tests.
