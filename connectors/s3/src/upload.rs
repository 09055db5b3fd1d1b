//! One object being written: its bytes are buffered up to `s3.part.size`, then sent as
//! multipart upload parts as they fill; committing completes the upload (or PUTs a
//! small object in one request). Until then the object is invisible: a crash leaves at
//! most an incomplete multipart upload, which a bucket lifecycle rule cleans up.

use bytes::Bytes;

use crate::client::S3Client;
use crate::error::S3Error;

pub struct ObjectUpload {
    pub key: String,
    part_size: usize,
    buffer: Vec<u8>,
    multipart: Option<Multipart>,
}

struct Multipart {
    upload_id: String,
    /// (part number, ETag) of the parts sent.
    parts: Vec<(u32, String)>,
}

impl ObjectUpload {
    pub fn new(key: String, part_size: usize) -> ObjectUpload {
        ObjectUpload {
            key,
            part_size,
            buffer: Vec::new(),
            multipart: None,
        }
    }

    /// Bytes buffered, not yet sent.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// Appends `bytes` (drained) and sends every full part.
    pub async fn append(&mut self, client: &S3Client, bytes: &mut Vec<u8>) -> Result<(), S3Error> {
        if self.buffer.is_empty() {
            std::mem::swap(&mut self.buffer, bytes);
        } else {
            self.buffer.append(bytes);
        }
        while self.buffer.len() >= self.part_size {
            let rest = self.buffer.split_off(self.part_size);
            let part = std::mem::replace(&mut self.buffer, rest);
            self.send_part(client, Bytes::from(part)).await?;
        }
        Ok(())
    }

    async fn send_part(&mut self, client: &S3Client, part: Bytes) -> Result<(), S3Error> {
        if self.multipart.is_none() {
            let upload_id = client.create_multipart_upload(&self.key).await?;
            tracing::debug!(key = %self.key, "started multipart upload {upload_id}");
            self.multipart = Some(Multipart {
                upload_id,
                parts: Vec::new(),
            });
        }
        let Some(mp) = self.multipart.as_mut() else {
            return Ok(());
        };
        let number = mp.parts.len() as u32 + 1;
        let etag = client
            .upload_part(&self.key, &mp.upload_id, number, part)
            .await?;
        mp.parts.push((number, etag));
        Ok(())
    }

    /// Makes the object visible with everything appended.
    pub async fn commit(mut self, client: &S3Client) -> Result<(), S3Error> {
        let rest = Bytes::from(std::mem::take(&mut self.buffer));
        match self.multipart.take() {
            None => client.put_object(&self.key, rest).await,
            Some(mut mp) => {
                if !rest.is_empty() {
                    let number = mp.parts.len() as u32 + 1;
                    let etag = client
                        .upload_part(&self.key, &mp.upload_id, number, rest)
                        .await?;
                    mp.parts.push((number, etag));
                }
                client
                    .complete_multipart_upload(&self.key, &mp.upload_id, &mp.parts)
                    .await?;
                tracing::debug!(key = %self.key, parts = mp.parts.len(), "completed multipart upload");
                Ok(())
            }
        }
    }

    /// Drops the object: aborts its multipart upload, if one started (best effort).
    pub async fn abort(mut self, client: &S3Client) {
        if let Some(mp) = self.multipart.take() {
            if let Err(e) = client
                .abort_multipart_upload(&self.key, &mp.upload_id)
                .await
            {
                tracing::warn!(key = %self.key, "could not abort multipart upload: {e}");
            }
        }
    }
}
