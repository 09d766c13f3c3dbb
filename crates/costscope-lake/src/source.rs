//! Where input comes from: a local directory or file, or `s3://bucket/prefix`, behind one
//! `object_store` interface so every reader works the same on both.

use std::sync::Arc;

use futures::TryStreamExt;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};

use crate::{Error, Result};

/// An opened input location.
#[derive(Clone)]
pub struct Source {
    store: Arc<dyn ObjectStore>,
    /// Prefix inside the store that the user named (empty for a local directory).
    prefix: Path,
    /// What the user typed, for messages.
    display: String,
    /// For a local source naming a single file, its name.
    single_file: Option<Path>,
    /// The directory behind a local source.
    local_root: Option<std::path::PathBuf>,
}

/// A local copy of a source object: the file itself for a local source, else a download.
pub enum LocalCopy {
    Path(std::path::PathBuf),
    Temp(tempfile::NamedTempFile),
}

impl LocalCopy {
    /// Where the copy is.
    pub fn path(&self) -> &std::path::Path {
        match self {
            LocalCopy::Path(p) => p,
            LocalCopy::Temp(t) => t.path(),
        }
    }
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display)
    }
}

impl Source {
    /// Opens `location`: `s3://bucket[/prefix]` (credentials, region and endpoint from the
    /// standard AWS variables, `AWS_ENDPOINT_URL` included) or a local path.
    pub fn open(location: &str) -> Result<Self> {
        if location.starts_with("s3://") {
            let mut builder = AmazonS3Builder::from_env();
            let endpoint = std::env::var("AWS_ENDPOINT_URL_S3")
                .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
                .ok();
            if let Some(endpoint) = endpoint {
                builder = builder.with_endpoint(endpoint);
            }
            return Self::open_s3(location, builder);
        }
        let path = std::path::Path::new(location);
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        let (dir, single_file) = if meta.is_file() {
            let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            (
                parent.unwrap_or(std::path::Path::new(".")).to_path_buf(),
                Some(Path::from(name)),
            )
        } else {
            (path.to_path_buf(), None)
        };
        let local_root = Some(dir.clone());
        let store =
            LocalFileSystem::new_with_prefix(&dir).map_err(|source| Error::ObjectStore {
                location: location.into(),
                source,
            })?;
        Ok(Source {
            store: Arc::new(store),
            prefix: Path::default(),
            display: location.into(),
            single_file,
            local_root,
        })
    }

    /// Opens `s3://bucket[/prefix]` with explicit settings instead of the environment;
    /// keys as `object_store` names them (`endpoint`, `region`, `access_key_id`, ...).
    pub fn open_s3_with(location: &str, settings: &[(&str, &str)]) -> Result<Self> {
        let mut builder = AmazonS3Builder::new();
        for (key, value) in settings {
            let key = key
                .parse::<AmazonS3ConfigKey>()
                .map_err(|source| Error::ObjectStore {
                    location: location.into(),
                    source,
                })?;
            builder = builder.with_config(key, *value);
        }
        Self::open_s3(location, builder)
    }

    fn open_s3(location: &str, builder: AmazonS3Builder) -> Result<Self> {
        let rest = location.strip_prefix("s3://").unwrap_or(location);
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(Error::InvalidSource {
                source_path: location.into(),
                reason: "no bucket name after s3://".into(),
            });
        }
        let mut builder = builder.with_bucket_name(bucket);
        if let Some(endpoint) = builder.get_config_value(&AmazonS3ConfigKey::Endpoint) {
            // S3-compatible servers are addressed by path, often over plain HTTP.
            builder = builder
                .with_allow_http(endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        if builder
            .get_config_value(&AmazonS3ConfigKey::Region)
            .is_none()
        {
            builder = builder.with_region("us-east-1");
        }
        let store = builder.build().map_err(|source| Error::ObjectStore {
            location: location.into(),
            source,
        })?;
        Ok(Source {
            store: Arc::new(store),
            prefix: Path::from(prefix.trim_end_matches('/')),
            display: location.into(),
            single_file: None,
            local_root: None,
        })
    }

    /// The object store behind this source.
    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// What the user named, for messages.
    pub fn display(&self) -> &str {
        &self.display
    }

    /// A user-facing name for an object of this source.
    pub fn describe(&self, location: &Path) -> String {
        if self.display.starts_with("s3://") {
            let bucket = self.display["s3://".len()..]
                .split('/')
                .next()
                .unwrap_or_default();
            format!("s3://{bucket}/{location}")
        } else if self.single_file.is_some() {
            self.display.clone()
        } else {
            format!("{}/{location}", self.display.trim_end_matches('/'))
        }
    }

    /// Every object under the source, sorted by path.
    pub async fn list(&self) -> Result<Vec<ObjectMeta>> {
        if let Some(file) = &self.single_file {
            let meta = self
                .store
                .head(file)
                .await
                .map_err(|source| Error::ObjectStore {
                    location: self.display.clone(),
                    source,
                })?;
            return Ok(vec![meta]);
        }
        let prefix = (!self.prefix.as_ref().is_empty()).then_some(&self.prefix);
        let mut objects: Vec<ObjectMeta> =
            self.store
                .list(prefix)
                .try_collect()
                .await
                .map_err(|source| Error::ObjectStore {
                    location: self.display.clone(),
                    source,
                })?;
        objects.sort_by(|a, b| a.location.cmp(&b.location));
        Ok(objects)
    }

    /// Reads a whole object into memory (used for manifests and small text files).
    pub async fn get_bytes(&self, location: &Path) -> Result<bytes::Bytes> {
        let result = self
            .store
            .get(location)
            .await
            .map_err(|source| Error::ObjectStore {
                location: self.describe(location),
                source,
            })?;
        result.bytes().await.map_err(|source| Error::ObjectStore {
            location: self.describe(location),
            source,
        })
    }

    /// A local file holding the object: the file itself for a local source, a streamed
    /// download into a temporary file for S3.
    pub async fn local_copy(&self, location: &Path) -> Result<LocalCopy> {
        if let Some(root) = &self.local_root {
            return Ok(LocalCopy::Path(root.join(location.as_ref())));
        }
        let name = self.describe(location);
        let store_error = |source| Error::ObjectStore {
            location: name.clone(),
            source,
        };
        let result = self.store.get(location).await.map_err(store_error)?;
        let mut temp =
            tempfile::NamedTempFile::new().map_err(|e| Error::io(std::env::temp_dir(), e))?;
        let mut stream = result.into_stream();
        while let Some(chunk) = stream
            .try_next()
            .await
            .map_err(|source| Error::ObjectStore {
                location: name.clone(),
                source,
            })?
        {
            std::io::Write::write_all(&mut temp, &chunk).map_err(|e| Error::io(temp.path(), e))?;
        }
        Ok(LocalCopy::Temp(temp))
    }
}
